"""The harness side of the fork server: a warm supervisor interpreter, started once, that keeps
sandboxes prepared ahead of time (namespaces entered, tree read-only) and hands one to each
request. A run then costs a few process switches instead of an interpreter start."""

from __future__ import annotations

import marshal
import socket
import subprocess
import sys
import threading

from ratchet.errors import BackendError
from ratchet.sandbox.isolation import SUPERVISOR, IsolationPlan

SUPERVISOR_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}


class ForkServer:
    """Thread-safe; started on first use, restarted once if it died; `close()` stops it.
    Model-written code never runs in it: it only forks the processes that will run it."""

    def __init__(self, plan: IsolationPlan, spares: int = 2) -> None:
        self.plan = plan
        self._spares = max(1, spares)
        self._lock = threading.Lock()
        self._socket: socket.socket | None = None
        self._process: subprocess.Popen | None = None

    def spawn(
        self, config_hex: str, stdin: int, stdout: int, stderr: int, report: int, checks: int | None = None
    ) -> int:
        """Start one run (its config must follow `self.plan`); returns the pid of its leader,
        which is also its process group. `checks`: a checked run's checks (see _calls.py)."""
        fds = [stdin, stdout, stderr, report] + ([] if checks is None else [checks])
        with self._lock:
            for _ in range(2):
                server = self._socket or self._start()
                try:
                    socket.send_fds(server, [config_hex.encode()], fds)
                    reply = server.recv(32)
                except OSError:
                    reply = b""
                if reply and int(reply) > 0:
                    return int(reply)
                self._stop()  # it died (killed from outside?): one fresh start, then give up
        raise BackendError("the sandbox fork server failed twice in a row", retryable=True)

    def close(self) -> None:
        with self._lock:
            self._stop()

    def _start(self) -> socket.socket:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-I", SUPERVISOR, "serve", str(theirs.fileno()), self._plan_hex(),
                 str(self._spares)],
                pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, env=SUPERVISOR_ENV, start_new_session=True, cwd="/",
            )
        except OSError as error:
            ours.close()
            message = f"could not start the sandbox fork server: {error}"
            raise BackendError(message, retryable=False) from error
        finally:
            theirs.close()
        self._socket = ours
        return ours

    def _plan_hex(self) -> str:
        masks = [[directory, list(names)] for directory, names in self.plan.masks]
        plan = {
            "namespaces": list(self.plan.namespaces), "masks": masks, "hidden": list(self.plan.hidden),
            "memory_cgroup": self.plan.memory_cgroup,
        }
        return marshal.dumps(plan).hex()

    def _stop(self) -> None:
        if self._socket is not None:
            self._socket.close()  # EOF: the server exits
            self._socket = None
        if self._process is not None:
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
