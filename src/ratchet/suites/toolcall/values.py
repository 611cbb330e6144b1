"""Argument values: drawing a canonical value for a parameter, writing it the way a person would
("March 5th, 2025", "3pm", "$1,250.50", "five"), and reading any such form back.

The canonical forms are what a gold call holds and what the verifier compares: dates as
YYYY-MM-DD, times as HH:MM (24 hours), integers as int, numbers as float. Reading is lenient on
purpose: a model that writes `"date": "March 5, 2025"` for a `format: date` parameter made the
right call, only in another spelling.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from random import Random
from typing import Any

from ratchet.errors import UserError

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
                "ten", "eleven", "twelve")
_ORDINAL = re.compile(r"(\d+)(st|nd|rd|th)\b", re.IGNORECASE)
_DATE_FORMATS = (
    "%Y-%m-%d", "%Y/%m/%d", "%B %d, %Y", "%b %d, %Y", "%B %d %Y", "%b %d %Y", "%d %B %Y",
    "%d %b %Y", "%d %B, %Y", "%A, %B %d, %Y", "%A %B %d %Y", "%m/%d/%Y", "%d.%m.%Y", "%Y%m%d",
)
_TIME = re.compile(r"^(\d{1,2})(?:[:.h](\d{2}))?(?::\d{2})?\s*([ap])?\.?\s*m?\.?$")
_MONEY_NOISE = re.compile(r"[\s$€£¥,_]|(?<=\d)(?:usd|eur|gbp|dollars?|euros?|pounds?)$", re.IGNORECASE)


# ---------------------------------------------------------------------------------------------
# Reading any spelling back into the canonical form (None when it cannot be read).


def parse_date(text: Any) -> str | None:
    if isinstance(text, dt.date):
        return text.isoformat()
    cleaned = _ORDINAL.sub(r"\1", str(text).strip().rstrip("."))
    cleaned = re.sub(r"\s+", " ", cleaned)
    for form in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(cleaned, form).date().isoformat()
        except ValueError:
            continue
    return None


def parse_time(text: Any) -> str | None:
    cleaned = str(text).strip().lower().replace(" ", "")
    if cleaned in ("noon", "midday"):
        return "12:00"
    if cleaned == "midnight":
        return "00:00"
    match = _TIME.match(cleaned)
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    half = match.group(3)
    if half and not 1 <= hour <= 12:
        return None
    if half == "p" and hour != 12:
        hour += 12
    elif half == "a" and hour == 12:
        hour = 0
    if not (0 <= hour < 24 and 0 <= minute < 60):
        return None
    return f"{hour:02d}:{minute:02d}"


def parse_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value) if not isinstance(value, int) or abs(value) < 10**300 else math.inf
    else:
        text = _MONEY_NOISE.sub("", str(value).strip())
        if text.lower() in NUMBER_WORDS:
            return float(NUMBER_WORDS.index(text.lower()))
        try:
            number = float(text.rstrip("%"))  # "5%" is 5 for a percent parameter
        except ValueError:
            return None
    return number if math.isfinite(number) else None  # "nan", "inf", 1e999 are no amounts


def parse_integer(value: Any) -> int | None:
    number = parse_number(value)
    if number is None or number != int(number):
        return None
    return int(number)


def parse_boolean(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "y", "1", "on"):
        return True
    if text in ("false", "no", "n", "0", "off"):
        return False
    return None


# ---------------------------------------------------------------------------------------------
# Drawing a canonical value for a parameter schema.


def draw_value(name: str, schema: dict, rng: Random) -> Any:
    """A canonical value for parameter `name`: from its enum or examples, its format, or its
    numeric range. A string parameter with none of these cannot be drawn (UserError)."""
    kind = schema.get("type", "string")
    if "enum" in schema:
        return rng.choice(list(schema["enum"]))
    if "examples" in schema:
        return rng.choice(list(schema["examples"]))
    fmt = schema.get("format")
    if kind == "string" and fmt == "date":
        start = dt.date(2025, 1, 1)
        return (start + dt.timedelta(days=rng.randrange(730))).isoformat()
    if kind == "string" and fmt == "time":
        return f"{rng.randrange(7, 22):02d}:{rng.choice((0, 0, 15, 30, 45)):02d}"
    if kind == "integer":
        low, high = int(schema.get("minimum", 1)), int(schema.get("maximum", 20))
        return rng.randint(low, high)
    if kind == "number":
        low, high = float(schema.get("minimum", 5)), float(schema.get("maximum", 2000))
        value = rng.uniform(low, high)
        return float(round(value, 2) if rng.random() < 0.4 else round(value))
    if kind == "boolean":
        return rng.random() < 0.5
    if kind == "array" and "examples" in schema.get("items", {}):
        pool = list(schema["items"]["examples"])
        return rng.sample(pool, k=min(len(pool), rng.randint(2, 3)))
    raise UserError(
        f"parameter '{name}' ({kind}) has no enum, examples, format or numeric range to draw "
        "values from: add \"examples\": [...] to its schema"
    )


# ---------------------------------------------------------------------------------------------
# Writing a canonical value the way a request would.


def render_value(value: Any, schema: dict, rng: Random) -> str:
    """How a user might write `value` in a request; `read` gives the canonical value back."""
    kind, fmt = schema.get("type", "string"), schema.get("format")
    if kind == "string" and fmt == "date":
        return _render_date(dt.date.fromisoformat(value), rng)
    if kind == "string" and fmt == "time":
        return _render_time(value, rng)
    if kind == "integer" and 0 <= value < len(NUMBER_WORDS) and rng.random() < 0.3:
        return NUMBER_WORDS[value]
    if kind == "number":
        return _render_number(value, schema, rng)
    if kind == "array":
        items = [str(v) for v in value]
        return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else items[0]
    if kind == "boolean":
        return "yes" if value else "no"
    return str(value)


def _render_date(day: dt.date, rng: Random) -> str:
    month = MONTHS[day.month - 1]
    suffix = "th" if 11 <= day.day <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day.day % 10, "th")
    forms = (
        day.isoformat(),
        f"{month} {day.day}, {day.year}",
        f"{day.day} {month} {day.year}",
        f"{month} {day.day}{suffix}, {day.year}",
        f"{month[:3]} {day.day}, {day.year}",
    )
    return rng.choice(forms)


def _render_time(value: str, rng: Random) -> str:
    hour, minute = (int(part) for part in value.split(":"))
    twelve = hour % 12 or 12
    half = "am" if hour < 12 else "pm"
    forms = [value, f"{twelve}:{minute:02d} {half.upper()}", f"{twelve}:{minute:02d}{half}"]
    if minute == 0:
        forms += [f"{twelve}{half}", f"{twelve} {half}"]
    return rng.choice(forms)


def _render_number(value: float, schema: dict, rng: Random) -> str:
    money = schema.get("x-unit") == "money"
    whole = value == int(value)
    if money and (not whole or rng.random() < 0.3):
        text = f"{value:,.2f}"
    else:
        text = f"{int(value):,}" if whole else f"{value:.2f}".rstrip("0")
    if money and rng.random() < 0.5:
        text = "$" + text
    if not money and whole and rng.random() < 0.5:
        text = text.replace(",", "")
    return text
