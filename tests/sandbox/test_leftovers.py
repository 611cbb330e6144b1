"""No run directory (nor its cgroup, nor its program) outlives its run: not on SIGTERM or
Ctrl-C, and after SIGKILL not past the next start of any Ratchet process."""

from __future__ import annotations

import glob
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

import ratchet
from ratchet.sandbox import IsolationPlan
from ratchet.sandbox.leftovers import LiveRuns, run_directory, sweep_stale

SRC = str(Path(ratchet.__file__).resolve().parents[1])
SLEEPER = "import time\ntime.sleep(60)\n"

HARNESS = f"""
import sys
from ratchet.sandbox import SandboxLimits, SandboxPool, run_python

limits = SandboxLimits(wall_seconds=40, memory_mb=256)
if sys.argv[1] == "pool":
    with SandboxPool(workers=2, limits=limits) as pool:
        futures = [pool.submit({SLEEPER!r}) for _ in range(2)]
        for future in futures:
            future.result()
else:
    run_python({SLEEPER!r}, limits)
"""


def _run_dirs(pid: int) -> list[str]:
    return glob.glob(os.path.join(tempfile.gettempdir(), f"ratchet-sandbox-{pid}-*"))


def _start_harness(mode: str, count: int) -> tuple[subprocess.Popen, list[str]]:
    """A harness process with `count` runs in flight; returns it and their directories."""
    env = {**os.environ, "PYTHONPATH": SRC}
    process = subprocess.Popen([sys.executable, "-c", textwrap.dedent(HARNESS), mode], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while len(_run_dirs(process.pid)) < count:
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the harness did not start its runs: {process.stderr.read().decode()[-2000:]}")
        time.sleep(0.05)
    time.sleep(0.5)  # the programs are running by now
    return process, _run_dirs(process.pid)


def _cgroups_of(plan: IsolationPlan, directories: list[str]) -> list[str]:
    if not plan.memory_cgroup:
        return []
    return [os.path.join(plan.memory_cgroup, os.path.basename(directory)) for directory in directories]


def _members(cgroups: list[str]) -> int:
    count = 0
    for cgroup in cgroups:
        try:
            with open(os.path.join(cgroup, "cgroup.procs")) as handle:
                count += len(handle.read().split())
        except OSError:
            pass
    return count


@pytest.mark.parametrize(("mode", "count"), [("pool", 2), ("one-off", 1)])
def test_sigterm_removes_the_runs_in_flight(mode: str, count: int, plan: IsolationPlan) -> None:
    process, directories = _start_harness(mode, count)
    cgroups = _cgroups_of(plan, directories)
    assert all(os.path.isdir(cgroup) for cgroup in cgroups) and _members(cgroups) >= count
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=15) == -signal.SIGTERM  # it still dies of the signal, promptly
    assert [path for path in directories if os.path.exists(path)] == []
    assert [path for path in cgroups if os.path.exists(path)] == []  # removed: emptied first


def test_ctrl_c_removes_the_run_in_flight() -> None:
    process, directories = _start_harness("one-off", 1)
    process.send_signal(signal.SIGINT)  # KeyboardInterrupt: the run's own cleanup
    process.wait(timeout=15)
    assert [path for path in directories if os.path.exists(path)] == []


def test_sigkill_leftovers_go_at_the_next_start(plan: IsolationPlan) -> None:
    process, directories = _start_harness("one-off", 1)
    cgroups = _cgroups_of(plan, directories)
    process.kill()
    process.wait(timeout=15)
    assert all(os.path.exists(path) for path in directories + cgroups)  # nothing could clean up
    env = {**os.environ, "PYTHONPATH": SRC}
    next_start = "from ratchet.sandbox import run_python\nassert run_python('pass').passed\n"
    subprocess.run([sys.executable, "-c", next_start], env=env, check=True, timeout=120)
    assert [path for path in directories + cgroups if os.path.exists(path)] == []


def test_a_live_run_directory_is_never_swept(tmp_path: Path) -> None:
    with run_directory(str(tmp_path)) as live:
        assert sweep_stale(str(tmp_path)) == []  # locked by its run
        assert os.path.isdir(live)
    dead = tmp_path / "ratchet-sandbox-999999999-abcdefgh"  # no such pid
    dead.mkdir()
    (dead / "main.py").write_text("print(1)")
    unrelated = tmp_path / "ratchet-sandbox-notarun"
    unrelated.mkdir()
    removed: list[str] = []
    assert sweep_stale(str(tmp_path), removed.append) == [dead.name] == removed
    assert not dead.exists() and unrelated.exists() and not os.path.exists(live)


def test_live_runs_clean_up_newest_first() -> None:
    live, order = LiveRuns(), []
    with live.track(lambda: order.append("directory")), live.track(lambda: order.append("cgroup")):
        live.clean_all()
        live.clean_all()  # each cleanup runs once
    assert order == ["cgroup", "directory"]


def test_a_forked_child_never_cleans_up_its_parents_runs() -> None:
    live, order = LiveRuns(), []
    with live.track(lambda: order.append("parent's")):
        child = os.fork()
        if child == 0:
            live.clean_all()
            os._exit(0 if order == [] else 1)
        _, status = os.waitpid(child, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        live.clean_all()
    assert order == ["parent's"]
