"""Function calls: finding one in a model's output, and putting it in canonical form so that two
calls that mean the same compare equal.

A call is `{"name": ..., "arguments": {...}}`. `parse_call` also accepts the shapes models often
write instead: OpenAI's `{"function": {...}}` and `tool_calls`, `parameters` for `arguments`,
arguments as a JSON string, a call inside a code fence or `<tool_call>` tags. A text that holds
calls that differ holds no call: one answer, not a choice of several (the same call repeated is
one answer).

`normalise_call` reads every argument through its parameter schema: argument order never
matters; integers and numbers compare by value ("5", 5.0, "five" and 5 are one integer; "$1,250"
is 1250.0); dates compare as YYYY-MM-DD and times as HH:MM whatever their spelling; enum values
and ordinary strings compare without case or repeated spaces; strings marked `"x-compare":
"exact"` (paths, ids) compare as written; `"upper"` codes (currency, flight numbers) compare in
upper case without spaces; `"text"` (message bodies) also ignores end punctuation and quotes.
An optional argument given with its default value counts as left out. Canonical values compare
as JSON text, so a `true` is not a `1`; `nan`, infinities and numbers past the float range are
no numbers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from ratchet.suites.toolcall.values import parse_boolean, parse_date, parse_integer, parse_number, parse_time

Call = dict[str, Any]
_SPACES = re.compile(r"\s+")
_OBJECT_START = re.compile(r'\{\s*"')  # a call is an object with keys: `{"`
MAX_OBJECTS = 200  # a text with more JSON objects than this holds no answer (and parsing stays fast)


def parse_call(text: str) -> Call | None:
    """The function call in `text` as {"name": str, "arguments": dict}, or None when there is
    none, or when the text holds calls that differ (one answer, not a choice of several)."""
    calls = parse_calls(text)
    if not calls or any(_fingerprint(call) != _fingerprint(calls[0]) for call in calls[1:]):
        return None
    return calls[0]


def parse_calls(text: str) -> list[Call]:
    """Every function call written in `text`, in order (a call inside a call's arguments is an
    argument, not a call; an OpenAI `tool_calls` list counts each of its calls)."""
    calls: list[Call] = []
    decoder = json.JSONDecoder()
    start = _OBJECT_START.search(text)
    for _ in range(MAX_OBJECTS):
        if start is None:
            return calls
        try:
            value, end = decoder.raw_decode(text, start.start())
        except (ValueError, RecursionError):  # not JSON, a 5,000-digit number, nesting too deep
            value, end = None, start.start() + 1
        found = _as_calls(value)
        calls.extend(found)
        start = _OBJECT_START.search(text, end if found else start.start() + 1)
    return [] if start is not None else calls  # a heap of JSON objects is not one answer


def _fingerprint(call: Call) -> str:
    return json.dumps(call, sort_keys=True, ensure_ascii=False, default=str)


def _as_calls(value: Any) -> list[Call]:
    if isinstance(value, dict) and isinstance(value.get("tool_calls"), list):
        return [call for item in value["tool_calls"] if (call := _as_call(item)) is not None]
    call = _as_call(value)
    return [] if call is None else [call]


def _as_call(value: Any) -> Call | None:
    for _ in range(3):  # {"function": {...}} and {"type": "function", "function": {...}}
        if not isinstance(value, dict) or not isinstance(value.get("function"), dict):
            break
        value = value["function"]
    if not isinstance(value, dict):
        return None
    name = value.get("name")
    if not isinstance(name, str) or not name.strip():
        return None
    arguments = value.get("arguments", value.get("parameters", {}))
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments) if arguments.strip() else {}
        except (ValueError, RecursionError):
            return None
    if arguments is None:
        arguments = {}
    if not isinstance(arguments, dict):
        return None
    return {"name": name.strip(), "arguments": arguments}


# ---------------------------------------------------------------------------------------------
# Canonical form.


def schemas_by_name(functions: Sequence[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    return {function["name"]: function for function in functions}


def normalise_call(call: Call, functions: Mapping[str, Mapping[str, Any]]) -> Call:
    """`call` with every argument in canonical form (see the module docstring). Arguments the
    schema does not know are kept, loosely normalised, so that they still make a difference."""
    schema = functions.get(call["name"], {})
    parameters = schema.get("parameters", {})
    properties = parameters.get("properties", {})
    required = set(parameters.get("required", ()))
    arguments = {}
    for key, value in call["arguments"].items():
        spec = properties.get(key)
        if spec is None:
            arguments[key] = _loose(value)
            continue
        canonical = normalise_value(value, spec)
        if key not in required and "default" in spec and canonical == normalise_value(spec["default"], spec):
            continue
        if value is None and key not in required:
            continue
        arguments[key] = canonical
    return {"name": call["name"], "arguments": dict(sorted(arguments.items()))}


def normalise_value(value: Any, spec: Mapping[str, Any]) -> Any:
    kind = spec.get("type", "string")
    if kind == "integer":
        parsed = parse_integer(value)
        return parsed if parsed is not None else _loose(value)
    if kind == "number":
        parsed = parse_number(value)
        return round(parsed, 6) if parsed is not None else _loose(value)
    if kind == "boolean":
        parsed = parse_boolean(value)
        return parsed if parsed is not None else _loose(value)
    if kind == "array":
        items = value if isinstance(value, list) else [v for v in re.split(r",\s*|\s+and\s+", str(value)) if v]
        normalised = [normalise_value(item, spec.get("items", {})) for item in items]
        return sorted(normalised, key=repr) if spec.get("x-unordered") else normalised
    if kind == "object":
        return _loose(value)
    return _normalise_string(value, spec)


def _normalise_string(value: Any, spec: Mapping[str, Any]) -> Any:
    fmt = spec.get("format")
    if fmt == "date":
        return parse_date(value) or _loose(value)
    if fmt == "time":
        return parse_time(value) or _loose(value)
    text = str(value).strip()
    if "enum" in spec:
        for option in spec["enum"]:
            if str(option).casefold() == text.casefold():
                return option
        return text.casefold()
    compare = spec.get("x-compare", "casefold")
    if compare == "exact":
        return text
    if compare == "upper":
        return _SPACES.sub("", text).upper()
    if compare == "text":
        return _SPACES.sub(" ", text.strip("\"'“”‘’ ").rstrip(".!?").strip()).casefold()
    if fmt == "email":
        return text.lower()
    return _SPACES.sub(" ", text).casefold()


def _loose(value: Any) -> Any:
    if isinstance(value, str):
        return _SPACES.sub(" ", value.strip()).casefold()
    if isinstance(value, dict):
        return {str(k): _loose(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [_loose(v) for v in value]
    return value


def canonical_text(call: Call) -> str:
    """One string per canonical call (the suite's extracted answer, and the vote key)."""
    return json.dumps(call, sort_keys=True, ensure_ascii=False)


def call_difference(predicted: Call, gold: Call) -> str:
    """Why two canonical calls differ, without stating the gold values (the feedback must not
    leak them): "" when they are equal."""
    if predicted["name"] != gold["name"]:
        return "wrong function"
    got, want = predicted["arguments"], gold["arguments"]
    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    # compared as JSON text: `==` would take true for 1 and 1.0 for 1 where the types differ
    wrong = sorted(key for key in set(got) & set(want) if _fingerprint(got[key]) != _fingerprint(want[key]))
    parts = []
    if missing:
        parts.append("missing " + ", ".join(missing))
    if extra:
        parts.append("unexpected " + ", ".join(extra))
    if wrong:
        parts.append("wrong value for " + ", ".join(wrong))
    return "; ".join(parts)
