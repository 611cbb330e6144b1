"""The `gsm` suite: generated grade-school math word problems with exact integer answers."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from ratchet.core import Message, Status, SuiteBase, Task, Verdict
from ratchet.errors import UserError
from ratchet.suites.gsm.answer import answer_matches, extract_answer
from ratchet.suites.gsm.generate import Instance, generate

SYSTEM_PROMPT = "You are a careful math tutor. You solve word problems step by step."

INSTRUCTIONS = (
    "Solve the problem step by step, showing each calculation. Then end your response with a "
    'final line of the form "#### <integer>", giving only the final answer as a number, '
    'for example "#### 42".'
)


@dataclass(frozen=True)
class GsmPublic:
    """What a solver may use of gsm: the prompt and the answer extraction, nothing generated."""

    name: str = "gsm"
    has_visible_checks = False

    def messages(self, task: Task) -> list[Message]:
        return [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": f"{task.prompt}\n\n{INSTRUCTIONS}"},
        ]

    def extract(self, task: Task, completion: str) -> str | None:
        return extract_answer(completion)

    def check_visible(self, task: Task, answer: str) -> Verdict | None:
        return None


class GsmSuite(SuiteBase):
    """Word problems drawn from `TEMPLATES`, 2 to 6 arithmetic steps each; difficulty = steps.

    Gold answers and worked solutions stay inside the suite (`gold`, `solution_steps`); a task
    shows only the problem text and its template name.
    """

    name = "gsm"

    def __init__(self, n: int = 3000, seed: int = 0) -> None:
        super().__init__()
        if n < 1:
            raise UserError(f"gsm needs at least one problem, got n={n}; pass n >= 1")
        self.n = n
        self.seed = seed

    @cached_property
    def _instances(self) -> dict[str, Instance]:
        return {instance.id: instance for instance in generate(self.n, self.seed)}

    @cached_property
    def _tasks(self) -> list[Task]:
        return [
            Task(
                id=instance.id,
                prompt=instance.problem,
                visible={"template": instance.template},
                difficulty=instance.difficulty,
            )
            for instance in self._instances.values()
        ]

    def all_tasks(self) -> Sequence[Task]:
        return list(self._tasks)

    def make_public(self) -> GsmPublic:
        return GsmPublic(self.name)

    def verify(self, task: Task, completion: str) -> Verdict:
        # The feedback never states the expected answer: it would leak the gold to a solver.
        started = time.perf_counter()
        answer = self.extract(task, completion)
        if answer is None:
            return Verdict.fail("no answer found", Status.BAD_FORMAT, time.perf_counter() - started)
        if answer_matches(answer, self.gold(task)):
            return Verdict.ok(seconds=time.perf_counter() - started)
        return Verdict.fail("wrong answer", seconds=time.perf_counter() - started)

    def gold(self, task: Task) -> int:
        """The hidden integer answer (for the verifier and for training code that needs gold)."""
        return self._instance(task).answer

    def solution_steps(self, task: Task) -> list[str]:
        """A worked solution, one arithmetic step a line, e.g. "Ana bakes 4 * 12 = 48 muffins."."""
        return list(self._instance(task).steps)

    def worked_solution(self, task: Task) -> str:
        """The steps followed by the final "#### <answer>" line, as the prompt asks for."""
        return "\n".join([*self.solution_steps(task), f"#### {self.gold(task)}"])

    def _instance(self, task: Task) -> Instance:
        try:
            return self._instances[task.id]
        except KeyError:
            raise UserError(
                f"task {task.id!r} is not in gsm(n={self.n}, seed={self.seed}); "
                "use a task from this suite's tasks()"
            ) from None
