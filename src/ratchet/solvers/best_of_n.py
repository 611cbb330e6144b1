"""Best-of-n: draw up to n samples and keep the best by a signal a solver may see.

- `rank_by="visible"`: run each sample on the task's visible checks (docstring examples); stop at
  the first that passes them all, else keep the one with the fewest failing examples (crashes and
  timeouts rank last). Needs a suite with visible checks.
- `rank_by="logprob"`: draw all n with token log-probabilities and keep the highest mean
  log-probability. Needs a backend that returns log-probabilities.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

from ratchet.core import Solution, SolverView, Status, Suite, Task, Turn, Usage, Verdict
from ratchet.errors import UserError
from ratchet.models.base import Model, SamplingParams
from ratchet.solvers.trace import inner_sample_params, require_logprobs, require_visible_checks
from ratchet.solvers.voting import VisibleChecker

RANKINGS = ("visible", "logprob")


@dataclass(frozen=True)
class BestOfN:
    name: ClassVar[str] = "best-of-n"
    n: int = 5
    rank_by: str = "visible"
    temperature: float = 0.8
    top_p: float = 0.95

    def __post_init__(self) -> None:
        if self.n < 1:
            raise UserError(f"--n-votes must be >= 1 for best-of-n, got {self.n}")
        if self.rank_by not in RANKINGS:
            raise UserError(f"best-of-n rank_by must be one of {', '.join(RANKINGS)}, got '{self.rank_by}'")

    def check(self, suite: Suite, model: Model | None) -> None:
        """Refuse a setup that cannot work, before any model call."""
        if self.rank_by == "visible":
            require_visible_checks("best-of-n (rank_by=visible)", suite, instead="best-of-n:rank_by=logprob")
        else:
            require_logprobs("best-of-n (rank_by=logprob)", model)

    def solve(self, task: Task, view: SolverView, model: Model, params: SamplingParams) -> Solution:
        if self.rank_by == "logprob":
            require_logprobs("best-of-n (rank_by=logprob)", model)
        checker = VisibleChecker(task, view)
        candidates: list[tuple[tuple, str, str | None]] = []  # (rank, completion, answer)
        usage = Usage()
        prompt = view.messages(task)
        reason = "best of n"
        for j in range(self.n):
            sample_params = inner_sample_params(params, j, self.temperature, self.top_p)
            if self.rank_by == "logprob":
                sample_params = replace(sample_params, logprobs=0)
            completion = model.complete(prompt, sample_params)
            usage = usage + completion.usage
            answer = view.extract(task, completion.text)
            if self.rank_by == "logprob":
                rank = (answer is not None, completion.mean_logprob or float("-inf"), -j)
            else:
                verdict = checker.check(answer) if answer is not None else None
                rank = (*visible_rank(answer, verdict), -j)
            candidates.append((rank, completion.text, answer))
            if self.rank_by == "visible" and candidates[-1][0][0] == 3:
                reason = "visible tests pass"
                break
        rank, text, answer = max(candidates, key=lambda c: c[0])
        return Solution(
            completion=text,
            answer=answer,
            trajectory=tuple(Turn(m["role"], m["content"]) for m in prompt)
            + tuple(Turn("assistant", c[1]) for c in candidates),
            usage=usage,
            stop_reason=f"{reason}: sample {-rank[-1] + 1} of {len(candidates)}",
        )


def visible_rank(answer: str | None, verdict: Verdict | None) -> tuple[int, int]:
    """(tier, -failing examples): 3 passes, 2 fails some examples, 1 crashes or times out or has
    no visible checks, 0 has no answer."""
    if answer is None:
        return (0, 0)
    if verdict is None:
        return (1, 0)
    if verdict.passed:
        return (3, 0)
    if verdict.status == Status.FAIL:
        return (2, -len([line for line in verdict.feedback.splitlines() if line.strip()]))
    return (1, 0)

