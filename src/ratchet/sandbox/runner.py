"""run_python: one program, one fresh sandbox, one structured result. Never raises for what the
program does; a sandbox that cannot be set up at all is a BackendError."""

from __future__ import annotations

import contextlib
import errno
import json
import marshal
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from ratchet.errors import BackendError
from ratchet.sandbox.isolation import UIDS, IsolationPlan, detect_isolation, kill_processes_of
from ratchet.sandbox.limits import SandboxLimits
from ratchet.sandbox.output import collect_output
from ratchet.sandbox.result import ProgramExit, SandboxResult, classify

SUPERVISOR = str(Path(__file__).with_name("_supervisor.py"))
SCRATCH_DIRS = ("/tmp", "/var/tmp", "/dev/shm")
# -I: ignore PYTHON* variables, user site and the script's directory; faulthandler prints a
# Python traceback on a segfault, which is the relevant stderr of a crash.
PROGRAM_PYTHON_ARGS = ("-I", "-X", "faulthandler")
# The supervisor kills the program at the wall deadline; we kill the supervisor's whole group
# this much later, in case it is stuck (or, without namespaces, was killed by the program).
BACKSTOP_SECONDS = 1.0
# Big pipes: a program printing megabytes needs fewer round trips through the scheduler.
PIPE_BYTES = 1 << 20
_BASE_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}


def run_python(
    code: str,
    limits: SandboxLimits = SandboxLimits(),
    *,
    stdin: str = "",
    isolation: IsolationPlan | None = None,
) -> SandboxResult:
    """Run `code` as the main module of a fresh Python process in a sandbox.

    `isolation` defaults to the strongest plan this machine supports (`detect_isolation()`).
    """
    plan = isolation if isolation is not None else detect_isolation()
    with contextlib.ExitStack() as stack:
        uid = stack.enter_context(UIDS.lease()) if plan.drop_uid else None
        workdir = stack.enter_context(_workspace(code, uid, plan))
        stdin_file = stack.enter_context(_stdin_file(stdin))
        return _supervise(workdir, uid, plan, limits, stdin_file)


@contextlib.contextmanager
def _workspace(code: str, uid: int | None, plan: IsolationPlan) -> Iterator[str]:
    """A fresh directory holding main.py, removed afterwards whatever the program did."""
    workdir = tempfile.mkdtemp(prefix="ratchet-sandbox-")
    try:
        main = os.path.join(workdir, "main.py")
        with open(main, "w", encoding="utf-8") as handle:
            handle.write(code)
        os.chmod(main, 0o644)
        if uid is not None and not plan.mount_namespace:  # the program works here directly
            os.chown(workdir, uid, uid)
            os.chown(main, uid, uid)
        yield workdir
    finally:
        _remove_tree(workdir)


@contextlib.contextmanager
def _stdin_file(text: str) -> Iterator[int | None]:
    """stdin from an unlinked file, not a pipe: a program that never reads cannot block us."""
    if not text:
        yield subprocess.DEVNULL
        return
    with tempfile.TemporaryFile() as handle:
        handle.write(text.encode("utf-8"))
        handle.seek(0)
        yield handle.fileno()


def _remove_tree(path: str) -> None:
    def make_writable_and_retry(function, failed_path, _exc_info) -> None:  # noqa: ANN001
        with contextlib.suppress(OSError):
            os.chmod(os.path.dirname(failed_path), 0o700)
            os.chmod(failed_path, 0o700)
            function(failed_path)

    shutil.rmtree(path, onerror=make_writable_and_retry)


def _supervisor_config(
    workdir: str, uid: int | None, plan: IsolationPlan, limits: SandboxLimits, report_fd: int, deadline: float
) -> dict:
    return {
        "report_fd": report_fd,
        "workdir": workdir,
        "uid": uid,
        "mount_namespace": plan.mount_namespace,
        "pid_namespace": plan.pid_namespace,
        "drop_capabilities": plan.user_namespace,
        "masks": [[directory, list(names)] for directory, names in plan.masks],
        "scratch_dirs": list(SCRATCH_DIRS),
        "scratch_mb": limits.scratch_mb,
        "rlimits": limits.rlimits(),
        "deadline": deadline,
        "python": sys.executable,
        "python_args": list(PROGRAM_PYTHON_ARGS),
        "env": {**_BASE_ENV, "HOME": workdir, "TMPDIR": "/tmp"},
    }


def _supervise(
    workdir: str, uid: int | None, plan: IsolationPlan, limits: SandboxLimits, stdin: int | None
) -> SandboxResult:
    report_r, report_w = os.pipe()
    started = time.monotonic()
    deadline = started + limits.wall_seconds  # the supervisor enforces it
    config = _supervisor_config(workdir, uid, plan, limits, report_w, deadline)
    command = [*plan.unshare, sys.executable, "-I", "-S", SUPERVISOR, marshal.dumps(config).hex()]
    try:
        process = subprocess.Popen(
            command, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            pass_fds=(report_w,), start_new_session=True, cwd=workdir, env=_BASE_ENV,
            pipesize=PIPE_BYTES,
        )
    except OSError as error:
        os.close(report_r)
        raise BackendError(f"could not start the sandbox: {error}", retryable=error.errno == errno.EAGAIN) from error
    finally:
        os.close(report_w)
    try:
        backstop = deadline + BACKSTOP_SECONDS
        stdout, stderr, wall_timeout = collect_output(process, backstop, limits.output_bytes)
        wall_timeout = _wait_or_kill(process, backstop) or wall_timeout
    finally:
        _kill_leftovers(process, plan, uid)
        report = _read_report(report_r)
    seconds = time.monotonic() - started
    if "error" in report and not wall_timeout:
        raise BackendError(f"sandbox setup failed: {report['error']}", retryable=bool(report.get("retryable")))
    ended = ProgramExit(**report["program"]) if "program" in report else None
    status, returncode, detail = classify(ended, wall_timeout=wall_timeout, stderr=stderr.text(), limits=limits)
    layers = report.get("layers")
    return SandboxResult(
        status=status,
        returncode=returncode,
        stdout=stdout.text(),
        stderr=stderr.text(),
        seconds=seconds,
        isolation=_describe(plan, layers) if layers is not None else plan.describe(),
        detail=detail,
        cpu_seconds=ended.cpu_seconds if ended else None,
    )


def _wait_or_kill(process: subprocess.Popen, deadline: float) -> bool:
    """Wait for the supervisor until the deadline; kill its whole group then. True if killed."""
    try:
        process.wait(timeout=max(0.0, deadline - time.monotonic()))
        return False
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)  # unshare --kill-child takes the namespace down
        process.wait()
        return True


def _kill_leftovers(process: subprocess.Popen, plan: IsolationPlan, uid: int | None) -> None:
    """Whatever outlived the supervisor: its process group, and (without a pid namespace to
    do it for us) every process of the sandbox uid."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    if process.poll() is None:
        process.wait()
    if uid is not None and not plan.pid_namespace:
        kill_processes_of(uid)
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            stream.close()


def _read_report(fd: int) -> dict:
    os.set_blocking(fd, False)
    data = b""
    try:
        while chunk := os.read(fd, 65_536):
            data += chunk
    except BlockingIOError:
        pass
    finally:
        os.close(fd)
    try:
        report = json.loads(data) if data else {}
    except ValueError:
        report = {}
    return report if isinstance(report, dict) else {}


def _describe(plan: IsolationPlan, layers: list[str]) -> str:
    names = [*plan.namespaces, *layers]
    return "rlimits-only" if names == ["no-new-privs", "rlimits"] or names == ["rlimits"] else "+".join(names)
