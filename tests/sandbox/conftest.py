"""Shared limits and the isolation this machine gives, for the sandbox tests."""

from __future__ import annotations

import os

import pytest

from ratchet.sandbox import IsolationPlan, SandboxLimits, detect_isolation

# Small limits keep the hostile tests fast; memory stays well above what Python needs to start.
FAST = SandboxLimits(cpu_seconds=1, wall_seconds=3, memory_mb=256, max_processes=16, output_bytes=2_000)


@pytest.fixture(scope="session")
def plan() -> IsolationPlan:
    return detect_isolation()


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
