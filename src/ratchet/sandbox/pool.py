"""SandboxPool: keep every core busy verifying. Its threads only wait; each run is its own
sandboxed process tree, handed out by a fork server that keeps one sandbox per worker prepared,
so the isolation lives in those processes, not in the pool.

Programs run through one pool share the fork server's string-hash seed (as if PYTHONHASHSEED
were fixed per pool); one-off `run_python` calls each get a fresh one."""

from __future__ import annotations

import os
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType

from ratchet.errors import UserError
from ratchet.sandbox.checks import Checks
from ratchet.sandbox.forkserver import ForkServer
from ratchet.sandbox.isolation import IsolationPlan, check_plan, detect_isolation
from ratchet.sandbox.leftovers import install_signal_cleanup
from ratchet.sandbox.limits import SandboxLimits
from ratchet.sandbox.result import SandboxResult
from ratchet.sandbox.runner import execute


class SandboxPool:
    """Runs programs in parallel sandboxes, `workers` at a time (default: one per core).
    `limits` is the default for `submit` and `map`; `isolation` defaults to the strongest plan
    this machine supports. Close it (or use `with`) to stop its fork server."""

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
        install_signal_cleanup()  # here, in the caller's thread: the runs start in worker threads
        self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="ratchet-sandbox")
        self._server = ForkServer(self.isolation, spares=self.workers)

    def submit(
        self, code: str, limits: SandboxLimits | None = None, *, stdin: str = "", checks: Checks | None = None
    ) -> Future[SandboxResult]:
        """Run `code` as a program's main module (checked against `checks` when given, see
        `run_python`); the future never fails for what the program does."""
        return self._executor.submit(
            execute, code, limits or self.limits, stdin=stdin, plan=self.isolation, server=self._server,
            checks=checks,
        )

    def map(
        self,
        codes: Iterable[str],
        limits: SandboxLimits | None = None,
        checks: Iterable[Checks | None] | None = None,
    ) -> list[SandboxResult]:
        """Results in the order of `codes` (each checked against its `checks`, when given)."""
        codes = list(codes)
        each = list(checks) if checks is not None else [None] * len(codes)
        futures = [self.submit(code, limits, checks=check) for code, check in zip(codes, each, strict=True)]
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
