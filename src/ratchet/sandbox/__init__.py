"""The sandbox for model-written code: a separate, limited, isolated process per run.

    from ratchet.sandbox import SandboxLimits, SandboxPool, run_python

    result = run_python("assert 1 + 1 == 2", SandboxLimits(wall_seconds=5))
    result.status       # "passed" | "failed" | "timeout" | "memory" | "crashed"
    result.isolation    # the layers actually in force, e.g. "netns+pidns+mntns+...+uid+rlimits"

Model-written code never runs in the calling process. Standard library only.
"""

from ratchet.sandbox.isolation import IsolationPlan, detect_isolation
from ratchet.sandbox.limits import SandboxLimits
from ratchet.sandbox.pool import SandboxPool
from ratchet.sandbox.result import SandboxResult, SandboxStatus
from ratchet.sandbox.runner import run_python

__all__ = [
    "IsolationPlan",
    "SandboxLimits",
    "SandboxPool",
    "SandboxResult",
    "SandboxStatus",
    "detect_isolation",
    "run_python",
]
