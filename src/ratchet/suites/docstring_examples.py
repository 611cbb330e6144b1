"""Visible tests for code tasks: the examples written in a problem's docstring.

A self-debugging strategy may run these (they are part of the prompt the model already sees);
it never sees a suite's hidden tests.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

DOCTEST = re.compile(r"^\s*>>>\s?(.*)$")
ARROW = re.compile(r"^\s*(?P<call>[A-Za-z_]\w*\(.*\))\s*(?:==|➞|->|=>|should return|returns?)\s*(?P<want>.+?)\s*$")


@dataclass(frozen=True)
class Example:
    call: str  # a Python expression, e.g. "add(2, 3)"
    expected: str  # a Python expression for the expected value, e.g. "5"

    def assertion(self) -> str:
        return f"assert ({self.call}) == ({self.expected}), {self.call!r} + ' should be ' + {self.expected!r}"


def docstring_examples(prompt: str, entry_point: str) -> list[Example]:
    """Examples calling `entry_point` found in the prompt, in doctest (`>>> f(x)` + result line)
    or arrow (`f(x) == y`, `f(x) ➞ y`) form; only pairs where both sides parse as Python."""
    lines = prompt.splitlines()
    examples: list[Example] = []
    for index, line in enumerate(lines):
        doctest = DOCTEST.match(line)
        if doctest and entry_point in doctest.group(1) and index + 1 < len(lines):
            want = lines[index + 1].strip()
            _add(examples, doctest.group(1).strip(), want)
            continue
        arrow = ARROW.match(line)
        if arrow and arrow.group("call").startswith(entry_point + "("):
            _add(examples, arrow.group("call"), arrow.group("want").rstrip(".,;"))
    return examples


def _add(examples: list[Example], call: str, want: str) -> None:
    if not want or want.startswith((">>>", "Traceback")):
        return
    for expression in (call, want):
        try:
            ast.parse(expression, mode="eval")
        except SyntaxError:
            return
    example = Example(call, want)
    if example not in examples:
        examples.append(example)


def visible_test_program(program: str, examples: list[Example]) -> str:
    """A program that runs every example and reports each failure on stderr, exiting 1 if any."""
    checks = []
    for example in examples:
        checks.append(
            "try:\n"
            f"    _got = {example.call}\n"
            f"    if _got != ({example.expected}):\n"
            f"        _failures.append(f'{_escape(example.call)} returned {{_got!r}}, expected {_escape(example.expected)}')\n"
            "except Exception as _error:\n"
            f"    _failures.append(f'{_escape(example.call)} raised {{type(_error).__name__}}: {{_error}}')\n"
        )
    return (
        program
        + "\n\n_failures = []\n"
        + "".join(checks)
        + "import sys\nif _failures:\n    print('\\n'.join(_failures), file=sys.stderr)\n    sys.exit(1)\n"
    )


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("'", "\\'").replace("{", "{{").replace("}", "}}")
