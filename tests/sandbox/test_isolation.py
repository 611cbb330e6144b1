"""The isolation plan: what this machine gives, the weaker fallbacks, and uid leases."""

from __future__ import annotations

import os
import stat
import time
import uuid

import pytest

from ratchet.errors import UserError
from ratchet.sandbox import IsolationPlan, SandboxLimits, SandboxPool, run_python
from ratchet.sandbox.isolation import (
    NAMESPACES,
    RLIMITS_ONLY,
    USER_NAMESPACES,
    UidLeases,
    can_enter,
    interpreter_paths,
    plan_masks,
)

from .conftest import FAST, process_cmdlines

ROOT = os.geteuid() == 0
ROOT_WITH_NAMESPACES = ROOT and can_enter(NAMESPACES)


@pytest.mark.skipif(not ROOT_WITH_NAMESPACES, reason="needs root and namespaces")
def test_root_gets_namespaces_and_its_own_uid(plan: IsolationPlan) -> None:
    assert plan.drop_uid and set(NAMESPACES) <= set(plan.namespaces)
    result = run_python("import os\nprint(os.getuid(), os.getpid())\n", FAST)
    uid, pid = map(int, result.stdout.split())
    assert uid != 0 and pid < 5  # an unprivileged uid, near the top of a fresh pid namespace
    for layer in ("netns", "pidns", "mntns", "uid", "rlimits"):
        assert layer in result.isolation.split("+")


@pytest.mark.skipif(ROOT, reason="as root, rlimits-only is refused for another reason (tested below)")
def test_rlimits_only_is_refused_for_a_user(tmp_path) -> None:
    marker = tmp_path / "ran"
    with pytest.raises(UserError, match="could read .*user namespaces"):
        run_python(f"open({str(marker)!r}, 'w')", FAST, isolation=RLIMITS_ONLY)  # it runs as us
    assert not marker.exists()


UID_ONLY = IsolationPlan(drop_uid=True)


@pytest.mark.skipif(
    not ROOT or bool(plan_masks(interpreter_paths())[0]), reason="needs root and a Python others can reach"
)
def test_without_a_pid_namespace_setsid_daemons_are_still_killed() -> None:
    marker = f"ratchet-leftover-{uuid.uuid4().hex}"
    code = f"""
import subprocess, sys
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)  # {marker}"], start_new_session=True)
print("spawned")
"""
    result = run_python(code, FAST, isolation=UID_ONLY)
    assert (result.status, result.stdout) == ("passed", "spawned\n"), result.stderr
    time.sleep(0.2)
    assert not [line for line in process_cmdlines() if marker in line]


@pytest.mark.skipif(not ROOT, reason="only root is refused")
@pytest.mark.parametrize("unsafe", [RLIMITS_ONLY, USER_NAMESPACES], ids=["rlimits-only", "userns"])
def test_root_never_runs_a_program_without_its_own_uid(unsafe: IsolationPlan, tmp_path) -> None:
    marker = tmp_path / "ran"
    with pytest.raises(UserError, match="refusing"):
        run_python(f"open({str(marker)!r}, 'w')", FAST, isolation=unsafe)
    with pytest.raises(UserError, match="refusing"):
        SandboxPool(1, FAST, isolation=unsafe)
    assert not marker.exists()


@pytest.mark.skipif(
    ROOT or not can_enter(USER_NAMESPACES.namespaces), reason="needs a non-root user with user namespaces"
)
def test_user_namespace_fallback_drops_capabilities(plan: IsolationPlan) -> None:
    assert plan.user_namespace
    code = "print([l for l in open('/proc/self/status') if l.startswith('CapEff')][0].split()[1])\n"
    result = run_python(code, FAST, isolation=plan)
    assert result.stdout.strip() == "0000000000000000"
    assert "no-caps" in result.isolation
    assert run_python("open('/etc/ratchet-escape', 'w')", FAST, isolation=plan).status == "failed"


def test_masks_keep_only_the_way_to_python(tmp_path) -> None:
    hidden = tmp_path / "home"
    (hidden / "py" / "lib").mkdir(parents=True)
    (hidden / "secret").mkdir()
    for path in (tmp_path, hidden / "py", hidden / "py" / "lib"):
        path.chmod(0o755)
    hidden.chmod(0o700)
    masks, unreachable = plan_masks([str(hidden / "py" / "lib")])
    assert (str(hidden), ("py",)) in masks
    assert unreachable == ()
    (hidden / "secret").chmod(0o700)
    assert plan_masks([str(hidden / "secret")])[1] == (str(hidden / "secret"),)
    assert stat.S_IMODE(hidden.stat().st_mode) == 0o700  # planning changes nothing


def test_uid_leases_are_distinct_and_reused(tmp_path) -> None:
    leases = UidLeases(base=61_500, count=3)
    with leases.lease() as first, leases.lease() as second:
        assert first != second
    with leases.lease() as third:
        assert third not in (first, second)  # round robin: the least recently used comes next
    with leases.lease() as again:
        assert again == first
