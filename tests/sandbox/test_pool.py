"""SandboxPool: order preserved, runs in parallel, per-call limits, clean shutdown."""

from __future__ import annotations

import os
import signal
import time

from ratchet.sandbox import SandboxLimits, SandboxPool

from .conftest import FAST


def test_map_preserves_order_and_statuses() -> None:
    codes = [f"print({index})" for index in range(6)] + ["assert False", "raise MemoryError"]
    with SandboxPool(workers=2, limits=FAST) as pool:
        results = pool.map(codes)
    assert [result.stdout for result in results[:6]] == [f"{index}\n" for index in range(6)]
    assert [result.status for result in results[6:]] == ["failed", "memory"]


def test_runs_in_parallel() -> None:
    with SandboxPool(workers=2, limits=FAST) as pool:
        pool.map(["pass", "pass"])  # warm up
        started = time.monotonic()
        results = pool.map(["import time\ntime.sleep(1)"] * 2)
        elapsed = time.monotonic() - started
    assert all(result.passed for result in results)
    assert elapsed < 1.8  # two one-second sleeps side by side, not one after the other


def test_submit_with_its_own_limits() -> None:
    with SandboxPool(workers=1, limits=FAST) as pool:
        tight = pool.submit("import time\ntime.sleep(5)", SandboxLimits(wall_seconds=0.5, memory_mb=256))
        default = pool.submit("print('ok')")
        assert tight.result().status == "timeout"
        assert default.result().stdout == "ok\n"


def test_default_workers_is_cpu_count() -> None:
    pool = SandboxPool()
    try:
        assert pool.workers == (os.cpu_count() or 1)
    finally:
        pool.close()


def test_close_stops_the_fork_server_and_its_prepared_sandboxes() -> None:
    pool = SandboxPool(workers=2, limits=FAST)
    assert pool.submit("print('up')").result().passed
    server = pool._server._process
    assert server is not None
    spares = _children_of(server.pid)
    assert spares  # sandboxes prepared ahead of time
    pool.close()
    assert server.poll() is not None
    time.sleep(0.2)
    assert not [pid for pid in spares if os.path.exists(f"/proc/{pid}")]


def test_a_killed_fork_server_is_replaced() -> None:
    with SandboxPool(workers=1, limits=FAST) as pool:
        assert pool.submit("pass").result().passed
        server = pool._server._process
        assert server is not None
        os.kill(server.pid, signal.SIGKILL)
        server.wait()
        assert pool.submit("print('again')").result().stdout == "again\n"


def _children_of(parent: int) -> list[int]:
    children = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", "rb") as handle:
                    if int(handle.read().rsplit(b")", 1)[1].split()[1]) == parent:
                        children.append(int(name))
            except (OSError, IndexError, ValueError):
                pass
    return children
