"""A native crash of the model runtime never ends a run silently.

`supervised(body)` forks once, before any model is loaded: the child runs the command, the parent
only waits. When the child dies by a signal (a segmentation fault in llama.cpp, an abort, an
illegal instruction on a CPU the build did not expect) the parent prints one line naming the
signal, the run directory the command announced (`announce_run_dir`), that rerunning the same
command resumes, and the fallback that avoids the crash, and exits 1. Forking and reaping the
imported CLI took 12.8 ms (median, docs/ERRORS.md); a child that exits normally passes its exit
code through unchanged.

`RATCHET_SUPERVISE=0` runs the command in the same process (and so does a platform without fork).
"""

from __future__ import annotations

import os
import select
import signal
import sys
from collections.abc import Callable
from pathlib import Path

REPORT_FD = "RATCHET_REPORT_FD"  # set in the child: where it announces its run directory
SAFE_CPU_HINT = ("set RATCHET_LLAMA_SAFE_CPU=1 if it crashes again (llama.cpp without its AMX and "
                 "weight-repacking CPU paths)")
CRASH_SIGNALS = {signal.SIGSEGV, signal.SIGBUS, signal.SIGILL, signal.SIGABRT, signal.SIGFPE}

_announced: list[Path] = []  # this process's run directories, for the Ctrl-C summary


def announce_run_dir(path: Path) -> None:
    """Tell the supervising parent (and the Ctrl-C handler) where this command saves its work."""
    _announced.append(Path(path))
    fd = os.environ.get(REPORT_FD)
    if fd is not None:
        try:
            os.write(int(fd), f"{path}\n".encode())
        except OSError:
            pass  # no parent listening (a grandchild inherited the variable): nothing to tell


def announced_run_dir() -> Path | None:
    return _announced[-1] if _announced else None


def saved_summary(path: Path | None) -> str:
    """What a run directory holds, in words: 'runs/x keeps 12 finished attempts'."""
    if path is None or not Path(path).exists():
        return "nothing was saved yet"
    attempts = 0
    for log in sorted(Path(path).rglob("attempts.jsonl")):
        with open(log, "rb") as handle:
            attempts += sum(1 for line in handle if line.endswith(b"\n"))
    stores = len(list(Path(path).rglob("*.sqlite")))
    held = f"{attempts} finished attempt{'s' if attempts != 1 else ''}" + (
        f" and {stores} experience store{'s' if stores != 1 else ''}" if stores else "")
    return f"{path} keeps {held}"


def crash_line(signum: int, run_dir: Path | None) -> str:
    name = signal.Signals(signum).name
    if signum in CRASH_SIGNALS:
        what = f"the model runtime crashed ({name})"
        hint = f"rerun the same command to resume; {SAFE_CPU_HINT}"
    else:
        what = f"the command was killed by {name}" + (" (out of memory?)" if signum == signal.SIGKILL else "")
        hint = "rerun the same command to resume"
    return f"error: {what}; {saved_summary(run_dir)}: {hint}"


def supervised(body: Callable[[], int]) -> int:
    """Run `body` in a forked child and return its exit code; a death by signal becomes one line
    on stderr and exit code 1. In the child this returns `body()` itself."""
    if not hasattr(os, "fork") or os.environ.get("RATCHET_SUPERVISE") == "0" or REPORT_FD in os.environ:
        return body()
    sys.stdout.flush()
    sys.stderr.flush()
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child runs the command
        os.close(read_fd)
        os.environ[REPORT_FD] = str(write_fd)
        return body()
    os.close(write_fd)
    return _wait(pid, read_fd)


def _wait(pid: int, read_fd: int) -> int:
    """The parent: ignore Ctrl-C (the terminal sends it to the child too, which saves and says
    how to resume), pass a SIGTERM on, and report a death by signal."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN), signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGTERM, lambda signum, frame: _forward(pid, signum))
    try:
        status, announced = _reap(pid, read_fd)
    finally:
        signal.signal(signal.SIGINT, previous[0])
        signal.signal(signal.SIGTERM, previous[1])
    code = os.waitstatus_to_exitcode(status)
    if code >= 0:
        return code
    run_dir = Path(announced[-1]) if announced else None
    if -code == signal.SIGINT:  # killed by Ctrl-C before Python could turn it into a message
        print(f"interrupted: {saved_summary(run_dir)}; rerun the same command to resume", file=sys.stderr, flush=True)
        return 130
    print(crash_line(-code, run_dir), file=sys.stderr, flush=True)
    return 1


def _reap(pid: int, read_fd: int) -> tuple[int, list[str]]:
    """Wait for the child, reading the run directories it announces; its wait status and them."""
    announced: list[str] = []
    with os.fdopen(read_fd, "rb") as reader:
        os.set_blocking(read_fd, False)
        while True:  # drain announcements while waiting, so the pipe never fills
            finished, status = os.waitpid(pid, os.WNOHANG)
            data = reader.read()  # None: nothing yet; b"": the child closed its end (it exited)
            if data:
                announced += [line for line in data.decode(errors="replace").splitlines() if line.strip()]
            if finished:
                break
            if data == b"":
                _, status = os.waitpid(pid, 0)
                break
            select.select([read_fd], [], [], 0.5)
    return status, announced


def _forward(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass
