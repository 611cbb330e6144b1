"""Shared limits and the isolation this machine gives, for the sandbox tests."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest

from ratchet.sandbox import IsolationPlan, SandboxLimits, SandboxPool, SandboxResult, detect_isolation, run_python

# Small limits keep the hostile tests fast; memory stays well above what Python needs to start.
FAST = SandboxLimits(cpu_seconds=1, wall_seconds=10, memory_mb=256, max_processes=16, output_bytes=2_000)
# For CPU-limit tests: on a busy machine a CPU second can take several wall seconds.
CPU_BOUND = SandboxLimits(cpu_seconds=1, wall_seconds=15, memory_mb=256, max_processes=16)


@pytest.fixture(scope="session")
def plan() -> IsolationPlan:
    return detect_isolation()


Run = Callable[..., SandboxResult]


@pytest.fixture(scope="module")
def _pool() -> Iterator[SandboxPool]:
    with SandboxPool(workers=2) as pool:
        yield pool


@pytest.fixture(params=["one-off", "fork-server"])
def run(request: pytest.FixtureRequest, _pool: SandboxPool) -> Run:
    """run(code, limits, stdin=...) through a one-off supervisor, or through a pool's fork server."""
    if request.param == "one-off":
        return run_python
    return lambda code, limits=FAST, stdin="": _pool.submit(code, limits, stdin=stdin).result()


def process_cmdlines() -> list[str]:
    """The command line of every process on the machine (to look for leftovers)."""
    lines = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/cmdline", "rb") as handle:
                    lines.append(handle.read().replace(b"\0", b" ").decode(errors="replace"))
            except OSError:
                pass
    return lines
