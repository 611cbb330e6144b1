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

import json
from dataclasses import dataclass

from ratchet.errors import UserError


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
        fields = {"setup": self.setup, "checks": self.checks, "call": self.call, "entry_point": self.entry_point}
        return json.dumps(fields).encode()
