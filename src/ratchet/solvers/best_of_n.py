"""Best-of-n: the plain answer, then up to n - 1 samples; keep the best by a signal a solver may
see. Round r's completion is the best of the first r candidates (round 1 is the plain answer).

- `rank_by="visible"`: run each candidate on the task's visible checks (docstring examples); stop
  at the first that passes them all (so a plain answer that passes costs nothing extra), else
  keep the one with the fewest failing examples (crashes and timeouts rank last). A task without
  visible examples keeps its plain answer. Needs a suite with visible checks.
- `rank_by="logprob"`: draw all n with token log-probabilities and keep the highest mean
  log-probability. Needs a backend that returns log-probabilities.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

from ratchet.core import Solution, SolverView, Status, Task, Turn, Usage, Verdict
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

    def check(self, view: SolverView, model: Model | None) -> None:
        """Refuse a setup that cannot work, before any model call."""
        if self.rank_by == "visible":
            require_visible_checks("best-of-n (rank_by=visible)", view, instead="best-of-n:rank_by=logprob")
        else:
            require_logprobs("best-of-n (rank_by=logprob)", model)

    def solve(self, task: Task, view: SolverView, model: Model, params: SamplingParams) -> Solution:
        if self.rank_by == "logprob":
            require_logprobs("best-of-n (rank_by=logprob)", model)
        checker = VisibleChecker(task, view)
        prompt = view.messages(task)
        candidates: list[tuple[tuple, str, str | None]] = []  # (rank, completion, answer)
        best_so_far: list[str] = []
        usage = Usage()
        reason = "best of n"
        for j in range(self.n):
            completion = model.complete(prompt, self._params(params, j))
            usage = usage + completion.usage
            answer = view.extract(task, completion.text)
            if self.rank_by == "logprob":
                rank = (answer is not None, completion.mean_logprob or float("-inf"), -j)
                verdict = None
            else:
                verdict = checker.check(answer) if answer is not None else None
                rank = (*visible_rank(answer, verdict), -j)
            candidates.append((rank, completion.text, answer))
            best_so_far.append(max(candidates, key=lambda c: c[0])[1])
            if self.rank_by == "visible" and rank[0] == 3:
                reason = "visible tests pass"
                break
            if self.rank_by == "visible" and answer is not None and verdict is None:
                reason = "no visible tests"  # nothing to rank further samples by
                break
        rank, text, answer = max(candidates, key=lambda c: c[0])
        return Solution(
            completion=text,
            answer=answer,
            trajectory=tuple(Turn(m["role"], m["content"]) for m in prompt)
            + tuple(Turn("assistant", c[1]) for c in candidates),
            usage=usage,
            stop_reason=f"{reason}: sample {-rank[-1] + 1} of {len(candidates)}",
            rounds=len(best_so_far),
            round_completions=tuple(best_so_far),
        )

    def _params(self, params: SamplingParams, j: int) -> SamplingParams:
        """Candidate 0 is the plain answer (the run's own params: `sample`'s request, replayed
        from the cache); candidate j >= 1 is inner sample j - 1 at `temperature`."""
        chosen = params if j == 0 else inner_sample_params(params, j - 1, self.temperature, self.top_p)
        return replace(chosen, logprobs=0) if self.rank_by == "logprob" else chosen


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

