"""Self-consistency (Wang et al., 2022): sample several answers, keep the majority.

Answers vote by meaning, not by text (see `ratchet.solvers.voting`): numbers in canonical form,
code by its behaviour on the docstring examples. Adaptive-Consistency (Aggarwal et al., 2023)
draws one sample at a time and stops once the vote is settled.

Each round is one more sample; the completion after a round is the current majority, so the
runner's per-round verdicts show how the vote's accuracy grows with samples (round 1 is a single
sample at the strategy's temperature).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from ratchet.core import Solution, SolverView, Task, Turn, Usage
from ratchet.errors import UserError
from ratchet.models.base import Model, SamplingParams
from ratchet.solvers.trace import inner_sample_params
from ratchet.solvers.sample import SampleSolver
from ratchet.solvers.voting import Tally, VisibleChecker, leader_probability, tally

#: Should the vote stop after these candidates? (tally so far, samples drawn) -> stop reason or None
StopRule = Callable[[Tally, int], "str | None"]


def vote(
    task: Task,
    view: SolverView,
    model: Model,
    params: SamplingParams,
    *,
    max_samples: int,
    temperature: float,
    top_p: float,
    stop: StopRule,
) -> Solution:
    """Draw samples one by one until `stop` says so (or `max_samples`), then return the majority."""
    checker = VisibleChecker(task, view)
    sampler = SampleSolver()
    samples: list[Solution] = []
    keys: list[str | None] = []
    rounds: list[str] = []
    reason = "budget"
    current = Tally(None, 0, 0, 0)
    for j in range(max_samples):
        sample = sampler.solve(task, view, model, inner_sample_params(params, j, temperature, top_p))
        samples.append(sample)
        keys.append(checker.vote_key(sample.answer))
        current = tally(keys)
        rounds.append(samples[current.winner if current.winner is not None else 0].completion)
        if (said := stop(current, j + 1)) is not None:
            reason = said
            break
    chosen = samples[current.winner if current.winner is not None else 0]
    detail = f"{current.top}/{len(samples)} votes" if current.winner is not None else "no sample had an answer"
    prompt = tuple(t for t in samples[0].trajectory if t.role != "assistant")
    return Solution(
        completion=chosen.completion,
        answer=chosen.answer,
        trajectory=prompt + tuple(Turn("assistant", s.completion) for s in samples),
        usage=sum((s.usage for s in samples), Usage()),
        stop_reason=f"{reason}: {detail}",
        rounds=len(rounds),
        round_completions=tuple(rounds),
    )


def _check_sampling(n: int, temperature: float, what: str) -> None:
    if n < 1:
        raise UserError(f"--n-votes must be >= 1 for {what}, got {n}")
    if temperature <= 0:
        raise UserError(f"{what} needs temperature > 0 (greedy samples all agree), got {temperature}")


@dataclass(frozen=True)
class SelfConsistency:
    """Majority vote over `n` samples drawn at `temperature`, whatever the run's temperature."""

    name: ClassVar[str] = "self-consistency"
    n: int = 5
    temperature: float = 0.8
    top_p: float = 0.95

    def __post_init__(self) -> None:
        _check_sampling(self.n, self.temperature, self.name)

    def solve(self, task: Task, view: SolverView, model: Model, params: SamplingParams) -> Solution:
        return vote(task, view, model, params, max_samples=self.n, temperature=self.temperature,
                    top_p=self.top_p, stop=lambda tally_, drawn: None if drawn < self.n else "majority")


@dataclass(frozen=True)
class AdaptiveConsistency:
    """Self-consistency that stops once P(leader beats runner-up) >= `confidence` (the paper's
    Beta rule, threshold 0.95), or after `n` samples. Unanimous votes stop after 4 samples."""

    name: ClassVar[str] = "adaptive-consistency"
    n: int = 10
    confidence: float = 0.95
    temperature: float = 0.8
    top_p: float = 0.95

    def __post_init__(self) -> None:
        _check_sampling(self.n, self.temperature, self.name)
        if not 0.5 < self.confidence < 1:
            raise UserError(f"adaptive-consistency confidence must be in (0.5, 1), got {self.confidence}")

    def solve(self, task: Task, view: SolverView, model: Model, params: SamplingParams) -> Solution:
        return vote(task, view, model, params, max_samples=self.n, temperature=self.temperature,
                    top_p=self.top_p, stop=self._stop)

    def _stop(self, current: Tally, drawn: int) -> str | None:
        if current.winner is not None and leader_probability(current.top, current.second) >= self.confidence:
            return "settled"
        return "budget" if drawn >= self.n else None
