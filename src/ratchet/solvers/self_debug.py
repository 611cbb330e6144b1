"""Self-Debug (Chen et al., 2023): run the visible tests, show the model what failed, let it fix.

For HumanEval the visible tests are the docstring's examples turned into assertions; the hidden
tests are never run here. The repair continues the conversation: task, failing answer, what
the examples returned, then a request for the corrected answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ratchet.core import Solution, SolverView, Status, Task, Verdict
from ratchet.models.base import Model, SamplingParams
from ratchet.solvers.correction import RepeatGuard, Unstick
from ratchet.solvers.trace import (
    Trace,
    check_max_rounds,
    continue_after,
    first_answer,
    require_visible_checks,
)
from ratchet.solvers.voting import behaviour_key

FIX = (
    "I ran your answer on the examples given in the task:\n{feedback}\n\n"
    "Fix it so that these examples pass. Give the complete corrected answer, in the format the "
    "original instructions ask for."
)
FEEDBACK_CHARS = 1200


def visible_verdict(view: SolverView, task: Task, answer: str | None) -> Verdict | None:
    """The visible check of an answer; an answer that could not be extracted fails on format."""
    if answer is None:
        return Verdict.fail("no answer could be found in your reply", Status.BAD_FORMAT)
    return view.check_visible(task, answer)


def shown_feedback(verdict: Verdict) -> str:
    """The failure text a model sees: the tail, where the failing examples or the error are."""
    text = verdict.feedback.strip() or f"the check failed ({verdict.status.value})"
    return text if len(text) <= FEEDBACK_CHARS else "..." + text[-FEEDBACK_CHARS:]


@dataclass(frozen=True)
class SelfDebug:
    name: ClassVar[str] = "self-debug"
    max_rounds: int = 3
    retry_temperature: float = 0.8  # a stuck greedy repair is retried sampling (see `Unstick`)

    def __post_init__(self) -> None:
        check_max_rounds(self.max_rounds)

    def check(self, view: SolverView, model: Model | None) -> None:
        require_visible_checks(self.name, view)

    def solve(self, task: Task, view: SolverView, model: Model, params: SamplingParams) -> Solution:
        require_visible_checks(self.name, view)
        return self.correct(task, view, model, params, first_answer(task, view, model, params))

    def correct(
        self, task: Task, view: SolverView, model: Model, params: SamplingParams, first: Solution
    ) -> Solution:
        require_visible_checks(self.name, view)
        trace = Trace(first)
        prompt = view.messages(task)
        repeats = RepeatGuard()
        repeats.seen_before(trace.answer)
        unstick = Unstick(params, self.retry_temperature)
        verdict = visible_verdict(view, task, trace.answer)
        while True:
            if verdict is None:
                return trace.solution("no visible tests: this task has no examples to run")
            if verdict.passed:
                return trace.solution(f"visible tests pass: round {trace.rounds}")
            if trace.rounds >= self.max_rounds:
                return trace.solution(f"max rounds: {self.max_rounds}")
            request = continue_after(prompt, trace.completion, FIX.format(feedback=shown_feedback(verdict)))
            reply = trace.ask(model, request, unstick.params_for(trace.rounds)).text
            answer = view.extract(task, reply)
            if answer is None:
                return trace.solution("no answer: the fix had none, the previous answer stands")
            trace.new_round(reply, answer)
            new_verdict = visible_verdict(view, task, answer)
            if repeats.seen_before(answer):
                if unstick.should_stop():
                    return trace.solution(f"answer repeated: round {trace.rounds}")
            elif new_verdict is not None and not new_verdict.passed and (
                behaviour_key(new_verdict) == behaviour_key(verdict)
            ):
                if unstick.should_stop():
                    return trace.solution(f"no improvement: round {trace.rounds} fails the same way")
            verdict = new_verdict
