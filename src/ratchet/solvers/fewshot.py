"""Few-shot from experience: retrieved trajectories of similar tasks shown as prior turns.

The exemplars (never the task's own: `exclude_task`) go between the suite's system message and
the task's prompt, as the user/assistant turns they were. Any base solver then runs on that
prompt. The solution records which exemplars were shown (`Solution.exemplar_ids`) and keeps only
the task's own turns in its trajectory, so a stored trajectory never nests older exemplars.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ratchet.core import Exemplar, ExemplarSource, Message, PublicSuite, Solution, SolverView, Task, Turn
from ratchet.models.base import Model, SamplingParams
from ratchet.solvers.base import Solver
from ratchet.solvers.sample import SampleSolver


@dataclass(frozen=True)
class _WithExemplars:
    """A public part whose prompts carry the exemplar turns after the leading system messages;
    everything else is the wrapped part's."""

    inner: PublicSuite
    prefix: tuple[Message, ...] = ()

    def messages(self, task: Task) -> list[Message]:
        messages = self.inner.messages(task)
        head = _leading_system(messages)
        return messages[:head] + list(self.prefix) + messages[head:]

    def __getattr__(self, name: str) -> Any:  # name, extract, check_visible, episodes, settings
        if name.startswith("__") or name == "inner":
            raise AttributeError(name)
        return getattr(self.inner, name)


class FewShotSolver:
    """Wraps `base`: retrieve k exemplars for the task's prompt, show them, solve."""

    def __init__(self, source: ExemplarSource, k: int = 3, base: Solver | None = None) -> None:
        if k < 0:
            raise ValueError(f"k must be >= 0, got {k}")
        self.source = source
        self.k = k
        self.base = base or SampleSolver()
        self.name = f"fewshot-{self.base.name}"

    def check(self, view: SolverView, model: Model | None) -> None:
        """The base solver's own checks apply."""
        check = getattr(self.base, "check", None)
        if check is not None:
            check(view, model)

    def solve(self, task: Task, view: SolverView, model: Model, params: SamplingParams) -> Solution:
        exemplars = list(self.source.retrieve(task.prompt, self.k, exclude_task=task.id))
        exemplars = [e for e in exemplars if e.task_id != task.id]  # a source may ignore exclude
        prefix = tuple(m for e in exemplars for m in exemplar_messages(e))
        solution = self.base.solve(task, SolverView(_WithExemplars(view.public, prefix)), model, params)
        own = _strip_prefix(solution.trajectory, view.messages(task), prefix)
        return replace(solution, trajectory=own, exemplar_ids=tuple(e.id for e in exemplars))


def with_exemplars(base: Solver, source: ExemplarSource, k: int = 3,
                   state_source: ExemplarSource | None = None) -> Solver:
    """`base`, shown exemplars from `source`. A solver that retrieves for itself (a multi-turn
    agent with a `with_exemplars(source, state_source)` method) is handed the sources; any other
    is wrapped in a `FewShotSolver`."""
    attach = getattr(base, "with_exemplars", None)
    if attach is not None:
        return attach(source, state_source)
    return FewShotSolver(source, k, base)


def exemplar_messages(exemplar: Exemplar) -> list[Message]:
    """The turns of an exemplar to show: its user and assistant turns (tool turns as user)."""
    messages = []
    for turn in exemplar.trajectory:
        if turn.role == "system":
            continue
        role = "assistant" if turn.role == "assistant" else "user"
        messages.append({"role": role, "content": turn.content})
    return messages


def _leading_system(messages: list[Message]) -> int:
    head = 0
    while head < len(messages) and messages[head]["role"] == "system":
        head += 1
    return head


def _strip_prefix(trajectory: tuple[Turn, ...], task_messages: list[Message],
                  prefix: tuple[Message, ...]) -> tuple[Turn, ...]:
    """The trajectory without the exemplar turns, when it starts with the prompt we built."""
    if not prefix:
        return trajectory
    head = _leading_system(task_messages)
    start, end = head, head + len(prefix)
    shown = [{"role": t.role, "content": t.content} for t in trajectory[start:end]]
    if shown != list(prefix):
        return trajectory  # the base solver built its own prompt: keep what it recorded
    return trajectory[:start] + trajectory[end:]
