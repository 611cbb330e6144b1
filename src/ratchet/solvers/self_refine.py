"""Self-Refine (Madaan et al., 2023), intrinsic: the model critiques its own answer, then rewrites
it. No external signal: no tests, no gold, not even the visible examples.

Each round after the first is two calls: a critique of the current answer (which may say the
answer has no issues, ending the loop), then a rewrite that addresses the critique. Each call sees
only the task, the current answer and the critique, not the whole history, so prompts stay short.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ratchet.core import Solution, SolverView, Task
from ratchet.models.base import Model, SamplingParams
from ratchet.solvers.correction import RepeatGuard
from ratchet.solvers.trace import Trace, check_max_rounds, continue_after, first_answer, short_reply

CRITIQUE = (
    "Review your answer above carefully for mistakes. If it is fully correct, reply with exactly "
    "NO ISSUES. Otherwise list the specific problems briefly; do not rewrite the answer yet."
)
REWRITE = (
    "Now write an improved answer that fixes these problems. Give the complete answer again, in "
    "the format the original instructions ask for."
)
NO_ISSUES = "NO ISSUES"


@dataclass(frozen=True)
class SelfRefine:
    name: ClassVar[str] = "self-refine"
    max_rounds: int = 3

    def __post_init__(self) -> None:
        check_max_rounds(self.max_rounds)

    def solve(self, task: Task, view: SolverView, model: Model, params: SamplingParams) -> Solution:
        return self.correct(task, view, model, params, first_answer(task, view, model, params))

    def correct(
        self, task: Task, view: SolverView, model: Model, params: SamplingParams, first: Solution
    ) -> Solution:
        trace = Trace(first)
        prompt = view.messages(task)
        repeats = RepeatGuard()
        repeats.seen_before(trace.answer)
        while trace.rounds < self.max_rounds:
            critique_request = continue_after(prompt, trace.completion, CRITIQUE)
            critique = trace.ask(model, critique_request, short_reply(params)).text
            if critique.strip().lstrip("*#`>- ").upper().startswith(NO_ISSUES):
                return trace.solution("no issues: the critique found nothing to fix")
            rewrite_request = continue_after(critique_request, critique, REWRITE)
            rewrite = trace.ask(model, rewrite_request, params).text
            answer = view.extract(task, rewrite)
            if answer is None:
                return trace.solution("no answer: the rewrite had none, the previous answer stands")
            trace.new_round(rewrite, answer)
            if repeats.seen_before(answer):
                return trace.solution(f"answer repeated: round {trace.rounds}")
        return trace.solution(f"max rounds: {self.max_rounds}")
