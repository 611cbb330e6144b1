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


def describe(value: object, limit: int = 120) -> str:
    """A short repr for feedback (never more than `limit` characters)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ---------------------------------------------------------------- frames


def write_frame(fd: int, message: object) -> None:
    body = json.dumps(message, ensure_ascii=True, allow_nan=False).encode()
    data = b"%0*d" % (HEADER, len(body)) + body
    while data:
        data = data[os.write(fd, data):]


def read_frame(fd: int) -> object | None:
    """The next message, or None at end of file. A malformed frame raises Undecodable."""
    header = _read_exactly(fd, HEADER)
    if header is None:
        return None
    if not header.isdigit() or int(header) > MAX_FRAME:
        raise Undecodable("a malformed or oversized reply frame")
    body = _read_exactly(fd, int(header))
    if body is None:
        raise Undecodable("a reply frame cut short")
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        raise Undecodable("a reply that is not JSON") from None


def _read_exactly(fd: int, size: int) -> bytes | None:
    chunks, missing = [], size
    while missing:
        chunk = os.read(fd, min(missing, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)


# ---------------------------------------------------------------- candidate side (untrusted)


def answer_calls(namespace: dict, entry_point: str) -> None:
    """In the program's process, after its module ran: call `entry_point` for each request."""
    while True:
        request = read_frame(REQUEST_FD)
        if request is None:
            return
        try:
            args, kwargs = decode(request[0]), decode(request[1])  # type: ignore[index]
            function = namespace.get(entry_point)
            if not callable(function):
                raise NameError(f"the program defines no function {entry_point!r}")
            value = function(*args, **kwargs)
            reply = ["ok", encode(value)]
        except Undecodable as error:
            reply = ["raise", "TypeError", f"returned a value that cannot be checked: {error}"]
        except Exception as error:  # noqa: BLE001 - the checks see it as an exception
            reply = ["raise", type(error).__name__, _message(error)]
        write_frame(REPLY_FD, reply)


def _message(error: BaseException) -> str:
    try:
        return str(error)[:500]
    except Exception:  # noqa: BLE001 - a hostile __str__
        return "<unprintable>"


# ---------------------------------------------------------------- checker side (trusted)


class Proxy:
    """The `candidate` the checks call: each call is a round trip to the program's process."""

    def __init__(self, entry_point: str, request_fd: int, reply_fd: int) -> None:
        self.__name__ = entry_point
        self.calls = 0
        self.ended = False  # the program's process went away (its exit says why)
        self._request_fd, self._reply_fd = request_fd, reply_fd

    def __call__(self, *args: object, **kwargs: object) -> object:
        self.calls += 1
        try:
            write_frame(self._request_fd, [encode(list(args)), encode(kwargs)])
            reply = read_frame(self._reply_fd)
        except BrokenPipeError:
            reply = None
        if reply is None:
            self.ended = True
            raise CandidateGone("the program ended before the checks completed")
        if type(reply) is list and len(reply) == 2 and reply[0] == "ok":
            return decode(reply[1])
        if type(reply) is list and len(reply) == 3 and reply[0] == "raise":
            raise CandidateRaised(f"{str(reply[1])[:80]}: {str(reply[2])[:500]}")
        raise Undecodable("a reply of unknown shape")


def run_checks(checks: dict, proxy: Proxy) -> str:
    """Run the suite's checks against `proxy`. Returns "" when every check held, else why not
    (one line, with the line of the checks that failed but not its text: the checks may be
    hidden from whoever reads the feedback)."""
    namespace: dict = {"__name__": "__checks__", "__builtins__": __builtins__}
    try:
        exec(compile(checks["setup"], "<setup>", "exec"), namespace)  # noqa: S102 - the suite's own code
        exec(compile(checks["checks"], "<checks>", "exec"), namespace)  # noqa: S102
        namespace["candidate"] = namespace[checks["entry_point"]] = proxy
        outcome = eval(compile(checks["call"], "<call>", "eval"), namespace)  # noqa: S307
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

