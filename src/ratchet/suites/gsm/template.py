"""One word-problem template: a story, sampled values, and a worked solution of one-operation steps.

A template reads like the problem it makes::

    Template(
        name="bakery_boxes",
        topic="recipes",
        story="{name} bakes {trays} trays of {pastry} with {per_tray} on each tray. ...",
        numbers={"trays": span(2, 8), "per_tray": span(6, 24), ...},
        words={"name": NAMES, "pastry": PASTRIES},
        steps=(
            Step("baked", "trays * per_tray", "{name} bakes {calc} {pastry}."),
            ...
        ),
    )

Each step applies exactly one operation (`+ - * /` or `percent(p, x)`) to earlier values, so the
number of steps is the problem's difficulty. Division must be exact and every value must be a
non-negative integer; a draw that breaks either rule is thrown away and drawn again.
"""

from __future__ import annotations

import ast
import operator
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from random import Random
from typing import Any, NamedTuple

#: How many draws a template may throw away before it counts as broken.
MAX_DRAWS = 1000

Values = dict[str, Any]


class Rejected(Exception):
    """A draw broke a rule (inexact division, negative value, failed requirement)."""


def span(low: int, high: int, step: int = 1) -> range:
    """The integers low..high inclusive, every `step`-th one."""
    return range(low, high + 1, step)


class Step(NamedTuple):
    """One line of the worked solution: `result = expression`, told as `says`.

    `says` is a sentence with `{calc}` where the computation goes ("4 * 12 = 48") and any story
    field ({name}, {pastry}).
    """

    result: str
    expression: str
    says: str


@dataclass(frozen=True)
class Solved:
    """One drawn instance: the problem text, its worked solution and its integer answer."""

    problem: str
    steps: tuple[str, ...]
    answer: int
    values: Mapping[str, Any]


_SYMBOLS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_COMPARISONS = {
    ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt,
    ast.GtE: operator.ge, ast.Eq: operator.eq, ast.NotEq: operator.ne,
}


def _apply(symbol: str, left: int, right: int) -> int:
    if symbol == "+":
        return left + right
    if symbol == "-":
        return left - right
    if symbol == "*":
        return left * right
    if symbol == "/":
        if right == 0 or left % right:
            raise Rejected(f"{left} / {right} is not a whole number")
        return left // right
    if symbol == "%of":  # percent(p, x): p% of x
        return _apply("/", left * right, 100)
    raise ValueError(f"unknown operation {symbol!r}")


def _compile(node: ast.AST, expression: str) -> Callable[[Values], Any]:
    """Turn a parsed expression into a function of the values (no eval: templates stay data)."""
    if isinstance(node, ast.Expression):
        return _compile(node.body, expression)
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        constant = node.value
        return lambda values: constant
    if isinstance(node, ast.Name):
        name = node.id
        return lambda values: values[name]
    if isinstance(node, ast.BinOp) and type(node.op) in _SYMBOLS:
        symbol = _SYMBOLS[type(node.op)]
        left, right = _compile(node.left, expression), _compile(node.right, expression)
        return lambda values: _apply(symbol, left(values), right(values))
    if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "percent":
        rate, whole = (_compile(arg, expression) for arg in node.args)
        return lambda values: _apply("%of", rate(values), whole(values))
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _COMPARISONS:
        compare = _COMPARISONS[type(node.ops[0])]
        left, right = _compile(node.left, expression), _compile(node.comparators[0], expression)
        return lambda values: compare(left(values), right(values))
    raise ValueError(f"unsupported syntax in template expression {expression!r}")


def _operands(expression: str) -> tuple[str, list[ast.expr]]:
    """The single operation of a step expression and its two operands."""
    node = ast.parse(expression, mode="eval").body
    if isinstance(node, ast.BinOp) and type(node.op) in _SYMBOLS:
        symbol, operands = _SYMBOLS[type(node.op)], [node.left, node.right]
    elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "percent":
        symbol, operands = "%of", list(node.args)
    else:
        symbol, operands = "", []
    if len(operands) != 2 or not all(isinstance(o, ast.Name | ast.Constant) for o in operands):
        raise ValueError(f"a step is one operation on two names or numbers, not {expression!r}")
    return symbol, operands


def _names(expression: str) -> set[str]:
    tree = ast.parse(expression, mode="eval")
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)} - {"percent"}


@dataclass(frozen=True)
class Template:
    """A word-problem family. See the module docstring for the shape of a definition.

    - `numbers`: value name -> the integers it is drawn from (`span(...)` or a tuple of choices).
    - `words`: field name -> the list it is drawn from; fields that share a list get different
      entries (two different names, say). An entry may be a dict, used as `{crop[plant]}`.
    - `derived`: values computed from drawn ones before solving (lets a template draw the answer
      of a division and build the dividend, instead of hoping for an exact division).
    - `require`: comparisons every draw must satisfy, e.g. `"kept < baked"`.
    """

    name: str
    topic: str
    story: str
    numbers: Mapping[str, Sequence[int]]
    steps: tuple[Step, ...]
    words: Mapping[str, Sequence[Any]] = field(default_factory=dict)
    derived: Mapping[str, str] = field(default_factory=dict)
    require: tuple[str, ...] = ()
    _program: _Program = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._check_names()
        object.__setattr__(self, "_program", _Program.of(self))

    @property
    def difficulty(self) -> int:
        return len(self.steps)

    def _check_names(self) -> None:
        """Catch typos when the template is defined, not when an instance is drawn."""
        known = set(self.numbers) | set(self.words)
        if "calc" in known | set(self.derived) | {step.result for step in self.steps}:
            raise ValueError(f"template {self.name}: 'calc' is reserved for the step computation")
        for name, expression in self.derived.items():
            self._expect_known(_names(expression), known, expression)
            known.add(name)
        results = {step.result for step in self.steps}
        for expression in self.require:
            self._expect_known(_names(expression), known | results, expression)
        for step in self.steps:
            self._expect_known(_names(step.expression), known, step.expression)
            known.add(step.result)
        fields = {name for _, name, _, _ in string.Formatter().parse(self.story) if name}
        self._expect_known({name.split("[")[0] for name in fields}, known, self.story[:40])
        if not 2 <= len(self.steps) <= 6:
            raise ValueError(f"template {self.name}: {len(self.steps)} steps, expected 2..6")

    def _expect_known(self, names: set[str], known: set[str], where: str) -> None:
        if missing := names - known:
            raise ValueError(f"template {self.name}: unknown {sorted(missing)} in {where!r}")

    def draw(self, rng: Random) -> Solved:
        """Draw values until every rule holds, then tell the story and solve it."""
        for _ in range(MAX_DRAWS):
            values = self._draw_values(rng)
            try:
                return self.solve(values)
            except Rejected:
                continue
        raise RuntimeError(f"template {self.name}: no valid values in {MAX_DRAWS} draws")

    def _draw_values(self, rng: Random) -> Values:
        values: Values = {name: rng.choice(choices) for name, choices in self.numbers.items()}
        taken: dict[int, list[Any]] = {}
        for name, choices in self.words.items():
            used = taken.setdefault(id(choices), [])
            values[name] = rng.choice([choice for choice in choices if choice not in used])
            used.append(values[name])
        return values

    def solve(self, drawn: Values) -> Solved:
        """The problem and worked solution for these drawn values; `Rejected` if a rule breaks."""
        program = self._program
        values = dict(drawn)
        for name, compute in program.derived:
            values[name] = _non_negative(compute(values), name)
        lines = []
        for step, symbol, left_of, right_of in program.steps:
            left, right = left_of(values), right_of(values)
            result = values[step.result] = _non_negative(_apply(symbol, left, right), step.result)
            calc = f"{left}% of {right}" if symbol == "%of" else f"{left} {symbol} {right}"
            lines.append(step.says.format(calc=f"{calc} = {result}", **values))
        if not all(check(values) for check in program.require):
            raise Rejected("a requirement failed")
        answer = values[self.steps[-1].result]
        if answer == 0:
            raise Rejected("the answer is zero")
        return Solved(self.story.format(**values), tuple(lines), answer, values)


@dataclass(frozen=True)
class _Program:
    """A template's expressions, parsed once when the template is defined."""

    derived: tuple[tuple[str, Callable[[Values], Any]], ...]
    require: tuple[Callable[[Values], Any], ...]
    steps: tuple[tuple[Step, str, Callable[[Values], Any], Callable[[Values], Any]], ...]

    @classmethod
    def of(cls, template: Template) -> _Program:
        steps = []
        for step in template.steps:
            symbol, (left, right) = _operands(step.expression)
            left_of, right_of = _compile(left, step.expression), _compile(right, step.expression)
            steps.append((step, symbol, left_of, right_of))
        return cls(
            derived=tuple((name, _parse(expr)) for name, expr in template.derived.items()),
            require=tuple(_parse(expr) for expr in template.require),
            steps=tuple(steps),
        )


def _parse(expression: str) -> Callable[[Values], Any]:
    return _compile(ast.parse(expression, mode="eval"), expression)


def _non_negative(value: Any, name: str) -> int:
    if not isinstance(value, int) or value < 0:
        raise Rejected(f"{name} = {value} is not a non-negative integer")
    return value
