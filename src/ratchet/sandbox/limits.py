"""What one sandboxed run may consume."""

from __future__ import annotations

import math
import resource
from dataclasses import dataclass

from ratchet.errors import UserError

MIB = 1024 * 1024


@dataclass(frozen=True)
class SandboxLimits:
    """Resource limits for one run of model-written code.

    cpu_seconds:   CPU time of the program's process (RLIMIT_CPU; SIGXCPU, then SIGKILL 1 s later).
    wall_seconds:  real time from launch until the whole sandbox is killed.
    memory_mb:     memory of the whole sandbox where a cgroup can be used (the result's isolation
                   says memory-cgroup; the OOM killer ends a process past it), and address
                   space of each process (RLIMIT_AS: exceeding it raises MemoryError); without
                   a cgroup (memory-per-process) the sandbox's bound is memory_mb x max_processes.
    max_processes: processes and threads the sandbox may have at once (RLIMIT_NPROC, counted
                   for its own uid or its own user namespace; pids.max under cgroup v2).
    file_size_mb:  largest file the program may write (RLIMIT_FSIZE); private scratch
                   filesystems are sized from it too.
    output_bytes:  how much of the end of stdout and of stderr is kept.
    """

    cpu_seconds: float = 10.0
    wall_seconds: float = 20.0
    memory_mb: int = 1024
    max_processes: int = 32
    file_size_mb: int = 16
    output_bytes: int = 16_384

    def __post_init__(self) -> None:
        for name in ("cpu_seconds", "wall_seconds", "memory_mb", "max_processes", "file_size_mb"):
            if not getattr(self, name) > 0:
                raise UserError(f"SandboxLimits.{name} must be positive, got {getattr(self, name)!r}")
        if self.output_bytes < 0:
            raise UserError(f"SandboxLimits.output_bytes must be >= 0, got {self.output_bytes!r}")
        if self.memory_mb < 32:
            raise UserError(
                f"SandboxLimits.memory_mb={self.memory_mb} is too small for a Python interpreter;"
                " use at least 32"
            )

    def rlimits(self) -> dict[str, tuple[int, int]]:
        """(soft, hard) per resource name, as the supervisor applies them to the program."""
        cpu = max(1, math.ceil(self.cpu_seconds))
        memory = self.memory_mb * MIB
        file_size = self.file_size_mb * MIB
        return {
            "RLIMIT_CPU": (cpu, cpu + 1),
            "RLIMIT_AS": (memory, memory),
            "RLIMIT_NPROC": (self.max_processes, self.max_processes),
            "RLIMIT_FSIZE": (file_size, file_size),
            "RLIMIT_CORE": (0, 0),
            "RLIMIT_NOFILE": _nofile_limit(),
        }

    @property
    def scratch_mb(self) -> int:
        """Size of each private tmpfs (work dir, /tmp, ...): room for a few files at the limit."""
        return max(4, 4 * self.file_size_mb)


def _nofile_limit() -> tuple[int, int]:
    # Never above what the harness itself has: an unprivileged child cannot raise it.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    cap = 1024 if hard == resource.RLIM_INFINITY else min(1024, hard)
    return cap, cap
