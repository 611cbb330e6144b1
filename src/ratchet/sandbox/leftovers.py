"""No sandbox directory outlives its run.

Each run's work directory, `ratchet-sandbox-<pid>-<random>` in the temp dir, holds the program
(and whatever the harness writes next to it); the run's memory cgroup bears the same name.

- Normal end, an exception, Ctrl-C (KeyboardInterrupt): the run's `finally` removes both.
- SIGTERM and SIGHUP (and SIGINT where Python's handler was replaced by the default action):
  where this process left the signal at its default action (which would end it without any
  `finally`), a handler kills the processes of every run in flight, removes their directories
  and cgroups, then lets the signal end the process as it would have.
- SIGKILL, a crash, a power cut: the next run in any process removes stale directories (and
  their cgroups). A directory is stale when nobody holds its lock (each run holds an flock on
  its directory while it lives) and its owner process is gone (the pid in its name) or it is
  older than a minute (the pid was reused).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator

PREFIX = "ratchet-sandbox-"
_NAME = re.compile(r"ratchet-sandbox-(\d+)-[a-z0-9_]{8}\Z")
STALE_AFTER_SECONDS = 60.0  # an unlocked directory of a live pid this old was not made by it
CLEANUP_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)


class LiveRuns:
    """This process's runs in flight, each with how to undo it: for a signal handler that must
    clean up before the process dies. Thread-safe, also against a handler running in the
    middle of `track` on the same thread (a reentrant lock). A forked child inherits the table
    but never cleans up its parent's runs (each entry remembers the pid that made it)."""

    def __init__(self) -> None:
        self._cleanups: dict[int, tuple[int, Callable[[], object]]] = {}
        self._next = 0
        self._lock = threading.RLock()

    @contextlib.contextmanager
    def track(self, cleanup: Callable[[], object]) -> Iterator[None]:
        with self._lock:
            key, self._next = self._next, self._next + 1
            self._cleanups[key] = (os.getpid(), cleanup)
        try:
            yield
        finally:
            with self._lock:
                self._cleanups.pop(key, None)

    def clean_all(self) -> None:
        """Run every cleanup, newest first (a cgroup before the directory it was made for)."""
        with self._lock:
            ours = [key for key in sorted(self._cleanups, reverse=True) if self._cleanups[key][0] == os.getpid()]
            cleanups = [self._cleanups.pop(key)[1] for key in ours]
        for cleanup in cleanups:
            with contextlib.suppress(Exception):
                cleanup()


# One per process, like the signal handlers that read it.
LIVE = LiveRuns()


@contextlib.contextmanager
def run_directory(parent: str | None = None) -> Iterator[str]:
    """A fresh private directory for one run, locked while it lives, removed afterwards
    (also by the signal handler, once `install_signal_cleanup` has run)."""
    path = tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=parent)
    lock = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)  # waits out a sweeper that is looking at it
        with LIVE.track(lambda: remove_tree(path)):
            yield path
    finally:
        remove_tree(path)
        os.close(lock)


def remove_tree(path: str) -> None:
    """rm -rf, also through directories the program made unwritable."""

    def make_writable_and_retry(function: Callable, failed_path: str, _exc_info: object) -> None:
        with contextlib.suppress(OSError):
            os.chmod(os.path.dirname(failed_path), 0o700)
            os.chmod(failed_path, 0o700)
            function(failed_path)

    shutil.rmtree(path, onerror=make_writable_and_retry)


def sweep_stale(parent: str, on_stale: Callable[[str], object] = lambda name: None) -> list[str]:
    """Remove the stale run directories in `parent` (calling `on_stale(name)` first, e.g. to
    remove the run's cgroup); returns their names."""
    removed = []
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return removed
    for entry in entries:
        match = _NAME.match(entry.name)
        if match and _remove_if_stale(entry, int(match.group(1)), on_stale):
            removed.append(entry.name)
    return removed


def _remove_if_stale(entry: os.DirEntry, owner: int, on_stale: Callable[[str], object]) -> bool:
    try:
        info = entry.stat(follow_symlinks=False)
        lock = os.open(entry.path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        if info.st_uid != os.geteuid():
            return False
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # its run is alive
        old = time.time() - info.st_mtime > STALE_AFTER_SECONDS
        if _alive(owner) and not old:
            return False  # just made, not locked yet
        on_stale(entry.name)
        remove_tree(entry.path)
        return True
    finally:
        os.close(lock)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def install_signal_cleanup() -> None:
    """On SIGTERM/SIGHUP (and SIGINT) left at their default action, clean up every run in
    flight before the signal ends the process. Only from the main thread (Python's rule);
    a handler someone else installed is left alone."""
    if threading.current_thread() is not threading.main_thread():
        return
    for number in CLEANUP_SIGNALS:
        with contextlib.suppress(OSError, ValueError):
            if signal.getsignal(number) == signal.SIG_DFL:
                signal.signal(number, _clean_up_then_die)


def _clean_up_then_die(number: int, _frame: object) -> None:
    LIVE.clean_all()
    signal.signal(number, signal.SIG_DFL)
    os.kill(os.getpid(), number)  # ends the process as the default action would have
