"""Reflexion (Shinn et al., 2023): after a failed trial, the model writes a short verbal reflection;
the reflections of all earlier trials, kept in a per-task memory, are shown on the next trial.

A trial fails when the visible checks (docstring examples) reject its answer; the hidden tests are
never run here. Unlike self-debug, each new trial starts from the task prompt afresh, with the
lessons but without the failing answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ratchet.core import Message, Solution, SolverView, Task
from ratchet.models.base import Model, SamplingParams
from ratchet.solvers.correction import RepeatGuard, Unstick
from ratchet.solvers.self_debug import shown_feedback, visible_verdict
from ratchet.solvers.trace import (
    Trace,
    check_max_rounds,
    continue_after,
    first_answer,
    require_visible_checks,
    short_reply,
)

REFLECT = (
    "Your answer failed these checks on the task's examples:\n{feedback}\n\n"
    "In two or three sentences, explain what went wrong and what you will do differently on the "
    "next attempt. Do not write the answer or any code."
)
MEMORY = "\n\nLessons from your earlier attempts at this task (do not repeat their mistakes):\n{lessons}"
REFLECTION_CHARS = 600


def with_memory(messages: list[Message], reflections: list[str]) -> list[Message]:
    """The task prompt with the reflections appended to its last user message."""
    lessons = "\n".join(f"{i}. {text}" for i, text in enumerate(reflections, 1))
    last = dict(messages[-1])
    last["content"] += MEMORY.format(lessons=lessons)
    return [*messages[:-1], last]


@dataclass(frozen=True)
class Reflexion:
    name: ClassVar[str] = "reflexion"
    max_rounds: int = 3  # trials, the first included
    retry_temperature: float = 0.8  # a trial that repeats an earlier answer: sample the next (`Unstick`)

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
        memory: list[str] = []
        repeats = RepeatGuard()
        repeats.seen_before(trace.answer)
        unstick = Unstick(params, self.retry_temperature)
        while True:
            verdict = visible_verdict(view, task, trace.answer)
            if verdict is None:
                return trace.solution("no visible tests: this task has no examples to run")
            if verdict.passed:
                return trace.solution(f"visible tests pass: trial {trace.rounds}")
            if trace.rounds >= self.max_rounds:
                return trace.solution(f"max rounds: {self.max_rounds}")
            reflect = continue_after(prompt, trace.completion, REFLECT.format(feedback=shown_feedback(verdict)))
            memory.append(trace.ask(model, reflect, short_reply(params)).text.strip()[:REFLECTION_CHARS])
            reply = trace.ask(model, with_memory(prompt, memory), unstick.params_for(trace.rounds)).text
            answer = view.extract(task, reply)
            if answer is None:
                return trace.solution("no answer: the new trial had none, the previous answer stands")
            trace.new_round(reply, answer)
            if repeats.seen_before(answer) and unstick.should_stop():
                return trace.solution(f"answer repeated: trial {trace.rounds}")
