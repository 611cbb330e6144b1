"""Checks: what a checked run verifies about a program, kept out of the program's reach.

    checks = Checks(setup=prompt, checks=problem["test"], call="check(candidate)", entry_point="add")
    result = run_python(solution_module, limits, checks=checks)
    result.passed   # True only if `call` returned and every check in it held

`setup` and `checks` are the suite's own (trusted) code; they run in the supervisor, where
`candidate` (and the name `entry_point`) is a proxy for the program's function: each call
sends plain arguments to the program's process and decodes its reply into plain values of
exact built-in types. The program never holds the checks: not in its file, its memory, its
command line or its descriptors. How and why: `_calls.py`.
"""

from __future__ import annotations

import ast
import marshal
from dataclasses import dataclass
from functools import lru_cache

from ratchet.errors import UserError

MAX_PREFETCH = 512  # calls sent ahead at most (their replies wait in the checker's memory)


@dataclass(frozen=True)
class Checks:
    """setup:       code run first in the checks' namespace (e.g. the prompt's helpers)
    checks:      code defining the checks (e.g. HumanEval's `def check(candidate): ...`)
    call:        the expression that runs them; it fails by raising (an assert) or by
                 returning a non-empty string saying why
    entry_point: the program's function that `candidate` stands for
    """

    setup: str
    checks: str
    call: str
    entry_point: str

    def __post_init__(self) -> None:
        if not self.entry_point.isidentifier():
            raise UserError(f"Checks.entry_point must be a Python name, got {self.entry_point!r}")

    def to_bytes(self) -> bytes:
        """The checks compiled, for the supervisor (marshal, the same interpreter on both ends):
        compiled once per distinct checks in this process, not in every sandbox."""
        return _compiled(self.setup, self.checks, self.call, self.entry_point)


@lru_cache(maxsize=1024)
def _compiled(setup: str, checks: str, call: str, entry_point: str) -> bytes:
    try:
        code = (compile(setup, "<setup>", "exec"), compile(checks, "<checks>", "exec"),
                compile(call, "<call>", "eval"))
    except SyntaxError as error:
        raise UserError(f"the checks do not compile: {error}") from None
    return marshal.dumps((*code, entry_point, literal_calls(checks, entry_point)))


def literal_calls(checks: str, entry_point: str, limit: int = MAX_PREFETCH) -> list[tuple[tuple, dict]]:
    """The calls of `candidate` (or of `entry_point` by name) whose arguments the checks write
    as literals, in source order: the checker sends them ahead in one request, so a typical
    check costs one round trip instead of one per call (`_calls.Proxy`)."""
    found = []
    for node in ast.walk(ast.parse(checks)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in ("candidate", entry_point)):
            continue
        try:
            args = tuple(ast.literal_eval(arg) for arg in node.args)
            kwargs = {kw.arg: ast.literal_eval(kw.value) for kw in node.keywords if kw.arg is not None}
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            continue
        if len(kwargs) == len(node.keywords):
            found.append(((node.lineno, node.col_offset), args, kwargs))
    found.sort(key=lambda entry: entry[0])
    return [(args, kwargs) for _, args, kwargs in found[:limit]]
