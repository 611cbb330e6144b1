"""Bring your own suite: a JSONL file of tasks, plus (optionally) a Python verifier function.

Each JSONL line: {"id": "...", "prompt": "...", "answer": <gold>, "difficulty": 2 (optional),
"visible": {...} (optional)}. `answer` stays hidden from solvers. Without a custom verifier the
answer after "Answer:" (or the last line) must equal the gold answer: numerically when both are
numbers, else after trimming and lower-casing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ratchet.core import Message, Status, SuiteBase, Task, Verdict
from ratchet.errors import UserError

Verifier = Callable[[str, Any], "bool | float | Verdict"]
ANSWER = re.compile(r"answer\s*(?:is|:)\s*(.+)", re.IGNORECASE)
DEFAULT_SYSTEM = "Solve the task. End your reply with a line 'Answer: <your answer>'."


def default_extract(completion: str) -> str | None:
    matches = ANSWER.findall(completion)
    if matches:
        return matches[-1].strip().rstrip(".").strip()
    lines = [line.strip() for line in completion.strip().splitlines() if line.strip()]
    return lines[-1] if lines else None


def default_verify(answer: str, gold: Any) -> bool:
    try:
        return abs(float(str(answer).replace(",", "")) - float(gold)) < 1e-9
    except (TypeError, ValueError):
        return str(answer).strip().lower() == str(gold).strip().lower()


@dataclass(frozen=True)
class JsonlPublic:
    """What a solver may use of a JSONL suite: the system prompt and the answer extraction (the
    user's `extract` function; it should not close over the gold answers)."""

    name: str
    system: str
    extract_answer: Callable[[str], str | None]
    has_visible_checks = False

    def messages(self, task: Task) -> list[Message]:
        return [{"role": "system", "content": self.system}, {"role": "user", "content": task.prompt}]

    def extract(self, task: Task, completion: str) -> str | None:
        return self.extract_answer(completion)

    def check_visible(self, task: Task, answer: str) -> Verdict | None:
        return None


class JsonlSuite(SuiteBase):
    def __init__(
        self,
        path: str | Path,
        verify: Verifier = default_verify,
        name: str | None = None,
        system: str = DEFAULT_SYSTEM,
        extract: Callable[[str], str | None] = default_extract,
    ) -> None:
        super().__init__()
        self.path = Path(path)
        self.name = name or self.path.stem
        self._verify_fn = verify
        self._extract_fn = extract
        self.system = system
        self._tasks, self._gold = _read_jsonl(self.path)

    def all_tasks(self) -> Sequence[Task]:
        return self._tasks

    def make_public(self) -> JsonlPublic:
        return JsonlPublic(self.name, self.system, self._extract_fn)

    def gold(self, task: Task) -> Any:
        return self._gold[task.id]

    def verify(self, task: Task, completion: str) -> Verdict:
        answer = self.extract(task, completion)
        if answer is None:
            return Verdict.fail("no answer found", Status.BAD_FORMAT)
        try:
            outcome = self._verify_fn(answer, self._gold[task.id])
        except Exception as error:  # the user's verifier crashed on this answer: a verdict
            return Verdict.fail(f"verifier raised {type(error).__name__}: {error}", Status.ERROR)
        if isinstance(outcome, Verdict):
            return outcome
        score = float(outcome)
        if score >= 1.0:
            return Verdict.ok()
        return Verdict(False, Status.FAIL, score, "wrong answer")


def _read_jsonl(path: Path) -> tuple[list[Task], dict[str, Any]]:
    if not path.is_file():
        raise UserError(f"no suite file at {path}")
    tasks, gold = [], {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            task_id, prompt = str(row["id"]), row["prompt"]
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise UserError(
                f"{path}:{number}: malformed task line ({type(error).__name__}: {error}); "
                'each line must be a JSON object with "id", "prompt" and "answer"'
            ) from None
        if task_id in gold:
            raise UserError(f"{path}:{number}: duplicate task id '{task_id}'")
        if "answer" not in row:
            raise UserError(f'{path}:{number}: task "{task_id}" has no "answer"')
        tasks.append(Task(task_id, prompt, row.get("visible", {}), row.get("difficulty")))
        gold[task_id] = row["answer"]
    if not tasks:
        raise UserError(f"{path} holds no tasks")
    return tasks, gold
