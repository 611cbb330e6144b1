"""A small typed DSL for the semantics of symbols: lists of tokens, integers, concatenation,
repetition and structural recursion (a right fold).

A `Program` is `λx1..xk. body`. Values are tuples of tokens (type L), ints (type I) or EMPTY (a
child that contributes nothing, e.g. a parenthesis). Evaluation errors give MISSING, never raise.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Union


class _Sentinel:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name

    def __reduce__(self) -> str:
        return self.name


EMPTY = _Sentinel("EMPTY")  # a value its parent ignores
MISSING = _Sentinel("MISSING")  # no value: the program failed or does not exist
MAX_LIST, MAX_INT = 400, 10**6


class EvalError(Exception):
    """A program does not apply to these inputs (wrong type, empty list, overflow)."""


@dataclass(frozen=True)
class Var:
    index: int  # 0-based input position; -1 is the fold element, -2 its accumulator

    def __str__(self) -> str:
        return {-1: "e", -2: "acc"}.get(self.index, f"x{self.index + 1}")


@dataclass(frozen=True)
class Const:
    value: Any

    def __str__(self) -> str:
        if isinstance(self.value, tuple):
            return "[" + " ".join(self.value) + "]"
        return str(self.value)


@dataclass(frozen=True)
class Op:
    name: str
    args: tuple["Expr", ...]

    def __str__(self) -> str:
        return f"{self.name}({', '.join(str(a) for a in self.args)})"


Expr = Union[Var, Const, Op]

# name -> (argument types, result type); 'S' is a fold step body evaluated with e and acc bound.
SIGNATURES: dict[str, tuple[tuple[str, ...], str]] = {
    "concat": (("L", "L"), "L"),
    "head": (("L",), "L"),
    "last": (("L",), "L"),
    "tail": (("L",), "L"),
    "init": (("L",), "L"),
    "repeat": (("L", "I"), "L"),
    "fold": (("L", "L", "S"), "L"),
    "add": (("I", "I"), "I"),
    "sub": (("I", "I"), "I"),
    "mul": (("I", "I"), "I"),
    "cdiv": (("I", "I"), "I"),
}


def _list(v: Any) -> tuple:
    if not isinstance(v, tuple):
        raise EvalError("expected a list")
    if len(v) > MAX_LIST:
        raise EvalError("list too long")
    return v


def _int(v: Any) -> int:
    if not isinstance(v, int) or isinstance(v, bool) or abs(v) > MAX_INT:
        raise EvalError("expected a small int")
    return v


def _fold(items: tuple, base: tuple, step: Expr, inputs: tuple) -> tuple:
    acc = base
    for item in reversed(items):
        acc = _list(evaluate(step, inputs, ((item,), acc)))
    return acc


def apply_op(name: str, vals: list[Any]) -> Any:
    """Apply a primitive (not fold) to argument values; raises EvalError."""
    if name == "concat":
        return _list(_list(vals[0]) + _list(vals[1]))
    if name in ("head", "last", "tail", "init"):
        xs = _list(vals[0])
        if not xs:
            raise EvalError("empty list")
        return {"head": xs[:1], "last": xs[-1:], "tail": xs[1:], "init": xs[:-1]}[name]
    if name == "repeat":
        return _list(_list(vals[0]) * _int(vals[1]))
    x, y = _int(vals[0]), _int(vals[1])
    if name == "add":
        return _int(x + y)
    if name == "sub":
        return _int(x - y)
    if name == "mul":
        return _int(x * y)
    if y == 0:
        raise EvalError("division by zero")
    return _int(math.ceil(x / y))


def evaluate(expr: Expr, inputs: tuple, local: tuple | None = None) -> Any:
    """Evaluate `expr` on the inputs; `local` is (e, acc) inside a fold step. May raise EvalError."""
    if isinstance(expr, Const):
        return expr.value
    if isinstance(expr, Var):
        if expr.index >= 0:
            return inputs[expr.index]
        if local is None:
            raise EvalError("e/acc outside a fold")
        return local[0] if expr.index == -1 else local[1]
    if expr.name == "fold":
        items = _list(evaluate(expr.args[0], inputs, local))
        base = _list(evaluate(expr.args[1], inputs, local))
        return _fold(items, base, expr.args[2], inputs)
    return apply_op(expr.name, [evaluate(a, inputs, local) for a in expr.args])


def size(expr: Expr) -> int:
    return 1 + sum(size(a) for a in expr.args) if isinstance(expr, Op) else 1


def uses_var(expr: Expr, index: int) -> bool:
    if isinstance(expr, Var):
        return expr.index == index
    return isinstance(expr, Op) and any(uses_var(a, index) for a in expr.args)


@dataclass(frozen=True)
class Program:
    """`λx1..xk. body`: the meaning of one symbol, applied to its children's values."""

    arity: int
    body: Expr

    def __call__(self, inputs: tuple) -> Any:
        if len(inputs) != self.arity or any(v is MISSING or v is EMPTY for v in inputs):
            return MISSING
        try:
            return evaluate(self.body, inputs)
        except (EvalError, RecursionError):
            return MISSING

    def __str__(self) -> str:
        params = " ".join(f"x{i + 1}" for i in range(self.arity))
        return f"λ{params}. {self.body}" if params else str(self.body)


# ---- reading programs back from their printed form ----------------------------------------

_TOKEN = re.compile(r"\s*(λ|\[[^\]]*\]|[A-Za-z_][A-Za-z_0-9]*|-?\d+|[(),.])")


def parse_program(text: str) -> Program:
    """Inverse of `str(program)`; used to load a saved symbol → program table."""
    tokens = _TOKEN.findall(text)
    if "".join(t.strip() for t in tokens) != re.sub(r"\s+", "", text):
        raise ValueError(f"cannot read program {text!r}")
    arity = 0
    if tokens and tokens[0] == "λ":
        dot = tokens.index(".")
        arity = dot - 1
        tokens = tokens[dot + 1 :]
    body, rest = _parse_expr(tokens)
    if rest:
        raise ValueError(f"trailing text in program {text!r}")
    return Program(arity, body)


def _parse_expr(tokens: list[str]) -> tuple[Expr, list[str]]:
    tok, rest = tokens[0], tokens[1:]
    if tok.startswith("["):
        return Const(tuple(tok[1:-1].split())), rest
    if tok == "EMPTY":
        return Const(EMPTY), rest
    if re.fullmatch(r"-?\d+", tok):
        return Const(int(tok)), rest
    if tok in ("e", "acc"):
        return Var(-1 if tok == "e" else -2), rest
    if re.fullmatch(r"x\d+", tok):
        return Var(int(tok[1:]) - 1), rest
    if tok not in SIGNATURES or not rest or rest[0] != "(":
        raise ValueError(f"unknown primitive {tok!r}")
    args: list[Expr] = []
    rest = rest[1:]
    while True:
        arg, rest = _parse_expr(rest)
        args.append(arg)
        if rest[0] == ")":
            return Op(tok, tuple(args)), rest[1:]
        rest = rest[1:]  # ','
