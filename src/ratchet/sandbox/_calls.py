"""Checked runs: the program and its checks in two processes that share only plain values.

A verdict must mean "the checks ran to completion and every one held". When the checks run in
the program's own process, the program can end the process early with status 0, replace the
checker's functions, read the expected values from the checker's frames, or return an object
whose `__eq__` always says yes. So the two are kept apart:

    candidate  the model's program (untrusted): runs its module, then answers calls of its
               entry point on fds 3 (requests) and 4 (replies), until EOF
    checker    the suite's checks (trusted), in the supervisor: `candidate` there is a proxy
               that sends the arguments and decodes the reply into plain values

The checks reach the supervisor only after the candidate was forked, through a file
descriptor the candidate never holds, so no copy of them is in its memory, its file or its
command line. Values cross as tagged JSON of exact built-in types (a subclass of int, an
object with its own `__eq__`, a generator: none decodes), so what the checks compare is data
the checker built itself. The checker declares success only by returning from its last check.

Standard library only, and imported by `_supervisor.py` (which runs with -I, outside the
package): no imports from `ratchet`.
"""

from __future__ import annotations

import json
import os

REQUEST_FD, REPLY_FD = 3, 4
MAX_FRAME = 16 << 20  # a reply larger than this is a failed check, not a harness problem
HEADER = 10  # decimal length, zero-padded


class CandidateGone(Exception):
    """The program's process ended (or closed its reply channel) before the checks completed."""


class CandidateRaised(Exception):
    """The program's function raised; the checks see it as they would see any exception."""


class Undecodable(Exception):
    """A value that is not plain data of exact built-in types."""


# ---------------------------------------------------------------- values


def encode(value: object, depth: int = 0) -> object:
    """A JSON-ready form of `value`, tagging every type JSON cannot tell apart. Only exact
    built-in types: subclasses (and their overridden `__eq__`) are refused."""
    if depth > 200:
        raise Undecodable("nested more than 200 levels deep")
    kind = type(value)
    if value is None or kind is bool or kind is str:
        return value
    if kind is int:
        return value if abs(value) < 1 << 53 else ["int", str(value)]
    if kind is float:
        return ["float", repr(value)]
    if kind is complex:
        return ["complex", repr(value.real), repr(value.imag)]
    if kind is bytes:
        return ["bytes", value.hex()]
    if kind in (list, tuple, set, frozenset):
        items = value if kind in (list, tuple) else sorted(value, key=_order)
        return [kind.__name__, [encode(item, depth + 1) for item in items]]
    if kind is dict:
        return ["dict", [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in value.items()]]
    raise Undecodable(f"a value of type {kind.__module__}.{kind.__qualname__} is not plain data")


def _order(item: object) -> str:
    return repr((type(item).__name__, item))


def decode(data: object) -> object:
    """The value `encode` made; anything else raises Undecodable."""
    if data is None or type(data) in (bool, str):
        return data
    if type(data) is int:
        return data
    if type(data) is not list or not data or type(data[0]) is not str:
        raise Undecodable(f"unexpected JSON value of type {type(data).__name__}")
    tag, rest = data[0], data[1:]
    if tag == "int" and _strings(rest, 1):
        return int(rest[0])
    if tag == "float" and _strings(rest, 1):
        return _float(rest[0])
    if tag == "complex" and _strings(rest, 2):
        return complex(_float(rest[0]), _float(rest[1]))
    if tag == "bytes" and _strings(rest, 1):
        return bytes.fromhex(rest[0])
    if tag in ("list", "tuple", "set", "frozenset") and len(rest) == 1 and type(rest[0]) is list:
        items = [decode(item) for item in rest[0]]
        return {"list": list, "tuple": tuple, "set": set, "frozenset": frozenset}[tag](items)
    if tag == "dict" and len(rest) == 1 and type(rest[0]) is list:
        pairs = [_pair(pair) for pair in rest[0]]
        return dict(pairs)
    raise Undecodable(f"unknown value tag {tag!r}")


def _strings(items: list, count: int) -> bool:
    return len(items) == count and all(type(item) is str for item in items)


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise Undecodable(f"not a float: {text[:40]!r}") from None


def _pair(pair: object) -> tuple[object, object]:
    if type(pair) is not list or len(pair) != 2:
        raise Undecodable("a dict item is not a [key, value] pair")
    return decode(pair[0]), decode(pair[1])


# ---------------------------------------------------------------- frames


class Channel:
    """Frames (a zero-padded decimal length, then JSON) over a pair of pipe ends, read through
    a buffer: a reply that is already waiting costs one read, not two."""

    _encoder = json.JSONEncoder(ensure_ascii=True, allow_nan=False, separators=(",", ":"))

    def __init__(self, read_fd: int, write_fd: int) -> None:
        self.read_fd, self.write_fd = read_fd, write_fd
        self._buffer = b""

    def key(self, message: object) -> str:
        return self._encoder.encode(message)

    def send(self, message: object) -> None:
        body = self._encoder.encode(message).encode()
        data = b"%0*d" % (HEADER, len(body)) + body
        while data:
            data = data[os.write(self.write_fd, data):]

    def receive(self) -> object | None:
        """The next message, or None at end of file. A malformed frame raises Undecodable."""
        header = self._take(HEADER)
        if header is None:
            return None
        if not header.isdigit() or int(header) > MAX_FRAME:
            raise Undecodable("a malformed or oversized reply frame")
        body = self._take(int(header))
        if body is None:
            raise Undecodable("a reply frame cut short")
        try:
            return json.loads(body)
        except (ValueError, RecursionError):
            raise Undecodable("a reply that is not JSON") from None

    def _take(self, size: int) -> bytes | None:
        while len(self._buffer) < size:
            chunk = os.read(self.read_fd, max(1 << 16, size - len(self._buffer)))
            if not chunk:
                return None
            self._buffer += chunk
        taken, self._buffer = self._buffer[:size], self._buffer[size:]
        return taken


# ---------------------------------------------------------------- candidate side (untrusted)


def answer_calls(namespace: dict, entry_point: str) -> None:
    """In the program's process, after its module ran: each request is a list of calls of
    `entry_point`; answer each, in order, with a frame of its own."""
    channel = Channel(REQUEST_FD, REPLY_FD)
    while True:
        request = channel.receive()
        if request is None:
            return
        for call in request:  # type: ignore[union-attr]
            channel.send(_answer(namespace, entry_point, call))


def _answer(namespace: dict, entry_point: str, call: list) -> list:
    try:
        args, kwargs = decode(call[0]), decode(call[1])
        function = namespace.get(entry_point)
        if not callable(function):
            raise NameError(f"the program defines no function {entry_point!r}")
        return ["ok", encode(function(*args, **kwargs))]
    except Undecodable as error:
        return ["raise", "TypeError", f"returned a value that cannot be checked: {error}"]
    except Exception as error:  # noqa: BLE001 - the checks see it as an exception
        return ["raise", type(error).__name__, _message(error)]


def _message(error: BaseException) -> str:
    try:
        return str(error)[:500]
    except Exception:  # noqa: BLE001 - a hostile __str__
        return "<unprintable>"


# ---------------------------------------------------------------- checker side (trusted)

_UNREAD = object()


class Proxy:
    """The `candidate` the checks call: a call is a round trip to the program's process,
    unless it was sent ahead (`prefetch`) and its reply is already waiting.

    Prefetching: the calls the checks spell out with literal arguments go to the program in
    one request, before the checks start; it answers them in that order, and each reply is
    used when the checks make that very call (same arguments, exact types). So a function is
    judged on the same arguments, but a function that keeps state between calls may see them
    in another order than the checks make them: the checks judge functions, not call
    histories. Replies are read in order, so a prefetched call that hangs only stalls the
    checks when they need that reply (or one sent after it)."""

    def __init__(self, entry_point: str, request_fd: int, reply_fd: int) -> None:
        self.__name__ = entry_point
        self.calls = 0
        self.ended = False  # the program's process went away (its exit says why)
        self._channel = Channel(reply_fd, request_fd)
        self._sent: list[list] = []  # [request key, reply or _UNREAD], in the order sent

    def prefetch(self, calls: list) -> None:
        """Send these (args, kwargs) calls ahead, in one request."""
        items = []
        for args, kwargs in calls:
            try:
                items.append([encode(list(args)), encode(dict(kwargs))])
            except Undecodable:
                continue
        if items:
            self._send(items)

    def __call__(self, *args: object, **kwargs: object) -> object:
        self.calls += 1
        item = [encode(list(args)), encode(kwargs)]
        key = self._channel.key(item)
        index = next((i for i, (sent, _) in enumerate(self._sent) if sent == key), None)
        if index is None:
            self._send([item])
            index = len(self._sent) - 1
        for entry in self._sent[: index + 1]:  # replies come in the order the calls were sent
            if entry[1] is _UNREAD:
                entry[1] = self._receive()
        reply = self._sent.pop(index)[1]
        if type(reply) is list and len(reply) == 2 and reply[0] == "ok":
            return decode(reply[1])
        if type(reply) is list and len(reply) == 3 and reply[0] == "raise":
            raise CandidateRaised(f"{str(reply[1])[:80]}: {str(reply[2])[:500]}")
        raise Undecodable("a reply of unknown shape")

    def _send(self, items: list) -> None:
        try:
            self._channel.send(items)
        except BrokenPipeError:
            pass  # the program is gone: reading its reply will say so
        self._sent.extend([self._channel.key(item), _UNREAD] for item in items)

    def _receive(self) -> object:
        try:
            reply = self._channel.receive()
        except OSError:
            reply = None
        if reply is None:
            self.ended = True
            raise CandidateGone("the program ended before the checks completed")
        return reply


def run_checks(checks: dict, proxy: Proxy) -> str:
    """Run the suite's checks (code objects: setup, checks, call; and the entry point's name)
    against `proxy`. Returns "" when every check held, else why not
    (one line, with the line of the checks that failed but not its text: the checks may be
    hidden from whoever reads the feedback)."""
    namespace: dict = {"__name__": "__checks__", "__builtins__": __builtins__}
    try:
        proxy.prefetch(checks["prefetch"])
        exec(checks["setup"], namespace)  # noqa: S102 - the suite's own code, compiled by the harness
        exec(checks["checks"], namespace)  # noqa: S102
        namespace["candidate"] = namespace[checks["entry_point"]] = proxy
        outcome = eval(checks["call"], namespace)  # noqa: S307
    except (CandidateGone, Undecodable) as error:
        return str(error)
    except CandidateRaised as error:
        return f"the function raised {error}"
    except AssertionError as error:
        return f"a check failed ({_where(error)}){': ' + _message(error) if str(error) else ''}"
    except Exception as error:  # noqa: BLE001 - e.g. a wrong type breaking the checks' arithmetic
        return f"the checks raised {type(error).__name__} ({_where(error)}): {_message(error)[:200]}"
    if isinstance(outcome, str) and outcome:  # a check that reports failures as text
        return outcome
    return ""


def _where(error: BaseException) -> str:
    trace, line = error.__traceback__, None
    while trace is not None:
        if trace.tb_frame.f_code.co_filename == "<checks>":
            line = trace.tb_lineno
        trace = trace.tb_next
    return f"checks line {line}" if line else "in the checks"

