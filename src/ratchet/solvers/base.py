"""The solver interface."""

from __future__ import annotations

from typing import Protocol

from ratchet.core import Solution, SolverView, Task
from ratchet.models.base import Model, SamplingParams


class Solver(Protocol):
    """Produces a solution for one task. It sees the task and a `SolverView` of the suite (prompts,
    extraction, visible checks), never the hidden verifier. `params` already carries this
    sample's seed."""

    name: str

    def solve(self, task: Task, view: SolverView, model: Model, params: SamplingParams) -> Solution: ...
