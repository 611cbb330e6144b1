"""Per-sandbox memory, the user's private directories, and Python living under /tmp.

Several tests start a separate harness process (the isolation is detected once per process,
from its own environment: HOME, RATCHET_HOME, the interpreter)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

import ratchet
from ratchet.errors import UserError
from ratchet.sandbox import IsolationPlan, SandboxLimits, run_python
from ratchet.sandbox.isolation import check_plan, hide_masks, is_masked, private_paths

from .conftest import Run

ROOT = os.geteuid() == 0
SRC = str(Path(ratchet.__file__).resolve().parents[1])

# Six children each hold 100 MB until a common instant, then say so: those still alive then
# held their memory at the same time. The parent then reads its cgroup's peak, if it has one.
FORKING_HOG = """
import os, time
until = time.monotonic() + 3
forks = failed = 0
for _ in range(6):
    try:
        pid = os.fork()
    except OSError:
        failed += 1
        continue
    if pid == 0:
        block = b"x" * (100 * 2**20)
        time.sleep(max(0.0, until - time.monotonic()))
        os.write(1, b"held\\n")
        os._exit(0)
    forks += 1
for _ in range(forks):
    os.wait()

def peak():
    for line in open("/proc/self/cgroup"):
        _, controllers, path = line.strip().split(":", 2)
        for name in ("memory/" + path + "/memory.max_usage_in_bytes", path + "/memory.peak"):
            if ("memory" in controllers.split(",") or not controllers) and os.path.exists("/sys/fs/cgroup/" + name):
                return int(open("/sys/fs/cgroup/" + name).read())
    return -1

print("forks", forks, "failed", failed, "peak", peak())
"""
HOG_LIMITS = SandboxLimits(cpu_seconds=10, wall_seconds=30, memory_mb=256, max_processes=16)


def _require(reason: str) -> None:
    """Skip, except on CI (RATCHET_REQUIRE_REAL=1, as root), where the guarantee must be tested."""
    if os.environ.get("RATCHET_REQUIRE_REAL") == "1" and ROOT:
        pytest.fail(reason)
    pytest.skip(reason)


def _hog_outcome(stdout: str) -> tuple[int, dict[str, int]]:
    lines = stdout.split("\n")
    held = lines.count("held")
    summary = next(line for line in lines if line.startswith("forks")).split()
    return held, {summary[i]: int(summary[i + 1]) for i in range(0, len(summary), 2)}


def test_memory_is_bounded_per_sandbox(run: Run, plan: IsolationPlan) -> None:
    if not plan.memory_cgroup:
        _require("no cgroup with a memory controller can be used here")
    result = run(FORKING_HOG, HOG_LIMITS)
    assert "memory-cgroup" in result.isolation.split("+")
    held, summary = _hog_outcome(result.stdout)
    assert summary["forks"] == 6  # RLIMIT_AS per process alone would have let all six hold 100 MB
    assert held <= 2, result.stdout  # 3 x 100 MB > 256 MB: the cgroup killed the rest
    assert 0 < summary["peak"] <= HOG_LIMITS.memory_mb * 2**20


def test_the_program_cannot_raise_its_own_limit(run: Run, plan: IsolationPlan) -> None:
    if not plan.memory_cgroup:
        _require("no cgroup with a memory controller can be used here")
    code = f"""
import os
own = [line.strip().split(":", 2)[2] for line in open("/proc/self/cgroup")
       if "memory" in line.split(":")[1].split(",") or line.startswith("0::")][0]
for name in ("memory.limit_in_bytes", "memory.max"):
    path = "/sys/fs/cgroup/memory" + own + "/" + name
    path = path if os.path.exists(path) else "/sys/fs/cgroup" + own + "/" + name
    if os.path.exists(path):
        try:
            open(path, "w").write(str(2**40))
            print("raised")
        except OSError as error:
            print(type(error).__name__)
try:
    os.mkdir({plan.memory_cgroup!r} + "/escape")
    print("made")
except OSError as error:
    print(type(error).__name__)
"""
    result = run(code, HOG_LIMITS)
    assert result.status == "passed", result.stderr
    assert result.stdout.split() == ["PermissionError", "PermissionError"], result.stdout


def test_without_a_cgroup_the_bound_is_per_process_times_processes(plan: IsolationPlan) -> None:
    limits = replace(HOG_LIMITS, max_processes=4)
    if not (plan.drop_uid or plan.user_namespace):
        pytest.skip("RLIMIT_NPROC counts the sandbox alone only with its own uid or user namespace")
    result = run_python(FORKING_HOG, limits, isolation=replace(plan, memory_cgroup=""))
    assert "memory-per-process" in result.isolation.split("+")
    held, summary = _hog_outcome(result.stdout)
    assert summary["forks"] == limits.max_processes - 1 and summary["failed"] == 3
    assert held == summary["forks"]  # each within its own 256 MB: at most memory_mb x max_processes


# ---------------------------------------------------------------- private directories


def test_masks_hide_all_but_the_way_to_python() -> None:
    masks = hide_masks(["/home/u", "/home/u/.cache/ratchet"], ["/home/u/proj/.venv", "/usr/lib/python3"])
    assert masks == (("/home/u", ("proj",)), ("/home/u/proj", (".venv",)))  # the cache: gone with home
    assert is_masked("/home/u", masks) and is_masked("/home/u/.ssh/id_rsa", masks)
    assert is_masked("/home/u/.cache/ratchet", masks) and is_masked("/home/u/proj/secret", masks)
    assert not is_masked("/home/u/proj/.venv/bin", masks) and not is_masked("/usr/lib", masks)
    assert hide_masks(["/opt/py"], ["/opt/py/lib"]) == (("/opt/py", ("lib",)),)
    assert hide_masks(["/opt/py/lib"], ["/opt/py"]) == ()  # inside Python itself: cannot be hidden


def test_a_plan_that_shows_private_directories_is_refused(plan: IsolationPlan) -> None:
    if not plan.mount_namespace:
        pytest.skip("needs a mount namespace")
    if not private_paths():
        pytest.skip("no home directory or RATCHET_HOME here")
    unmasked = replace(plan, masks=())
    with pytest.raises(UserError, match="could read .*detect_isolation"):
        check_plan(unmasked)
    check_plan(plan)


def _harness(script: str, env: dict[str, str], python: str = sys.executable, user: str | None = None) -> dict:
    """Run `script` in a fresh harness process; it prints one JSON line last."""
    command = [python, "-c", textwrap.dedent(script)]
    if user is not None:
        command = [RUNUSER, "-u", user, "--", "env", *(f"{k}={v}" for k, v in env.items()), *command]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env, cwd="/", check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


PRYING_HARNESS = """
import json, os, sys
from ratchet.errors import UserError
from ratchet.sandbox import SandboxLimits, SandboxPool, detect_isolation, run_python
from ratchet.sandbox.isolation import RLIMITS_ONLY

home, ratchet_home = os.path.expanduser("~"), os.environ["RATCHET_HOME"]
os.makedirs(home + "/.ssh", exist_ok=True)
open(home + "/.ssh/id_rsa", "w").write("SECRET-KEY")
open(ratchet_home + "/cache.sqlite", "w").write("SECRET-CACHE")
code = f'''
import os, subprocess, sys
for path in ({home!r} + "/.ssh/id_rsa", {ratchet_home!r} + "/cache.sqlite"):
    try:
        print(open(path).read())
    except OSError as error:
        print(type(error).__name__)
for directory in ({home!r}, {ratchet_home!r}):
    try:
        print(sorted(os.listdir(directory)))
    except OSError as error:
        print(type(error).__name__)
print(subprocess.run([sys.executable, "-c", "import json; print(6 * 7)"], capture_output=True, text=True).stdout)
'''
limits = SandboxLimits(wall_seconds=20, memory_mb=512)
one_off = run_python(code, limits)
with SandboxPool(workers=1, limits=limits) as pool:
    pooled = pool.submit(code).result()
try:
    run_python("print('ran')", limits, isolation=RLIMITS_ONLY)
    refusal = ""
except UserError as error:
    refusal = str(error)
print(json.dumps({"results": [one_off.to_json(), pooled.to_json()], "refusal": refusal,
                  "plan": detect_isolation().describe()}))
"""


def _check_pried_nothing(outcome: dict) -> None:
    for result in outcome["results"]:
        assert result["status"] == "passed", result["stderr"]
        assert "SECRET" not in result["stdout"] and "id_rsa" not in result["stdout"]
        lines = result["stdout"].split("\n")
        assert lines[:2] == ["FileNotFoundError"] * 2
        assert all(line in ("[]", "FileNotFoundError") for line in lines[2:4])  # empty, or gone with /srv
        assert "42" in result["stdout"]  # Python itself (and a child interpreter) still works
    assert outcome["refusal"].startswith("refusing") and "\n" not in outcome["refusal"]


@pytest.fixture
def outside_scratch() -> Iterator[str]:
    """A directory outside /tmp, /var/tmp and /dev/shm (which every sandbox replaces anyway)."""
    path = tempfile.mkdtemp(prefix="ratchet-test-", dir="/srv" if os.path.isdir("/srv") else "/")
    os.chmod(path, 0o755)
    yield path
    subprocess.run(["rm", "-rf", path], check=False)


@pytest.mark.skipif(not ROOT, reason="root's own plan; the non-root one is tested below")
def test_private_directories_are_hidden_even_when_world_readable(outside_scratch: str) -> None:
    home, ratchet_home = Path(outside_scratch, "home"), Path(outside_scratch, "ratchet-home")
    for directory in (home, ratchet_home):
        directory.mkdir()
        directory.chmod(0o755)  # the sandbox uid could read them: only the mask stops it
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "RATCHET_HOME": str(ratchet_home), "PYTHONPATH": SRC}
    outcome = _harness(PRYING_HARNESS, env)
    _check_pried_nothing(outcome)


TEST_USER = "ratchet-sandbox-test"
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
RUNUSER = shutil.which("runuser", path=SYSTEM_PATH) or "runuser"


@pytest.fixture(scope="module")
def non_root_user() -> str:
    if not ROOT:
        _require("creating a non-root test user needs root")
    if not (shutil.which("useradd", path=SYSTEM_PATH) and shutil.which("runuser", path=SYSTEM_PATH)):
        _require("useradd and runuser are needed to test as a non-root user")
    exists = subprocess.run(["id", TEST_USER], capture_output=True, check=False).returncode == 0
    if not exists:
        useradd = shutil.which("useradd", path=SYSTEM_PATH) or "useradd"
        command = [useradd, "--create-home", "--shell", "/bin/sh", TEST_USER]
        made = subprocess.run(command, capture_output=True, text=True, check=False)
        if made.returncode != 0:
            _require(f"cannot create a test user: {made.stderr.strip()}")
    return TEST_USER


def _python_for(user: str, readable_copy: Path) -> tuple[str, str]:
    """An interpreter the user can run that imports ratchet.sandbox (standard library only), and
    the source directory it imports it from: ours, or a world-readable copy when ours is out of
    the user's reach (a checkout under root's 0700 /tmp, as CI's clone may be)."""
    for source in (SRC, str(readable_copy)):
        if source != SRC:
            shutil.copytree(Path(SRC) / "ratchet", readable_copy / "ratchet",
                            ignore=shutil.ignore_patterns("__pycache__"), dirs_exist_ok=True)
            subprocess.run(["chmod", "-R", "a+rX", str(readable_copy)], check=True)
        for python in (sys.executable, "/usr/bin/python3"):
            probe = [RUNUSER, "-u", user, "--", "env", f"PYTHONPATH={source}", python, "-c", "import ratchet.sandbox"]
            if subprocess.run(probe, capture_output=True, check=False, cwd="/").returncode == 0:
                return python, source
    _require(f"no Python that user {user} can run imports ratchet from {SRC} or a copy of it")
    return "", ""


@pytest.fixture
def readable_copy() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="ratchet-src-", dir="/srv" if os.path.isdir("/srv") else "/"))
    os.chmod(path, 0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_non_root_runs_cannot_read_home_or_ratchet_home(
    non_root_user: str, outside_scratch: str, readable_copy: Path
) -> None:
    python, source = _python_for(non_root_user, readable_copy)
    home = os.path.expanduser(f"~{non_root_user}")
    subprocess.run(["chown", non_root_user, outside_scratch], check=True)
    env = {"PATH": "/usr/bin:/bin", "HOME": home, "RATCHET_HOME": outside_scratch, "PYTHONPATH": source}
    outcome = _harness(PRYING_HARNESS, env, python=python, user=non_root_user)
    if "userns" not in outcome["plan"]:
        assert "user namespaces" in outcome["refusal"]
        pytest.skip("no unprivileged user namespaces here: Ratchet refuses (checked), nothing to hide")
    _check_pried_nothing(outcome)
    assert all("userns" in result["isolation"] for result in outcome["results"])
    assert "user namespaces" in outcome["refusal"]  # rlimits-only would run as the user: refused


# ---------------------------------------------------------------- Python under /tmp

UNDER_TMP_HARNESS = """
import json
from ratchet.sandbox import SandboxLimits, SandboxPool, run_python

code = '''
import os, subprocess, sys
print(sys.executable, os.path.exists(sys.executable), os.path.isdir(sys.prefix))
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True)
print(subprocess.run([sys.executable, "-c", "print(6 * 7)"], capture_output=True, text=True).stdout)
try:
    open(sys.prefix + "/written", "w")
except OSError as error:
    print("refused:", type(error).__name__)
'''
limits = SandboxLimits(wall_seconds=20, memory_mb=512)
one_off = run_python(code, limits)
with SandboxPool(workers=1, limits=limits) as pool:
    pooled = pool.submit(code).result()
print(json.dumps([one_off.to_json(), pooled.to_json()]))
"""


def test_python_living_under_tmp_is_reachable(plan: IsolationPlan) -> None:
    if not plan.mount_namespace:
        pytest.skip("without a mount namespace /tmp is not replaced")
    holder = tempfile.mkdtemp(prefix="ratchet-venv-", dir="/tmp")
    try:
        os.chmod(holder, 0o755)  # as root the sandbox uid must be able to reach it
        venv = os.path.join(holder, "venv")
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True, timeout=120)
        env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": SRC, "HOME": os.path.expanduser("~")}
        results = _harness(UNDER_TMP_HARNESS, env, python=os.path.join(venv, "bin", "python"))
    finally:
        subprocess.run(["rm", "-rf", holder], check=False)
    for result in results:
        assert result["status"] == "passed", result["stderr"]
        executable, exists, prefix_there = result["stdout"].split("\n")[0].split()
        assert executable.startswith(holder) and (exists, prefix_there) == ("True", "True")
        assert "42" in result["stdout"]
        assert "refused:" in result["stdout"]  # bound back read-only
