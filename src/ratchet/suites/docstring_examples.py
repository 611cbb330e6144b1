"""Visible tests for code tasks: the examples written in a problem's docstring.

A self-debugging strategy may run these (they are part of the prompt the model already sees);
it never sees a suite's hidden tests.
"""

from __future__ import annotations

import ast
import builtins
import re
from dataclasses import dataclass

from ratchet.sandbox.checks import Checks

BUILTINS = frozenset(dir(builtins))
DOCTEST = re.compile(r"^\s*>>>\s?(.*)$")
ARROW = re.compile(
    r"^\s*(?:[*-]\s*|for\s+|assert\s+)?(?P<call>[A-Za-z_]\w*\(.*\))\s*"
    r"(?P<op>==>|==|=>|=|➞|->|#\s*(?:=>|->|returns?)|should return|returns?)\s*(?P<want>.+?)\s*$"
)
# "For num = "AB" the output should be 1." / "For s = "abc", c = "b", the result should be 'ac'"
FOR_SHOULD = re.compile(r"^\s*for (?P<args>.+?),?\s+the (?:output|result) should be\s*(?P<want>.+?)\s*$", re.I)
INPUT = re.compile(r"^\s*input\s*:\s*(?P<args>.+?)\s*$", re.I)
OUTPUT = re.compile(r"^\s*output\s*:\s*(?P<want>.+?)\s*$", re.I)


@dataclass(frozen=True)
class Example:
    call: str  # a Python expression, e.g. "add(2, 3)"
    expected: str  # a Python expression for the expected value, e.g. "5"

    def assertion(self) -> str:
        return f"assert ({self.call}) == ({self.expected}), {self.call!r} + ' should be ' + {self.expected!r}"


def docstring_examples(prompt: str, entry_point: str) -> list[Example]:
    """Examples calling `entry_point` found in the prompt, in the forms HumanEval's docstrings use:
    doctest (`>>> f(x)` + result line), arrow (`f(x) == y`, `f(x) ==> y`, `f(x) ➞ y`, and
    `f(x) -> x - 1 = y`, worked out to its last `= y`), "For a = 1, b = 2 the output should be y",
    and `Input: ...` / `Output: ...` blocks. Named arguments must be parameters of the function;
    only pairs where both sides parse as Python are kept."""
    lines = prompt.splitlines()
    parameters = _parameters(prompt, entry_point)
    known = {entry_point, *re.findall(r"^\s*(?:def|class)\s+(\w+)", prompt, re.M), *BUILTINS}
    examples: list[Example] = []
    headings = [i for i, line in enumerate(lines) if "example" in line.lower()]
    for index, line in enumerate(lines):
        doctest = DOCTEST.match(line)
        if doctest and entry_point in doctest.group(1):
            inline = _equality(doctest.group(1))  # `>>> f(x) == y`
            if inline:
                _add(examples, *inline, known)
            elif index + 1 < len(lines):
                _add(examples, doctest.group(1).strip(), lines[index + 1].strip(), known)
            continue
        arrow = ARROW.match(line)
        # a bare `f(1) = 3` under the last "Example" heading is an example; above it, a definition
        if arrow and arrow.group("call").startswith(entry_point + "(") and (
            arrow.group("op") != "=" or not headings or index > headings[-1]
        ):
            _add(examples, arrow.group("call"), _worked_out(arrow.group("want").rstrip(".,;")), known)
            continue
        should = FOR_SHOULD.match(line)
        if should:
            _add(examples, _call(entry_point, should.group("args"), parameters), should.group("want").rstrip(".,;"),
                 known)
            continue
        given = INPUT.match(line)
        output = given and next(filter(None, map(OUTPUT.match, lines[index + 1 : index + 3])), None)
        if output:
            _add(examples, _call(entry_point, given.group("args"), parameters), output.group("want").rstrip(".,;"),
                 known)
    return examples


def _parameters(prompt: str, entry_point: str) -> set[str] | None:
    """The parameter names of `entry_point` as defined in the prompt (None if it is not found)."""
    match = re.search(rf"^\s*def {re.escape(entry_point)}\((?P<args>.*?)\)\s*(?:->.*)?:", prompt, re.M | re.S)
    if not match:
        return None
    try:
        tree = ast.parse(f"def f({match.group('args')}): pass")
    except SyntaxError:
        return None
    arguments = tree.body[0].args  # type: ignore[attr-defined]
    return {a.arg for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]}


def _equality(expression: str) -> tuple[str, str] | None:
    """`f(x) == y` as (`f(x)`, `y`), or None if the expression is not one equality."""
    try:
        node = ast.parse(expression.strip(), mode="eval").body
    except SyntaxError:
        return None
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.Eq):
        return ast.unparse(node.left), ast.unparse(node.comparators[0])
    return None


def _call(entry_point: str, arguments: str, parameters: set[str] | None) -> str:
    """`f(<arguments>)` when every named argument is a parameter of f, else "" (not an example)."""
    call = f"{entry_point}({arguments.strip().rstrip(',')})"
    try:
        node = ast.parse(call, mode="eval").body
    except SyntaxError:
        return ""
    keywords = {k.arg for k in node.keywords}  # type: ignore[attr-defined]
    if keywords and (parameters is None or not keywords <= parameters):
        return ""
    return call


def _worked_out(want: str) -> str:
    """`19 - 5 - 6 = 8` -> `8`: an expected value shown with its working keeps the final value."""
    try:
        ast.parse(want, mode="eval")
    except SyntaxError:
        if "=" in want:
            return want.rsplit("=", 1)[1].strip()
    return want


def _add(examples: list[Example], call: str, want: str, known: set[str]) -> None:
    """Keep the example if both sides parse as Python and name nothing but `known` names (the
    prompt's functions and builtins: `is_happy(a)` or `true` are prose); comments are dropped."""
    if not call or not want or want.startswith((">>>", "Traceback")):
        return
    want = {"true": "True", "false": "False", "null": "None", "none": "None"}.get(want, want)
    sides = []
    for expression in (call, want):
        try:
            tree = ast.parse(expression, mode="eval")
        except SyntaxError:
            return
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        if names - known or (sides and names & {call.split("(")[0]}):  # an expected value must not call f
            return
        sides.append(ast.unparse(tree))
    example = Example(*sides)
    if example not in examples:
        examples.append(example)


#: How much of a returned value or an error message the feedback quotes.
VALUE_CHARS = 160


def visible_checks(prompt: str, entry_point: str, examples: list[Example]) -> Checks:
    """The examples as checks of a checked sandbox run: every example is tried, and the call
    returns one line per failure, built from values (each quoted to `VALUE_CHARS`), so nothing
    the program prints or reads reaches the feedback but what its function returned."""
    body = []
    for example in examples:
        call, expected = repr(example.call), repr(example.expected)
        body.append(
            "    try:\n"
            f"        _got = {example.call}\n"
            f"        if _got != ({example.expected}):\n"
            f"            _failures.append({call} + ' returned ' + repr(_got)[:{VALUE_CHARS}] + ', expected ' + {expected})\n"
            "    except Exception as _error:\n"
            "        if type(_error).__name__ == 'CandidateGone':\n"
            "            raise\n"
            f"        _failures.append({call} + ' raised ' + _why(_error))\n"
        )
    checks = (
        "def _why(error):\n"
        "    text = str(error) if type(error).__name__ == 'CandidateRaised' else f'{type(error).__name__}: {error}'\n"
        f"    return text[:{VALUE_CHARS}]\n\n"
        "def _visible():\n    _failures = []\n" + "".join(body) + "    return '\\n'.join(_failures)\n"
    )
    return Checks(setup=prompt, checks=checks, call="_visible()", entry_point=entry_point)
