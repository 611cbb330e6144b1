"""Reading a sandbox's stdout, stderr and report with bounded memory and a deadline."""

from __future__ import annotations

import os
import selectors
import time
from dataclasses import dataclass, field

# After the supervisor is gone (its report pipe closed), how long output may still trickle in
# from a leftover process that holds the pipes (only possible without a pid namespace).
_GRACE_SECONDS = 0.2
_CHUNK = 1 << 20
_REPORT_BYTES = 1 << 20


@dataclass
class OutputTail:
    """The last `limit` bytes of a stream, and how many bytes it had in all."""

    limit: int
    total: int = 0
    _buffer: bytearray = field(default_factory=bytearray)

    def add(self, data: bytes) -> None:
        self.total += len(data)
        self._buffer += data
        if len(self._buffer) > 2 * self.limit:  # trim in batches: amortised O(1) per byte
            del self._buffer[: len(self._buffer) - self.limit]

    def text(self) -> str:
        kept = bytes(self._buffer[len(self._buffer) - self.limit :]) if self.limit else b""
        cut = self.total - len(kept)
        marker = f"[... {cut} earlier bytes cut ...]\n" if cut else ""
        return marker + kept.decode("utf-8", errors="replace")


@dataclass(frozen=True)
class Collected:
    stdout: OutputTail
    stderr: OutputTail
    report: bytes
    deadline_passed: bool


def collect(stdout_fd: int, stderr_fd: int, report_fd: int, deadline: float, limit: int) -> Collected:
    """Drain the three pipes until all close (or the report closed a grace period ago) or the
    deadline passes. Never holds more than about 2*limit bytes per stream."""
    tails = {stdout_fd: OutputTail(limit), stderr_fd: OutputTail(limit)}
    report = bytearray()
    ended_at: float | None = None
    with selectors.DefaultSelector() as selector:
        for fd in (stdout_fd, stderr_fd, report_fd):
            selector.register(fd, selectors.EVENT_READ)
        while selector.get_map():
            now = time.monotonic()
            if now >= deadline:
                return Collected(tails[stdout_fd], tails[stderr_fd], bytes(report), True)
            wait = deadline - now
            if ended_at is not None:
                wait = min(wait, ended_at + _GRACE_SECONDS - now)
                if wait <= 0:
                    break
            for key, _ in selector.select(wait):
                data = os.read(key.fd, _CHUNK)
                if not data:
                    selector.unregister(key.fd)
                    if key.fd == report_fd:
                        ended_at = time.monotonic()
                elif key.fd == report_fd:
                    report += data[: max(0, _REPORT_BYTES - len(report))]
                else:
                    tails[key.fd].add(data)
    return Collected(tails[stdout_fd], tails[stderr_fd], bytes(report), False)
