"""Finding the final answer in a free-text solution, and comparing it with an integer gold answer.

Extraction tries, in order: the GSM8K marker `#### 42`, the last LaTeX `\\boxed{...}`, the last
"answer is / answer: 42", and finally the last number in the text. Numbers may carry a sign,
currency, thousands separators, decimals and units ("-$1,234.00 dollars" reads as -1234).

A plain number is compared exactly. A boxed expression that is not a plain number
(`\\frac{84}{2}`, `6 \\times 7`) is left to math-verify, which evaluates LaTeX.
"""

from __future__ import annotations

import logging
import re
import threading
from fractions import Fraction

_NUMBER = re.compile(
    r"(?<![\w.])(?P<sign>-)?\$?\s?(?P<int>\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?P<frac>\.\d+)?"
    r"(?:\s?/\s?(?P<denominator>[1-9]\d*)(?![\d.]))?"  # 7/2
)
_OPERATOR = re.compile(r"[\\^*/+×÷]|\d\s*-\s*\d")
_PLAIN_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_FRACTION = re.compile(r"\s*\\[dt]?frac\{\s*(-?\d+)\s*\}\{\s*(\d+)\s*\}\s*")
_SLASH_FRACTION = re.compile(r"(-?\d+)/(\d+)")
_MARKER = re.compile(r"####")
_ANSWER_IS = re.compile(r"\banswer\b[^\n]*?(?:\bis\b|:|=)", re.IGNORECASE)
_BOXED = re.compile(r"\\(?:boxed|fbox)\s*\{")
_LATEX_NOISE = (
    ("{,}", ","), ("\\,", ""), ("\\!", ""), ("\\$", "$"), ("\\%", "%"), ("−", "-"),
    ("\\qquad", " "), ("\\quad", " "), ("\\;", " "), ("\\ ", " "),
)
_LATEX_TEXT = re.compile(r"\\(?:text|textbf|textrm|mathrm|mbox)\s*\{([^{}]*)\}")


def extract_answer(completion: str) -> str | None:
    """The final answer in `completion` as a number string ("42", "-3", "12.5", "7/2"), a
    LaTeX expression from a box that holds no plain number, or None when there is none."""
    text = _clean(completion)
    for find in (_after_marker, _in_last_box, _after_answer_is, _last_number):
        if (answer := find(text)) is not None:
            return answer
    return None


def _clean(text: str) -> str:
    for old, new in _LATEX_NOISE:
        text = text.replace(old, new)
    return text


def _after_marker(text: str) -> str | None:
    markers = list(_MARKER.finditer(text))
    if not markers:
        return None
    return _first_number(text[markers[-1].end():])


def _in_last_box(text: str) -> str | None:
    boxes = list(_BOXED.finditer(text))
    if not boxes:
        return None
    content = _braced(text, boxes[-1].end())
    content = _LATEX_TEXT.sub(r" \1 ", content)
    content = content.rsplit("=", 1)[-1].strip().strip("$").strip()  # "x = 42"
    if fraction := _FRACTION.fullmatch(content):
        numerator, denominator = (int(g) for g in fraction.groups())
        return _format(Fraction(numerator, denominator)) if denominator else None
    if number := _NUMBER.fullmatch(content.rstrip("%").rstrip()):
        return _number_text(number)
    if _OPERATOR.search(content):
        return content  # an expression such as 6 \times 7: math-verify evaluates it
    return _first_number(content)  # "42", "$1,234.00", "42 apples"


def _braced(text: str, start: int) -> str:
    """The text from `start` up to the brace that closes the one just before it."""
    depth = 1
    for position in range(start, len(text)):
        if text[position] == "{":
            depth += 1
        elif text[position] == "}":
            depth -= 1
            if depth == 0:
                return text[start:position]
    return text[start:]


def _after_answer_is(text: str) -> str | None:
    for match in reversed(list(_ANSWER_IS.finditer(text))):
        sentence = re.split(r"\.(?:\s|$)|\n", text[match.end():], maxsplit=1)[0]
        if "=" in sentence:  # "the answer is 5 + 3 = 8"
            sentence = sentence.rsplit("=", 1)[1]
        if (number := _first_number(sentence)) is not None:
            return number
    return None


def _last_number(text: str) -> str | None:
    numbers = list(_NUMBER.finditer(text))
    return _number_text(numbers[-1]) if numbers else None


def _first_number(text: str) -> str | None:
    number = _NUMBER.search(text)
    return _number_text(number) if number else None


def _number_text(match: re.Match[str]) -> str:
    value = Fraction(match["int"].replace(",", "") + (match["frac"] or ""))
    if match["denominator"]:
        value /= int(match["denominator"])
    before = match.string[: match.start()].rstrip()
    negative = match["sign"] and not before.endswith(tuple("0123456789)"))  # not "10 -4"
    return _format(-value if negative else value)


def _format(value: Fraction) -> str:
    """Canonical text of a number: "12" for 12.0, "12.5", "7/2" when not a finite decimal."""
    if value.denominator == 1:
        return str(value.numerator)
    as_decimal = f"{float(value):.10f}".rstrip("0")
    return as_decimal if Fraction(as_decimal) == value else f"{value.numerator}/{value.denominator}"


def parse_number(answer: str) -> Fraction | None:
    """The exact value of a number string from `extract_answer`, or None for an expression."""
    text = answer.strip()
    if _PLAIN_NUMBER.fullmatch(text):
        return Fraction(text)
    if fraction := _SLASH_FRACTION.fullmatch(text):
        numerator, denominator = (int(g) for g in fraction.groups())
        return Fraction(numerator, denominator) if denominator else None
    return None


def answer_matches(answer: str, gold: int) -> bool:
    """Whether an extracted answer equals the gold integer."""
    value = parse_number(answer)
    if value is not None:
        return value == gold
    return _math_verify_equal(answer, gold)


def _math_verify_equal(expression: str, gold: int) -> bool:
    """Evaluate a LaTeX expression with math-verify; without it, an expression never matches."""
    try:
        from math_verify import parse, verify
    except ImportError:
        return False
    # math-verify times out with signal.alarm, which only works in the main thread; elsewhere it
    # runs without a timeout, which is safe for the short contents of one box.
    timeout = 5 if threading.current_thread() is threading.main_thread() else None
    _silence_timeout_notice()
    parsed = parse(f"${expression}$", parsing_timeout=timeout)
    if not parsed:
        return False
    return bool(verify(parse(str(gold), parsing_timeout=timeout), parsed, timeout_seconds=timeout))


class _TimeoutNoticeFilter(logging.Filter):
    """Drops math-verify's warning, logged on every call, that it runs without a timeout."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Timeout is disabled")


_TIMEOUT_NOTICE_FILTER = _TimeoutNoticeFilter()


def _silence_timeout_notice() -> None:
    for name in ("math_verify.grader", "math_verify.parser"):
        logger = logging.getLogger(name)
        if _TIMEOUT_NOTICE_FILTER not in logger.filters:
            logger.addFilter(_TIMEOUT_NOTICE_FILTER)
