"""Inverse semantics: which value of one input makes a program produce a wanted output?

Abduction pushes a target value from a node down to one child: with the other children's values
fixed, `solve_input` returns candidate values for child `i` such that the node's program yields
the target. It inverts the DSL structurally (concat splits the target, repeat divides it, the
arithmetic operators undo themselves) and checks every candidate by running the program forward.
"""

from __future__ import annotations

from typing import Any

from ratchet.nesy.dsl import EMPTY, MISSING, EvalError, Expr, Op, Program, Var, evaluate, uses_var

UNKNOWN = None  # "this sub-expression cannot be inverted"; distinct from "no value works" ([])
_ANY = object()  # "any value works": the sub-expression does not depend on the input
MAX_CANDIDATES = 64


def _eval(expr: Expr, inputs: tuple) -> Any:
    try:
        return evaluate(expr, inputs)
    except (EvalError, RecursionError, IndexError):
        return MISSING


def _merge(a: list | None, b: list | None) -> list | None:
    if a is UNKNOWN:
        return b
    if b is UNKNOWN:
        return a
    if a == [_ANY]:
        return b
    if b == [_ANY]:
        return a
    return [v for v in a if v in b]


def _invert(expr: Expr, target: Any, i: int, inputs: tuple) -> list | None:
    if not uses_var(expr, i):
        return [_ANY] if _eval(expr, inputs) == target else []
    if isinstance(expr, Var):
        return [target]
    assert isinstance(expr, Op)
    name, args = expr.name, expr.args
    if name == "concat":
        return _invert_concat(args[0], args[1], target, i, inputs)
    if name == "repeat" and isinstance(target, tuple):
        n = _eval(args[1], inputs)
        if not isinstance(n, int) or n <= 0 or len(target) % n:
            return []
        chunk = target[: len(target) // n]
        return _invert(args[0], chunk, i, inputs) if chunk * n == target else []
    if name in ("add", "sub", "mul", "cdiv") and isinstance(target, int):
        return _invert_arith(name, args, target, i, inputs)
    return UNKNOWN


def _invert_concat(a: Expr, b: Expr, target: Any, i: int, inputs: tuple) -> list | None:
    if not isinstance(target, tuple):
        return []
    found: list | None = UNKNOWN
    for cut in range(len(target) + 1):
        part = _merge(_invert(a, target[:cut], i, inputs), _invert(b, target[cut:], i, inputs))
        if part is UNKNOWN:
            continue
        found = (found or []) + [v for v in part if v is not _ANY]
        if len(found) > MAX_CANDIDATES:
            break
    return found


def _invert_arith(name: str, args: tuple, target: int, i: int, inputs: tuple) -> list | None:
    a, b = args
    if uses_var(a, i) and uses_var(b, i):
        return UNKNOWN
    known = _eval(b if uses_var(a, i) else a, inputs)
    if not isinstance(known, int):
        return []
    sub, on_left = (a, True) if uses_var(a, i) else (b, False)
    wanted: list[int] = []
    if name == "add":
        wanted = [target - known]
    elif name == "sub":
        wanted = [target + known] if on_left else [known - target]
    elif name == "mul":
        if known == 0:
            return UNKNOWN if target == 0 else []
        wanted = [target // known] if target % known == 0 else []
    elif on_left:  # ceil(x / known) == target
        wanted = list(range((target - 1) * known + 1, target * known + 1)) if known > 0 else []
    else:  # ceil(known / x) == target
        wanted = [x for x in range(1, max(known, 1) + 1) if -(-known // x) == target]
    out: list = []
    for w in wanted[:MAX_CANDIDATES]:
        sub_c = _invert(sub, w, i, inputs)
        out.extend(v for v in (sub_c or []) if v is not _ANY)
    return out


def solve_input(program: Program, i: int, inputs: tuple, target: Any) -> list[Any]:
    """Values v for input i such that program(inputs with v at i) == target (verified)."""
    if program.arity != len(inputs) or target is MISSING or target is EMPTY:
        return []
    probe = tuple(0 if j == i else v for j, v in enumerate(inputs))  # placeholder, never read
    raw = _invert(program.body, target, i, probe)
    out: list[Any] = []
    for value in raw or []:
        if value is _ANY or value in out:
            continue
        trial = inputs[:i] + (value,) + inputs[i + 1 :]
        if program(trial) == target:
            out.append(value)
    return out[:MAX_CANDIDATES]
