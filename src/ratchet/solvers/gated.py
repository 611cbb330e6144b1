"""Gated correction: correct only when the model is unsure of its first answer.

Intrinsic correction turns right answers wrong about as often as it fixes wrong ones; a gate
leaves confident answers alone (the idea of ART and IoE). Two gates:
- `gate="logprob"`: the first answer is drawn with the top-2 token log-probabilities; each token's
  margin is p(top token) - p(runner-up), and confidence is the mean margin of the least sure 10%
  of tokens (an answer is as doubtful as its few hard choices; a mean over every token would be
  dominated by boilerplate such as a copied signature). Unsure if below `tau`. Needs a backend
  that returns log-probabilities.
- `gate="disagreement"`: `n` extra samples are drawn (at temperature 0.8, sharing the response
  cache with self-consistency); confidence is the share of them that agree with the first answer
  (by the vote key: behaviour on visible inputs, or normalised answer). Unsure if below `tau`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import ClassVar

from ratchet.core import Solution, SolverView, Task, Turn
from ratchet.errors import UserError
from ratchet.models.base import Completion, Model, SamplingParams
from ratchet.solvers.correction import Corrector
from ratchet.solvers.sample import SampleSolver
from ratchet.solvers.trace import check_max_rounds, inner_sample_params, require_logprobs
from ratchet.solvers.voting import VisibleChecker

GATES = ("logprob", "disagreement")
DEFAULT_TAU = {"logprob": 0.5, "disagreement": 0.5}
LEAST_SURE_SHARE = 0.1
CORRECTORS = ("self-refine", "self-debug", "reflexion")


def token_margins(completion: Completion) -> list[float] | None:
    """p(most likely token) - p(second most likely) at each position; None without logprobs."""
    if not completion.logprobs:
        return None
    margins = []
    for token in completion.logprobs:
        probabilities = sorted((math.exp(lp) for _, lp in token.top), reverse=True) or [math.exp(token.logprob)]
        margins.append(probabilities[0] - (probabilities[1] if len(probabilities) > 1 else 0.0))
    return margins


def low_margin(completion: Completion, share: float = LEAST_SURE_SHARE) -> float | None:
    """The mean margin of the least sure `share` of tokens (at least one); None without logprobs."""
    margins = token_margins(completion)
    if not margins:
        return None
    lowest = sorted(margins)[: max(1, int(len(margins) * share))]
    return sum(lowest) / len(lowest)


@dataclass(frozen=True)
class Gated:
    name: ClassVar[str] = "gated"
    inner: str = "self-refine"
    gate: str = "logprob"
    tau: float | None = None  # default: DEFAULT_TAU[gate]
    n: int = 4  # extra samples for the disagreement gate
    max_rounds: int = 3

    def __post_init__(self) -> None:
        check_max_rounds(self.max_rounds)
        if self.gate not in GATES:
            raise UserError(f"gated gate must be one of {', '.join(GATES)}, got '{self.gate}'")
        if self.inner not in CORRECTORS:
            raise UserError(f"gated inner must be one of {', '.join(CORRECTORS)}, got '{self.inner}'")
        if not 0 <= self.threshold <= 1:
            raise UserError(f"--tau must be between 0 and 1, got {self.threshold}")
        if self.gate == "disagreement" and self.n < 1:
            raise UserError(f"--n-votes must be >= 1 for the disagreement gate, got {self.n}")

    @property
    def threshold(self) -> float:
        return DEFAULT_TAU[self.gate] if self.tau is None else self.tau

    @property
    def corrector(self) -> Corrector:
        from ratchet.solvers.registry import make_solver

        return make_solver(self.inner, max_rounds=self.max_rounds)  # type: ignore[return-value]

    def check(self, view: SolverView, model: Model | None) -> None:
        if self.gate == "logprob":
            require_logprobs("gated (gate=logprob)", model)
        inner_check = getattr(self.corrector, "check", None)
        if inner_check:
            inner_check(view, model)

    def solve(self, task: Task, view: SolverView, model: Model, params: SamplingParams) -> Solution:
        if self.gate == "logprob":
            first, confidence = self._first_with_margin(task, view, model, params)
        else:
            first = SampleSolver().solve(task, view, model, params)
            first, confidence = self._agreement(task, view, model, params, first)
        if confidence >= self.threshold:
            return replace(first, stop_reason=f"confident: {self.gate} {confidence:.3f} >= {self.threshold}",
                           round_completions=(first.completion,))
        corrected = self.corrector.correct(task, view, model, params, first)
        return replace(corrected, stop_reason=f"{corrected.stop_reason} (unsure: {self.gate} {confidence:.3f})")

    def _first_with_margin(
        self, task: Task, view: SolverView, model: Model, params: SamplingParams
    ) -> tuple[Solution, float]:
        require_logprobs("gated (gate=logprob)", model)
        messages = view.messages(task)
        completion = model.complete(messages, replace(params, logprobs=2))
        margin = low_margin(completion)
        if margin is None:
            raise UserError(
                f"model '{model.name}' returned no log-probabilities for the logprob gate: "
                "use gate=disagreement, or an endpoint that returns logprobs"
            )
        trajectory = tuple(Turn(m["role"], m["content"]) for m in messages)
        first = Solution(completion.text, view.extract(task, completion.text),
                         trajectory + (Turn("assistant", completion.text),), completion.usage)
        return first, margin

    def _agreement(
        self, task: Task, view: SolverView, model: Model, params: SamplingParams, first: Solution
    ) -> tuple[Solution, float]:
        checker = VisibleChecker(task, view)
        key = checker.vote_key(first.answer)
        usage = first.usage
        agree = 0
        for j in range(self.n):
            probe = SampleSolver().solve(task, view, model, inner_sample_params(params, j, 0.8, 0.95))
            usage = usage + probe.usage
            agree += key is not None and checker.vote_key(probe.answer) == key
        return replace(first, usage=usage), agree / self.n
