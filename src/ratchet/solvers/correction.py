"""The shape every self-correction strategy shares: answer once, then correct that answer.

A `Corrector` can start from any first solution, which is how `gated` wraps one: it decides from
round 1 whether correcting is worth it.

Stop reasons are "<category>: <detail>"; the analysis groups attempts by the category:
- "max rounds": the round budget is spent;
- "visible tests pass": the visible checks accept the answer (self-debug, reflexion);
- "no issues": the model's own critique found nothing to fix (self-refine);
- "answer repeated": the new answer equals an earlier one (the loop would cycle);
- "no improvement": the new answer behaves on the visible checks exactly as the last one did;
  (self-debug and reflexion first retry such a stuck greedy loop at a temperature, see `Unstick`,
  and stop only when it is stuck again);
- "no answer": the rewrite had no extractable answer, so the previous one is kept;
- "no visible tests": this task has none to run (self-debug, reflexion).
"""

from __future__ import annotations

from typing import Protocol

from ratchet.core import Solution, SolverView, Task
from ratchet.models.base import Model, SamplingParams
from ratchet.solvers.trace import inner_sample_params


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


class Unstick:
    """Greedy decoding tends to answer feedback with the very code it was shown. The first time a
    loop is stuck (a repeated answer, or no change in behaviour), later requests are sampled at
    `temperature` (seeded by round), so the model gets a real second chance; stuck again, or
    stuck while already sampling, the loop stops. `temperature` 0 disables the retry."""

    def __init__(self, params: SamplingParams, temperature: float) -> None:
        self.params = params
        self.temperature = temperature
        self.sampling = params.temperature > 0 or temperature <= 0

    def params_for(self, round_index: int) -> SamplingParams:
        if not self.sampling or self.params.temperature > 0:
            return self.params
        return inner_sample_params(self.params, round_index, self.temperature, 0.95)

    def should_stop(self) -> bool:
        """Called when the loop is stuck: True to stop, False to go on sampling."""
        if self.sampling:
            return True
        self.sampling = True
        return False
