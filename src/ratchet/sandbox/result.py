"""The outcome of one sandboxed run, and how a raw exit is classified into it."""

from __future__ import annotations

import re
import signal
from dataclasses import dataclass
from typing import Literal

from ratchet.sandbox.limits import SandboxLimits

SandboxStatus = Literal["passed", "failed", "timeout", "memory", "crashed"]

# The last lines of a traceback name the exception; a MemoryError there means the program ran
# into its address-space limit (or asked for something absurd, which is the same verdict).
_MEMORY_ERROR = re.compile(r"^(\w+\.)*MemoryError\b|^Fatal Python error: .*(memory|MemoryError)", re.M)
# How close to its limit a process killed by SIGKILL must have come to count as out of memory
# (the kernel's OOM killer leaves no other trace).
_OOM_FRACTION = 0.9
_STEAL_ALLOWANCE = 0.9


@dataclass(frozen=True)
class SandboxResult:
    """What happened when model-written code ran in the sandbox.

    status:      passed (exit 0; for a checked run: every check held, whatever the exit) |
                 failed (nonzero exit, e.g. an uncaught exception; a check that did not hold) |
                 timeout (wall or CPU limit) | memory (MemoryError or killed for memory) |
                 crashed (killed by a signal, or anything else).
    returncode:  the exit code; minus the signal number when killed; None when the sandbox
                 was killed from outside (wall-time limit).
    stdout:      the end of standard output (at most `output_bytes`, with a marker if cut).
    stderr:      the end of standard error: the end of the traceback.
    seconds:     wall time from launch to the end of the sandbox.
    isolation:   the layers that were actually in force, e.g. "netns+pidns+mntns+uid+rlimits",
                 or "rlimits-only".
    detail:      one line saying why the status was chosen (for logs and feedback).
    cpu_seconds: CPU time the program used, when the supervisor could measure it.
    """

    status: SandboxStatus
    returncode: int | None
    stdout: str
    stderr: str
    seconds: float
    isolation: str
    detail: str = ""
    cpu_seconds: float | None = None

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def to_json(self) -> dict:
        return {
            "status": self.status,
            "returncode": self.returncode,
            "stdout": self.stdout,
            "stderr": self.stderr,
            "seconds": round(self.seconds, 4),
            "isolation": self.isolation,
            "detail": self.detail,
            "cpu_seconds": None if self.cpu_seconds is None else round(self.cpu_seconds, 4),
        }


@dataclass(frozen=True)
class CheckReport:
    """What the checker of a checked run said: whether every check held, and if not, why."""

    passed: bool
    detail: str
    calls: int  # calls of the program's function the checks made
    program_ended: bool  # the program's process went away before the checks were done
    timeout: bool = False  # the wall-time limit passed during the checks
    memory: bool = False  # the function raised MemoryError


@dataclass(frozen=True)
class ProgramExit:
    """How the program's process ended, as its supervisor saw it."""

    exit_code: int | None  # set when it exited
    signal: int | None  # set when a signal killed it
    cpu_seconds: float
    max_rss_kb: int
    killed_for_wall_time: bool = False  # the supervisor's own backstop alarm fired


def classify(
    ended: ProgramExit | None,
    *,
    wall_timeout: bool,
    stderr: str,
    limits: SandboxLimits,
    checks: CheckReport | None = None,
) -> tuple[SandboxStatus, int | None, str]:
    """(status, returncode, detail) for a run. `ended` is None when no report came back.
    For a checked run (`checks` given) only the checks can make it "passed"; the program's
    exit only tells apart why it failed when the program went away during them."""
    if checks is None:
        return _classify_exit(ended, wall_timeout=wall_timeout, stderr=stderr, limits=limits)
    code = ended.exit_code if ended else None
    if checks.passed:
        return "passed", code, f"every check held ({checks.calls} calls)"
    if checks.timeout or wall_timeout:
        return "timeout", None, f"wall-time limit of {limits.wall_seconds:g} s exceeded during the checks"
    if checks.memory:
        return "memory", code, f"MemoryError (address-space limit {limits.memory_mb} MB)"
    if not checks.program_ended:
        return "failed", code, checks.detail
    status, returncode, detail = _classify_exit(ended, wall_timeout=False, stderr=stderr, limits=limits)
    if status == "passed":  # it exited with 0 before the checks were done: a failure
        return "failed", returncode, f"{checks.detail} (it exited with code {returncode})"
    return status, returncode, f"{checks.detail}: {detail}"


def _classify_exit(
    ended: ProgramExit | None, *, wall_timeout: bool, stderr: str, limits: SandboxLimits
) -> tuple[SandboxStatus, int | None, str]:
    if wall_timeout or (ended is not None and ended.killed_for_wall_time):
        return "timeout", None, f"wall-time limit of {limits.wall_seconds:g} s exceeded"
    if ended is None:
        return "crashed", None, "the sandbox ended without reporting how the program ended"
    if ended.signal is not None:
        return _classify_signal(ended, stderr, limits)
    code = ended.exit_code if ended.exit_code is not None else -1
    if code == 0:
        return "passed", 0, "exited with code 0"
    if _mentions_memory_error(stderr):
        return "memory", code, f"MemoryError (address-space limit {limits.memory_mb} MB)"
    return "failed", code, f"exited with code {code}"


def _classify_signal(
    ended: ProgramExit, stderr: str, limits: SandboxLimits
) -> tuple[SandboxStatus, int, str]:
    number = ended.signal or 0
    name = _signal_name(number)
    cpu_limit = limits.rlimits()["RLIMIT_CPU"][0]
    # SIGKILL at the hard limit (soft + 1 s). The kernel enforces the limit on run time that,
    # in a VM, includes time stolen by the host, while rusage leaves that out: allow for it.
    hard_cpu_kill = number == signal.SIGKILL and ended.cpu_seconds >= _STEAL_ALLOWANCE * cpu_limit
    if number == signal.SIGXCPU or hard_cpu_kill:
        return "timeout", -number, f"CPU-time limit of {cpu_limit} s exceeded ({name})"
    if number == signal.SIGKILL and ended.max_rss_kb * 1024 >= _OOM_FRACTION * limits.memory_mb * 2**20:
        return "memory", -number, f"killed by {name} near the memory limit ({limits.memory_mb} MB)"
    if _mentions_memory_error(stderr):
        return "memory", -number, f"killed by {name} after running out of memory"
    return "crashed", -number, f"killed by {name}"


def _mentions_memory_error(stderr: str) -> bool:
    last_lines = "\n".join(stderr.rstrip().splitlines()[-3:])
    return bool(_MEMORY_ERROR.search(last_lines))


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"
