"""run_python: one program, one fresh sandbox, one structured result. Never raises for what the
program does; a sandbox that cannot be set up at all is a BackendError."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import functools
import json
import marshal
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ratchet.errors import BackendError, UserError
from ratchet.sandbox.checks import Checks
from ratchet.sandbox.cgroups import remove_cgroup, run_cgroup
from ratchet.sandbox.forkserver import SUPERVISOR_ENV, ForkServer
from ratchet.sandbox.isolation import (
    SCRATCH_DIRS,
    SUPERVISOR,
    UIDS,
    IsolationPlan,
    check_plan,
    detect_isolation,
    kill_processes_of,
)
from ratchet.sandbox.leftovers import install_signal_cleanup, run_directory, sweep_stale
from ratchet.sandbox.limits import SandboxLimits
from ratchet.sandbox.output import Collected, collect
from ratchet.sandbox.result import CheckReport, ProgramExit, SandboxResult, classify

# The supervisor kills the program at the wall deadline; we kill the run's whole process group
# this much later, in case the supervisor is stuck (or, without namespaces, was killed).
BACKSTOP_SECONDS = 1.0
# Big pipes: a program printing megabytes needs fewer round trips through the scheduler.
PIPE_BYTES = 1 << 20


def run_python(
    code: str,
    limits: SandboxLimits = SandboxLimits(),
    *,
    stdin: str = "",
    isolation: IsolationPlan | None = None,
    checks: Checks | None = None,
) -> SandboxResult:
    """Run `code` as the main module of a Python process in a fresh sandbox.

    Without `checks`, the status follows the program's exit (0 is "passed"). With `checks`,
    "passed" means the checks ran to completion against the program's function and every
    one held, whatever the program's exit (see `Checks`).
    `isolation` defaults to the strongest plan this machine supports (`detect_isolation()`).
    Each call starts one supervisor interpreter; `SandboxPool` keeps a warm one instead.
    """
    plan = isolation if isolation is not None else detect_isolation()
    return execute(code, limits, stdin=stdin, plan=plan, server=None, checks=checks)


def execute(
    code: str,
    limits: SandboxLimits,
    *,
    stdin: str,
    plan: IsolationPlan,
    server: ForkServer | None,
    checks: Checks | None = None,
) -> SandboxResult:
    """run_python, launched through `server` when given (else a one-off supervisor process)."""
    check_plan(plan)
    if server is not None and server.plan != plan:
        raise UserError("a fork server prepares sandboxes for its own isolation plan only")
    with contextlib.ExitStack() as stack:
        uid = stack.enter_context(UIDS.lease()) if plan.drop_uid else None
        workdir = stack.enter_context(_workspace(code, uid, plan))
        stack.enter_context(run_cgroup(plan.memory_cgroup, os.path.basename(workdir), limits))
        stdin_fd = stack.enter_context(_stdin_fd(stdin))
        checks_fd = stack.enter_context(_checks_fd(checks)) if checks is not None else None
        run = _Run(workdir, uid, plan, limits, checks.entry_point if checks else None)
        return _supervise(run, stdin_fd, checks_fd, server)


@contextlib.contextmanager
def _workspace(code: str, uid: int | None, plan: IsolationPlan) -> Iterator[str]:
    """A fresh directory holding main.py, removed afterwards whatever the program did, also on
    SIGTERM; stale ones (their process was killed) are removed at the first run of a process."""
    _sweep_once(tempfile.gettempdir(), plan.memory_cgroup)
    install_signal_cleanup()
    with run_directory() as workdir:
        main = os.path.join(workdir, "main.py")
        with open(main, "w", encoding="utf-8") as handle:
            handle.write(code)
        os.chmod(main, 0o644)
        if uid is not None and not plan.mount_namespace:  # the program works here directly
            os.chown(workdir, uid, uid)
            os.chown(main, uid, uid)
        yield workdir


@functools.cache
def _sweep_once(temp_dir: str, memory_cgroup: str) -> None:
    """Remove the directories (and cgroups) that killed runs left behind, once per process."""
    sweep_stale(temp_dir, lambda name: remove_cgroup(os.path.join(memory_cgroup, name)) if memory_cgroup else None)


@contextlib.contextmanager
def _checks_fd(checks: Checks) -> Iterator[int]:
    """The checks in an unlinked file: the supervisor reads them once the program is forked."""
    with tempfile.TemporaryFile() as handle:
        handle.write(checks.to_bytes())
        handle.seek(0)
        yield handle.fileno()


@contextlib.contextmanager
def _stdin_fd(text: str) -> Iterator[int]:
    """stdin from /dev/null or an unlinked file, never a pipe: a program that does not read
    cannot block us."""
    if not text:
        with open(os.devnull, "rb") as null:
            yield null.fileno()
        return
    with tempfile.TemporaryFile() as handle:
        handle.write(text.encode("utf-8"))
        handle.seek(0)
        yield handle.fileno()


@dataclass(frozen=True)
class _Pipes:
    stdout: tuple[int, int]  # (read end, write end)
    stderr: tuple[int, int]
    report: tuple[int, int]

    @classmethod
    def open(cls) -> _Pipes:
        stdout, stderr, report = os.pipe(), os.pipe(), os.pipe()
        for read_end, _ in (stdout, stderr):
            with contextlib.suppress(OSError):
                fcntl.fcntl(read_end, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
        return cls(stdout, stderr, report)

    def close(self, end: int) -> None:
        for pair in (self.stdout, self.stderr, self.report):
            with contextlib.suppress(OSError):
                os.close(pair[end])


@dataclass(frozen=True)
class _Run:
    workdir: str
    uid: int | None
    plan: IsolationPlan
    limits: SandboxLimits
    entry_point: str | None  # set for a checked run

    def config(self, deadline: float) -> dict:
        return {
            "workdir": self.workdir,
            "uid": self.uid,
            "namespaces": list(self.plan.namespaces),
            "masks": [[directory, list(names)] for directory, names in self.plan.masks],
            "hidden": list(self.plan.hidden),
            "memory_cgroup": self.plan.memory_cgroup,
            "scratch_dirs": list(SCRATCH_DIRS),
            "scratch_mb": self.limits.scratch_mb,
            "rlimits": self.limits.rlimits(),
            "deadline": deadline,
            "env": {**SUPERVISOR_ENV, "HOME": self.workdir, "TMPDIR": "/tmp"},
            "entry_point": self.entry_point,
        }


def _launch(
    config: dict, stdin: int, checks: int | None, pipes: _Pipes, workdir: str, server: ForkServer | None
) -> tuple[int, Callable[[], object]]:
    """Start the run's leader; returns (its process group, how to reap it)."""
    if server is not None:
        config_hex = marshal.dumps(config).hex()
        pid = server.spawn(config_hex, stdin, pipes.stdout[1], pipes.stderr[1], pipes.report[1], checks)
        return pid, lambda: None  # the fork server reaps its own children
    config = {**config, "report_fd": pipes.report[1], "checks_fd": checks}
    passed = (pipes.report[1],) if checks is None else (pipes.report[1], checks)
    try:
        process = subprocess.Popen(
            [sys.executable, "-I", SUPERVISOR, "run", marshal.dumps(config).hex()],
            stdin=stdin, stdout=pipes.stdout[1], stderr=pipes.stderr[1],
            pass_fds=passed, start_new_session=True, cwd=workdir, env=SUPERVISOR_ENV,
        )
    except OSError as error:
        retryable = error.errno == errno.EAGAIN
        raise BackendError(f"could not start the sandbox: {error}", retryable=retryable) from error
    return process.pid, process.wait


def _supervise(run: _Run, stdin: int, checks: int | None, server: ForkServer | None) -> SandboxResult:
    started = time.monotonic()
    deadline = started + run.limits.wall_seconds  # the supervisor enforces it
    plan, uid, limits = run.plan, run.uid, run.limits
    pipes = _Pipes.open()
    try:
        group, reap = _launch(run.config(deadline), stdin, checks, pipes, run.workdir, server)
    except BaseException:
        pipes.close(0)
        raise
    finally:
        pipes.close(1)
    collected: Collected | None = None
    try:
        read_ends = (pipes.stdout[0], pipes.stderr[0], pipes.report[0])
        collected = collect(*read_ends, deadline + BACKSTOP_SECONDS, limits.output_bytes)
    finally:
        # With a pid namespace, the supervisor's exit has killed everything already.
        if collected is None or collected.deadline_passed or not plan.pid_namespace:
            _kill_group(group)
        if uid is not None and not plan.pid_namespace:
            kill_processes_of(uid)
        reap()
        pipes.close(0)
    return _result(collected, plan, limits, time.monotonic() - started, checked=checks is not None)


def _kill_group(group: int) -> None:
    if group <= 1:  # never our own group (0) or everything (-1)
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signal.SIGKILL)


def _result(
    collected: Collected, plan: IsolationPlan, limits: SandboxLimits, seconds: float, *, checked: bool
) -> SandboxResult:
    report = _parse_report(collected.report)
    if "error" in report and not collected.deadline_passed:
        retryable = bool(report.get("retryable"))
        raise BackendError(f"sandbox setup failed: {report['error']}", retryable=retryable)
    ended = _program_exit(report)
    stderr = collected.stderr.text()
    status, returncode, detail = classify(
        ended, wall_timeout=collected.deadline_passed, stderr=stderr, limits=limits,
        checks=_checks_report(report) if checked else None,
    )
    layers = report.get("layers")
    return SandboxResult(
        status=status,
        returncode=returncode,
        stdout=collected.stdout.text(),
        stderr=stderr,
        seconds=seconds,
        isolation=_describe(plan, layers) if isinstance(layers, list) else plan.describe(),
        detail=detail,
        cpu_seconds=ended.cpu_seconds if ended else None,
    )


def _checks_report(report: dict) -> CheckReport:
    """What the supervisor said of the checks; no word from it is a failure like any other."""
    try:
        return CheckReport(**report["checks"])
    except (KeyError, TypeError):
        return CheckReport(passed=False, detail="the checks did not report", calls=0, program_ended=True)


def _program_exit(report: dict) -> ProgramExit | None:
    try:
        return ProgramExit(**report["program"])
    except (KeyError, TypeError):
        return None


def _parse_report(data: bytes) -> dict:
    try:
        report = json.loads(data) if data else {}
    except ValueError:
        return {}
    return report if isinstance(report, dict) else {}


def _describe(plan: IsolationPlan, layers: list[str]) -> str:
    names = [*plan.namespaces, *layers]
    return "rlimits-only" if names in (["no-new-privs", "rlimits"], ["rlimits"]) else "+".join(names)
