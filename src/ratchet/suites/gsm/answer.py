"""Finding the final answer in a free-text solution, and comparing it with an integer gold answer.

Extraction reads one place, the first of these the text has: the last GSM8K marker `#### 42`
(the rest of its line), the last LaTeX `\\boxed{...}`, the last "answer is / answer: 42" (the rest
of its sentence), and finally the last number in the text. Numbers may carry a sign, currency,
thousands separators, decimals and units ("-$1,234.00 dollars" reads as -1234).

The place must state one value. It has no answer (None) when it names two different values
("#### 3 or 4", "\\boxed{3, 4}"), hedges one ("at least 4", "4 or more", "\\geq 4"),
or offers alternatives before an `=` ("x = 3 or x = 4"). A box that holds neither a number nor
plain arithmetic (a set, an interval, a relation, a factorial) has none either. Several markers,
boxes or answer phrases are no hedge: the last one counts, so a text passes for one gold at most.

A plain number is compared exactly; one of more than MAX_DIGITS digits never matches. A boxed
arithmetic expression (`\\frac{84}{2} + 1`, `6 \\times 7`: short numbers, at most one small power)
is evaluated by math-verify, and matches only when math-verify reads it as one finite number.
Extraction takes time linear in the text: a hostile megabyte is judged in about a second.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from fractions import Fraction

MAX_DIGITS = 40  # longer numbers are not answers, and would overflow the exact comparison
_NUMBER = re.compile(
    r"(?<![\w.])(?P<sign>-)?\$?\s?(?P<int>\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?P<frac>\.\d+)?"
    r"(?:\s?/\s?(?P<denominator>[1-9]\d*)(?![\d.]))?"  # 7/2
)
_OPERATOR = re.compile(r"[\\^*/+×÷]|\d\s*-\s*\d")
_PLAIN_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_FRACTION = re.compile(r"\s*\\[dt]?frac\{\s*(-?\d{1,40})\s*\}\{\s*(\d{1,40})\s*\}\s*")
_SLASH_FRACTION = re.compile(r"(-?\d+)/(\d+)")
# "answer" up to the first "is", ":" or "=" on its line, never across another "answer" (linear time)
_ANSWER_IS = re.compile(r"\banswer\b(?:(?!\banswer\b)[^\n:=])*?(?:\bis\b|:|=)", re.IGNORECASE)
_DIGIT = re.compile(r"\d")
_SENTENCE_END = re.compile(r"\.(?:\s|$)|\n")
_MAX_SENTENCE = 200  # an answer sentence is short; the bound keeps extraction linear in the text
_BOXED = re.compile(r"\\(?:boxed|fbox)\s*\{")
_LATEX_NOISE = (
    ("{,}", ","), ("\\,", ""), ("\\!", ""), ("\\$", "$"), ("\\%", "%"), ("−", "-"),
    ("\\qquad", " "), ("\\quad", " "), ("\\;", " "), ("\\ ", " "),
)
_LATEX_TEXT = re.compile(r"\\(?:text|textbf|textrm|mathrm|mbox)\s*\{([^{}]*)\}")
# A number with words around it and nothing else: "42", "$56", "42 apples", "45 %".
_NUMBER_WITH_UNITS = re.compile(  # no two `\s*` side by side: a long run of spaces stays linear
    r"\s*(?:\$\s*)?(?:-\s*)?(?:\$\s*)?\d[\d,]*(?:\.\d+)?(?:\s*/\s*\d+)?(?:\s*%)?\s*"
    r"(?:[A-Za-z][A-Za-z\s.]*)?")
# Offering a bound or an estimate instead of a value: "at least 4", "about 4", "4 or more", "≥ 4".
_HEDGED = re.compile(
    r"(?:\b(?:at\s+(?:least|most)|about|around|approx(?:imately|\.)?|roughly|nearly|almost|over|"
    r"under|up\s+to|(?:more|less|fewer)\s+than|maybe|perhaps|possibly|circa)\b|[<>≤≥≈~±∓]|"
    r"\\(?:pm|mp|approx|sim|leq?|geq?|lt|gt|neq?)(?![A-Za-z]))\s*(?:\$\s*)?(?:-\s*)?\d"
    r"|\d(?:\s*%)?\s*(?:[A-Za-z]+\s+)?(?:or\s+(?:more|less|fewer|so|above|below|higher|lower|over|under)"
    r"\b|\+(?!\s*[\d(\\]))",
    re.IGNORECASE,
)
# Alternatives before an "=": "x = 3 or x = 4", "x = 3, y = 4" (a comma of "1,234" is no list).
_ALTERNATIVES = re.compile(
    r"\b(?:or|and)\b|;|,(?!\d{3}(?!\d))|\\(?:lor|vee|cup|pm|mp)(?![A-Za-z])|[±∓∨∪]", re.IGNORECASE)
# What math-verify is given: arithmetic on short numbers, at most one power with a small exponent.
_ARITHMETIC = re.compile(
    r"(?:[\s\d.+\-*/()×÷{}]|\^\s*\{?\s*-?\d{1,2}\s*\}?|"
    r"\\(?:times|cdot|div|frac|dfrac|tfrac|sqrt|left|right)(?![A-Za-z]))+")
_MAX_EXPRESSION = 100
# What a finder returns when the place of the answer is there but states no single value (letters:
# never a number or an arithmetic expression, so never a real answer).
_NO_SINGLE_VALUE = "no single value"


def extract_answer(completion: str) -> str | None:
    """The final answer in `completion` as a number string ("42", "-3", "12.5", "7/2"), an
    arithmetic expression from a box ("6 \\times 7"), or None when there is no single answer."""
    text = _clean(completion)
    finders: tuple[Callable[[str], str | None], ...] = (_after_marker, _in_last_box, _after_answer_is)
    for find in finders:
        answer = find(text)
        if answer == _NO_SINGLE_VALUE:
            return None
        if answer is not None:
            return answer
    return _last_number(text)


def _clean(text: str) -> str:
    for old, new in _LATEX_NOISE:
        text = text.replace(old, new)
    return text


def _after_marker(text: str) -> str | None:
    position = text.rfind("####")
    if position == -1:
        return None
    line = text[position + 4:].lstrip().split("\n", 1)[0]  # "####" alone: the next line
    value = _after_equals(line)  # "#### 5 + 3 = 8"
    return _NO_SINGLE_VALUE if value is None else _single_value(value)


def _in_last_box(text: str) -> str | None:
    boxes = list(_BOXED.finditer(text))
    if not boxes:
        return None
    content = _braced(text, boxes[-1].end())
    content = _LATEX_TEXT.sub(r" \1 ", content)
    content = _after_equals(content)  # "x = 42", "6 \times 7 = 42"
    if content is None:
        return _NO_SINGLE_VALUE
    content = content.strip().strip("$").strip()
    if fraction := _FRACTION.fullmatch(content):
        numerator, denominator = (int(g) for g in fraction.groups())
        return _format(Fraction(numerator, denominator)) if denominator else _NO_SINGLE_VALUE
    if _NUMBER_WITH_UNITS.fullmatch(content):  # "42", "$1,234.00", "42 apples", "3 or 4"
        return _single_value(content)
    if _OPERATOR.search(content) and _is_arithmetic(content):
        return content  # an expression such as 6 \times 7: math-verify evaluates it
    return _NO_SINGLE_VALUE  # a set, an interval, a relation, a factorial, ...


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
        limit = match.end() + _MAX_SENTENCE
        end = _SENTENCE_END.search(text, match.end(), limit)
        sentence = text[match.end(): end.start() if end else limit]
        if not _DIGIT.search(sentence):
            continue  # "The answer is:" with the number on the next line
        value = _after_equals(sentence)  # "the answer is 5 + 3 = 8"
        return _NO_SINGLE_VALUE if value is None else _single_value(value)
    return None


def _after_equals(text: str) -> str | None:
    """The text after the last "=", or None when a side before it offers alternatives."""
    *left, last = text.split("=")
    if any(_ALTERNATIVES.search(side) or _HEDGED.search(side) for side in left):
        return None
    return last


def _single_value(text: str) -> str | None:
    """The one value `text` states (repeats allowed), `_NO_SINGLE_VALUE` when it states several
    or hedges one, None when it holds no number."""
    values: dict[str, str] = {}  # as written -> value: "1 1 1 ..." reads one number, not each
    for number in _NUMBER.finditer(text):
        if number[0] not in values:
            values[number[0]] = _number_text(number)
            if len(set(values.values())) > 1:
                return _NO_SINGLE_VALUE
    if not values:
        return None
    return _NO_SINGLE_VALUE if _HEDGED.search(text) else next(iter(values.values()))


def _last_number(text: str) -> str | None:
    last = None
    for last in _NUMBER.finditer(text):  # noqa: B007 - the last one is wanted
        pass
    return _number_text(last) if last else None


def _number_text(match: re.Match[str]) -> str:
    digits = match["int"].replace(",", "") + (match["frac"] or "")
    if len(digits) + len(match["denominator"] or "") > MAX_DIGITS:
        return digits + "/" + (match["denominator"] or "1")  # parse_number refuses it
    value = Fraction(digits)
    if match["denominator"]:
        value /= int(match["denominator"])
    negative = match["sign"] and not _follows_operand(match.string, match.start())  # not "10 -4"
    return _format(-value if negative else value)


def _follows_operand(text: str, position: int) -> bool:
    """Whether the last non-space character before `position` ends a number or a bracket."""
    position -= 1
    while position >= 0 and text[position].isspace():
        position -= 1
    return position >= 0 and text[position] in "0123456789)"


def _format(value: Fraction) -> str:
    """Canonical text of a number: "12" for 12.0, "12.5", "7/2" when not a finite decimal."""
    if value.denominator == 1:
        return str(value.numerator)
    as_decimal = f"{float(value):.10f}".rstrip("0")
    return as_decimal if Fraction(as_decimal) == value else f"{value.numerator}/{value.denominator}"


def parse_number(answer: str) -> Fraction | None:
    """The exact value of a number string from `extract_answer`, or None for an expression (or
    a number of more than MAX_DIGITS digits)."""
    text = answer.strip()
    if len(text) > MAX_DIGITS + 2:
        return None
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
    return _is_arithmetic(answer) and _math_verify_equal(answer, gold)  # not an overlong number


def _is_arithmetic(expression: str) -> bool:
    """Short plain arithmetic (no sets, relations, factorials, power towers or huge numbers), so
    that math-verify reads one number and evaluates it quickly."""
    return (len(expression) <= _MAX_EXPRESSION and expression.count("^") <= 1
            and _ARITHMETIC.fullmatch(expression) is not None
            and all(len(digits) <= 12 for digits in re.findall(r"\d+", expression)))


def _math_verify_equal(expression: str, gold: int) -> bool:
    """Evaluate a LaTeX expression with math-verify; without it, an expression never matches."""
    try:
        from math_verify import parse, verify
    except ImportError:
        return False
    # math-verify times out with signal.alarm, which only works in the main thread; elsewhere it
    # runs without a timeout, which is safe for the short arithmetic `_is_arithmetic` lets through.
    timeout = 5 if threading.current_thread() is threading.main_thread() else None
    _silence_timeout_notice()
    parsed = parse(f"${expression}$", parsing_timeout=timeout)
    if not parsed or not _is_one_number(parsed[0]):
        return False
    return bool(verify(parse(str(gold), parsing_timeout=timeout), parsed[:1], timeout_seconds=timeout))


def _is_one_number(value: object) -> bool:
    """Whether math-verify's reading is a single finite number (not a set, tuple or relation)."""
    from sympy import Expr

    return isinstance(value, Expr) and bool(value.is_number) and bool(value.is_finite)


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
