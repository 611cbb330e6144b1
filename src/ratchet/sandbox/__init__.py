"""The sandbox for model-written code: a separate, limited, isolated process tree per run.

    from ratchet.sandbox import SandboxLimits, SandboxPool, run_python

    result = run_python("assert 1 + 1 == 2", SandboxLimits(wall_seconds=5))
    result.status       # "passed" | "failed" | "timeout" | "memory" | "crashed"
    result.isolation    # the layers actually in force, e.g. "netns+pidns+mntns+...+uid+rlimits"

    with SandboxPool() as pool:             # one worker per core, a warm fork server
        results = pool.map(programs)        # in order

Model-written code never runs in the calling process, and never as root: as root, a plan
that cannot switch the program to its own uid is refused. What a program does comes back as
a result; only a sandbox that cannot be set up at all raises (BackendError). Standard
library only. How it works: `_supervisor.py` (its filesystem: `_mounts.py`; checked runs: `_calls.py`); which isolation: `isolation.py`.
"""

from ratchet.sandbox.checks import Checks
from ratchet.sandbox.isolation import IsolationPlan, detect_isolation
from ratchet.sandbox.limits import SandboxLimits
from ratchet.sandbox.pool import SandboxPool
from ratchet.sandbox.result import SandboxResult, SandboxStatus
from ratchet.sandbox.runner import run_python

__all__ = [
    "Checks",
    "IsolationPlan",
    "SandboxLimits",
    "SandboxPool",
    "SandboxResult",
    "SandboxStatus",
    "detect_isolation",
    "run_python",
]
