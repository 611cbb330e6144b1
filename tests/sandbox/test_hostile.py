"""Hostile programs: each must be contained and reported with the right status, and the
harness (this pytest process) must come through unharmed."""

from __future__ import annotations

import glob
import os
import socket
import tempfile
import time
import uuid

import pytest

from ratchet.sandbox import IsolationPlan, SandboxLimits, run_python

from .conftest import CPU_BOUND, FAST, Run, process_cmdlines

FORK_BOMB = """
import os
while True:
    try:
        os.fork()
    except OSError:
        pass
"""


def sandbox_dirs() -> set[str]:
    """This process's run directories (the pid in their names keeps other processes' apart)."""
    return set(glob.glob(os.path.join(tempfile.gettempdir(), f"ratchet-sandbox-{os.getpid()}-*")))


def test_plain_pass_and_fail(run: Run) -> None:
    ok = run("print(sum(range(10)))", FAST)
    assert (ok.status, ok.returncode, ok.stdout) == ("passed", 0, "45\n")
    bad = run("def f():\n    return 1\nassert f() == 2, 'f is wrong'\n", FAST)
    assert (bad.status, bad.returncode) == ("failed", 1)
    assert bad.stderr.rstrip().endswith("AssertionError: f is wrong")
    assert "main.py" in bad.stderr  # the traceback names the program's lines


def test_stdin_reaches_the_program(run: Run) -> None:
    result = run("import sys; print(sys.stdin.read().upper())", FAST, stdin="hello")
    assert result.stdout == "HELLO\n"


# CPU limits are rlimits, applied alike whichever way the run was launched: one path suffices.
def test_infinite_loop_hits_the_cpu_limit() -> None:
    result = run_python("while True:\n    pass\n", CPU_BOUND)
    assert result.status == "timeout"
    assert "CPU" in result.detail
    assert result.cpu_seconds is not None and 0.3 <= result.cpu_seconds < 2.5  # VMs: steal time


def test_cpu_limit_holds_when_sigxcpu_is_ignored() -> None:
    code = "import signal\nsignal.signal(signal.SIGXCPU, signal.SIG_IGN)\nwhile True:\n    pass\n"
    result = run_python(code, CPU_BOUND)
    assert result.status == "timeout"
    assert result.returncode == -9


def test_sleeping_program_hits_the_wall_limit(run: Run) -> None:
    result = run("import time\ntime.sleep(60)\n", SandboxLimits(wall_seconds=1, memory_mb=256))
    assert result.status == "timeout"
    assert result.returncode is None
    assert 1.0 <= result.seconds < 3.0


def test_fork_bomb_is_contained(run: Run, plan: IsolationPlan) -> None:
    started = time.monotonic()
    result = run(FORK_BOMB, SandboxLimits(cpu_seconds=2, wall_seconds=2, memory_mb=256, max_processes=16))
    assert result.status == "timeout"
    assert time.monotonic() - started < 5
    assert run("print('still fine')", FAST).stdout == "still fine\n"


def test_fork_bomb_hits_the_process_limit(run: Run, plan: IsolationPlan) -> None:
    if not plan.drop_uid and not plan.user_namespace:
        pytest.skip("RLIMIT_NPROC is not enforced for root without a sandbox uid")
    limits = SandboxLimits(wall_seconds=10, memory_mb=256, max_processes=16, output_bytes=16_384)
    result = run("import os\nwhile True:\n    os.fork()\n", limits)
    assert result.status == "failed"
    # Every process that failed to fork prints a traceback, interleaved: look for any piece.
    assert any(text in result.stderr for text in ("BlockingIOError", "Errno 11", "temporarily unavailable"))


def test_memory_bomb_reports_memory(run: Run) -> None:
    result = run("data = bytearray(8 * 1024**3)\n", FAST)
    assert result.status == "memory"
    assert "MemoryError" in result.stderr
    growing = run("chunks = []\nwhile True:\n    chunks.append(' ' * 10**7)\n", FAST)
    assert growing.status == "memory"


def test_writing_outside_its_directory_fails(run: Run, plan: IsolationPlan, tmp_path) -> None:
    if not (plan.drop_uid or plan.mount_namespace):
        pytest.skip("rlimits-only: the program may write wherever we may")
    outside = tmp_path / "escaped.txt"
    shared_tmp = os.path.join(tempfile.gettempdir(), f"ratchet-escape-{uuid.uuid4().hex}")
    code = f"""
import os
print(os.getcwd())
open("inside.txt", "w").write("fine")  # its own directory is writable
for path in ({str(outside)!r}, {shared_tmp!r}, "/etc/ratchet-escape"):
    try:
        open(path, "w").write("escaped")
    except OSError as error:
        print(type(error).__name__)
"""
    result = run(code, FAST)
    assert result.status == "passed", result.stderr
    workdir = result.stdout.splitlines()[0]
    assert not outside.exists()
    assert not os.path.exists("/etc/ratchet-escape")
    if plan.mount_namespace:  # /tmp is private; without it a uid may still write to /tmp
        assert not os.path.exists(shared_tmp)
    assert not os.path.exists(workdir)  # the work directory is removed afterwards


def test_network_is_unreachable(run: Run, plan: IsolationPlan) -> None:
    if "netns" not in plan.namespaces:
        pytest.skip("no network namespace on this machine")
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.settimeout(0.5)
        port = server.getsockname()[1]
        code = f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=2)\n"
        result = run(code, FAST)
        with pytest.raises(TimeoutError):
            server.accept()  # nothing reached the harness's listening socket
    assert result.status == "failed"
    assert "OSError" in result.stderr or "Error" in result.stderr.splitlines()[-1]
    outside = run("import socket\nsocket.create_connection(('1.1.1.1', 53), timeout=2)\n", FAST)
    assert outside.status == "failed"


def test_the_loopback_is_down_so_sandboxes_cannot_talk_over_it(run: Run, plan: IsolationPlan) -> None:
    """A fork server's sandboxes share one network namespace (share_network_namespace): its
    loopback is down and a program cannot bring it up, so nothing connects, not even to itself."""
    if "netns" not in plan.namespaces:
        pytest.skip("no network namespace on this machine")
    code = """
import fcntl, socket, struct
server = socket.create_server(("127.0.0.1", 0))
try:
    socket.create_connection(("127.0.0.1", server.getsockname()[1]), timeout=1)
    print("connected")
except OSError as error:
    print("unreachable", error.errno)
try:
    fcntl.ioctl(socket.socket(), 0x8914, struct.pack("16sh", b"lo", 1))  # SIOCSIFFLAGS: IFF_UP
    print("lo up")
except OSError as error:
    print("no lo", error.errno)
"""
    result = run(code, FAST)
    assert result.status == "passed", result.stderr
    assert result.stdout.split() == ["unreachable", "101", "no", "lo", "1"]


def test_killing_the_harness_fails(run: Run, plan: IsolationPlan) -> None:
    if not (plan.drop_uid or plan.pid_namespace):
        pytest.skip("rlimits-only: the program runs as our uid and could signal us")
    result = run(f"import os, signal\nos.kill({os.getpid()}, signal.SIGKILL)\n", FAST)
    assert result.status == "failed"
    assert "ProcessLookupError" in result.stderr or "PermissionError" in result.stderr


def test_killing_its_parent_and_group_is_contained(run: Run, plan: IsolationPlan) -> None:
    if not (plan.drop_uid or plan.pid_namespace):
        pytest.skip("rlimits-only: the program runs as our uid and could signal us")
    parent = run("import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nprint('alive')\n", FAST)
    assert parent.status in ("failed", "passed")  # refused, or ignored by a namespace's init
    assert "sandbox ended without reporting" not in parent.detail  # the supervisor survived
    everyone = run("import os, signal\nos.kill(-1, signal.SIGKILL)\nos.killpg(0, signal.SIGKILL)\n", FAST)
    assert everyone.status in ("failed", "crashed")
    assert everyone.returncode in (1, -9)
    assert run("print('pool still fine')", FAST).passed


def test_leftover_processes_are_killed(run: Run) -> None:
    marker = f"ratchet-leftover-{uuid.uuid4().hex}"
    code = f"""
import subprocess, sys
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)  # {marker}"], start_new_session=True)
print("spawned")
"""
    result = run(code, FAST)
    assert result.status == "passed", result.stderr
    time.sleep(0.2)
    assert not [line for line in process_cmdlines() if marker in line]


def test_segfault_and_abort_are_crashes(run: Run) -> None:
    segfault = run("import ctypes\nctypes.string_at(0)\n", FAST)
    assert (segfault.status, segfault.returncode) == ("crashed", -11)
    assert "main.py" in segfault.stderr  # faulthandler's Python traceback
    aborted = run("import os\nos.abort()\n", FAST)
    assert (aborted.status, aborted.returncode) == ("crashed", -6)


def test_huge_output_is_truncated(run: Run) -> None:
    code = "import sys\nsys.stdout.write('x' * 5_000_000 + 'END')\nsys.stderr.write('e' * 100_000)\n"
    result = run(code, SandboxLimits(wall_seconds=15, memory_mb=256, output_bytes=2_000))
    assert result.status == "passed"
    assert result.stdout.endswith("xEND") and len(result.stdout) < 2_100
    assert "earlier bytes cut" in result.stdout and len(result.stderr) < 2_100


def test_file_size_limit(run: Run) -> None:
    limits = SandboxLimits(wall_seconds=5, memory_mb=256, file_size_mb=1)
    result = run("open('big', 'wb').write(b'x' * 3 * 1024 * 1024)\n", limits)
    assert result.status == "failed"
    assert "File too large" in result.stderr


def test_no_sandbox_directory_is_left_behind(run: Run) -> None:
    before = sandbox_dirs()
    run("open('x', 'w').write('y')", FAST)
    run("import time\ntime.sleep(10)\n", SandboxLimits(wall_seconds=0.5, memory_mb=256))
    assert sandbox_dirs() - before == set()
