"""Generation time of calls that overlap: each call in flight is charged an equal share.

A server that answers one request at a time (llama-cpp-python's) makes a concurrent client's
requests queue, so the latency of each includes the generation of the others: summing latencies
counted queue time (4 requests in flight: tokens/s reported at about a quarter of the real rate).
`BusyClock` charges each interval of time to the calls in flight during it, split equally, so the
charges of all calls add up to the wall time during which the backend was busy, and tokens divided
by them is the backend's generation speed, whether it serves one request at a time or batches.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable


class BusyClock:
    """Thread-safe. `start()` when a call goes out, `stop(ticket)` when it returns: the seconds
    that call is charged."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._charged: dict[int, float] = {}
        self._tickets = itertools.count()
        self._last = clock()

    def start(self) -> int:
        with self._lock:
            self._advance()
            ticket = next(self._tickets)
            self._charged[ticket] = 0.0
            return ticket

    def stop(self, ticket: int) -> float:
        with self._lock:
            self._advance()
            return self._charged.pop(ticket)

    def _advance(self) -> None:
        now = self._clock()
        if self._charged:
            share = (now - self._last) / len(self._charged)
            for ticket in self._charged:
                self._charged[ticket] += share
        self._last = now
