"""Reading a sandbox's stdout and stderr with bounded memory and a deadline."""

from __future__ import annotations

import os
import selectors
import subprocess
import time
from dataclasses import dataclass, field

# After the supervisor exits, how long output may still trickle in from a leftover process
# that holds the pipes (only possible without a pid namespace) before we stop listening.
_GRACE_SECONDS = 0.2
_POLL_SECONDS = 0.1
_CHUNK = 1 << 20


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


def collect_output(
    process: subprocess.Popen, deadline: float, limit: int
) -> tuple[OutputTail, OutputTail, bool]:
    """Drain stdout and stderr until both close (or the supervisor is gone) or the deadline
    passes. Returns (stdout, stderr, deadline_passed); never holds more than ~2*limit each."""
    assert process.stdout is not None and process.stderr is not None
    tails = {process.stdout.fileno(): OutputTail(limit), process.stderr.fileno(): OutputTail(limit)}
    exited_at: float | None = None
    with selectors.DefaultSelector() as selector:
        for fd in tails:
            selector.register(fd, selectors.EVENT_READ)
        while selector.get_map():
            now = time.monotonic()
            if now >= deadline:
                return *tails.values(), True  # type: ignore[return-value]
            wait = min(deadline - now, _POLL_SECONDS)
            if exited_at is not None:
                wait = min(wait, exited_at + _GRACE_SECONDS - now)
                if wait <= 0:
                    break
            for key, _ in selector.select(wait):
                data = os.read(key.fd, _CHUNK)
                if data:
                    tails[key.fd].add(data)
                else:
                    selector.unregister(key.fd)
            if exited_at is None and process.poll() is not None:
                exited_at = time.monotonic()
    return *tails.values(), False  # type: ignore[return-value]
