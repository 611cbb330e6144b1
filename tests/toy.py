"""A tiny in-memory suite for unit tests: "what is a + b?" with hidden gold answers."""

from __future__ import annotations

from ratchet.core import Status, SuiteBase, Task, Verdict


class AdditionSuite(SuiteBase):
    name = "addition"

    def __init__(self, n: int = 20, hidden_guard: bool = False) -> None:
        super().__init__()
        self._tasks = [Task(f"add/{i}", f"What is {i} + {i + 1}?", difficulty=1 + i % 3) for i in range(n)]
        self._gold = {f"add/{i}": 2 * i + 1 for i in range(n)}
        self.verify_calls = 0

    def all_tasks(self):
        return self._tasks

    def messages(self, task):
        return [{"role": "user", "content": task.prompt}]

    def extract(self, task, completion):
        digits = "".join(ch for ch in completion if ch.isdigit())
        return digits or None

    def verify(self, task, completion):
        self.verify_calls += 1
        answer = self.extract(task, completion)
        if answer is None:
            return Verdict.fail("no number", Status.BAD_FORMAT)
        return Verdict.ok() if int(answer) == self._gold[task.id] else Verdict.fail("wrong")


def solve_correctly(messages, params):
    text = messages[-1]["content"]
    a, b = [int(x) for x in text.replace("?", "").split() if x.isdigit()]
    return str(a + b)
