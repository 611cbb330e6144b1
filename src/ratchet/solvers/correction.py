"""The shape every self-correction strategy shares: answer once, then correct that answer.

A `Corrector` can start from any first solution, which is how `gated` wraps one: it decides from
round 1 whether correcting is worth it.

Stop reasons are "<category>: <detail>"; the analysis groups attempts by the category:
- "max rounds": the round budget is spent;
- "visible tests pass": the visible checks accept the answer (self-debug, reflexion);
- "no issues": the model's own critique found nothing to fix (self-refine);
- "answer repeated": the new answer equals an earlier one (the loop would cycle);
- "no improvement": the new answer behaves on the visible checks exactly as the last one did;
- "no answer": the rewrite had no extractable answer, so the previous one is kept;
- "no visible tests": this task has none to run (self-debug, reflexion).
"""

from __future__ import annotations

from typing import Protocol

from ratchet.core import Solution, SolverView, Task
from ratchet.models.base import Model, SamplingParams


class Corrector(Protocol):
    name: str
    max_rounds: int

    def correct(
        self, task: Task, view: SolverView, model: Model, params: SamplingParams, first: Solution
    ) -> Solution:
        """Rounds 2.. of the strategy, starting from round 1's solution `first`."""
        ...


class RepeatGuard:
    """Remembers every answer of a loop (normalised) to detect cycles."""

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def seen_before(self, answer: str | None) -> bool:
        from ratchet.solvers.voting import normalize_answer

        if answer is None:
            return False
        key = normalize_answer(answer)
        if key in self._seen:
            return True
        self._seen.add(key)
        return False
