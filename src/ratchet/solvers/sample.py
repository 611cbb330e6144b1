"""Plain generation: one prompt, one completion."""

from __future__ import annotations

from ratchet.core import Solution, SolverView, Task, Turn
from ratchet.models.base import Model, SamplingParams


class SampleSolver:
    name = "sample"

    def solve(self, task: Task, view: SolverView, model: Model, params: SamplingParams) -> Solution:
        messages = view.messages(task)
        completion = model.complete(messages, params)
        trajectory = tuple(Turn(m["role"], m["content"]) for m in messages)
        return Solution(
            completion=completion.text,
            answer=view.extract(task, completion.text),
            trajectory=trajectory + (Turn("assistant", completion.text),),
            usage=completion.usage,
            stop_reason=completion.finish_reason,
        )
