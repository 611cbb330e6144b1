"""SandboxPool: keep every core busy verifying. Threads only wait; each run is its own
sandboxed process tree, forked by a warm fork server, so the isolation lives in those
processes, not in the pool."""

from __future__ import annotations

import os
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType

from ratchet.errors import UserError
from ratchet.sandbox.isolation import IsolationPlan, check_plan, detect_isolation
from ratchet.sandbox.limits import SandboxLimits
from ratchet.sandbox.result import SandboxResult
from ratchet.sandbox.forkserver import ForkServer
from ratchet.sandbox.runner import execute


class SandboxPool:
    """Runs programs in parallel sandboxes, `workers` at a time (default: one per core)."""

    def __init__(
        self,
        workers: int | None = None,
        limits: SandboxLimits = SandboxLimits(),
        *,
        isolation: IsolationPlan | None = None,
    ) -> None:
        self.workers = workers if workers is not None else (os.cpu_count() or 1)
        if self.workers < 1:
            raise UserError(f"SandboxPool needs at least one worker, got {self.workers}")
        self.limits = limits
        self.isolation = isolation if isolation is not None else detect_isolation()
        check_plan(self.isolation)
        self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="ratchet-sandbox")
        self._server = ForkServer(self.isolation, spares=self.workers)

    def submit(self, code: str, limits: SandboxLimits | None = None, *, stdin: str = "") -> Future[SandboxResult]:
        return self._executor.submit(
            execute, code, limits or self.limits, stdin=stdin, plan=self.isolation, server=self._server
        )

    def map(self, codes: Iterable[str], limits: SandboxLimits | None = None) -> list[SandboxResult]:
        """Results in the order of `codes`."""
        futures = [self.submit(code, limits) for code in codes]
        return [future.result() for future in futures]

    def close(self) -> None:
        """Wait for the runs in flight; drop those not started."""
        self._executor.shutdown(wait=True, cancel_futures=True)
        self._server.close()

    def __enter__(self) -> SandboxPool:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()
