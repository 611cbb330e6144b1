"""Bring your own suite: a JSONL file of tasks, plus (optionally) a Python verifier function.

Each JSONL line: {"id": "...", "prompt": "...", "answer": <gold>, "difficulty": 2 (optional, an
integer), "visible": {...} (optional), "split": "train" | "dev" | "test" (optional: on every line or
on none; without it the shared hash rule assigns splits)}. `answer` stays hidden from solvers. The
verifier receives `extract(completion)` (by default the text after the last "Answer:", or the last
line) and the gold answer; without a custom verifier they must be equal: exactly, to 1e-9, when
both are decimal numbers, else after trimming and lower-casing. A bad line is a one-line UserError
naming the file and line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from ratchet.core import Message, Split, Status, SuiteBase, Task, Verdict
from ratchet.errors import UserError

Verifier = Callable[[str, Any], "bool | float | Verdict"]
ANSWER = re.compile(r"answer\s*(?:is|:)\s*(.+)", re.IGNORECASE)
EXACT_NUMBER = re.compile(r"[-+]?(?:\d{1,60}(?:\.\d{0,60})?|\.\d{1,60})(?:[eE][-+]?\d{1,3})?")
DEFAULT_SYSTEM = "Solve the task. End your reply with a line 'Answer: <your answer>'."
SPLITS = tuple(split.value for split in Split)


def default_extract(completion: str) -> str | None:
    matches = ANSWER.findall(completion)
    if matches:
        return matches[-1].strip().rstrip(".").strip()
    lines = [line.strip() for line in completion.strip().splitlines() if line.strip()]
    return lines[-1] if lines else None


def default_verify(answer: str, gold: Any) -> bool:
    """Numbers compare exactly, to 1e-9 (floats would take 12345678901234567000 for
    12345678901234567890); anything else as trimmed, lower-cased text."""
    number, gold_number = _exact_number(str(answer)), _exact_number(str(gold))
    if number is not None and gold_number is not None:
        return abs(number - gold_number) < Fraction(1, 10**9)
    return str(answer).strip().lower() == str(gold).strip().lower()


def _exact_number(text: str) -> Fraction | None:
    """A decimal number's exact value; None for anything else (`1e999999999` too: Fraction would
    spend minutes computing it)."""
    text = text.strip().replace(",", "")
    return Fraction(text) if EXACT_NUMBER.fullmatch(text) else None


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
        self._tasks, self._gold, self._splits = _read_jsonl(self.path)

    def all_tasks(self) -> Sequence[Task]:
        return self._tasks

    @property
    def splits_given(self) -> bool:
        """Whether the file assigns the splits (a "split" field on every task)."""
        return bool(self._splits)

    def split_of(self) -> dict[str, Split]:
        """The file's own "split" fields when it gives them, else the rule every suite shares."""
        return dict(self._splits) if self._splits else super().split_of()

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


def _read_jsonl(path: Path) -> tuple[list[Task], dict[str, Any], dict[str, Split]]:
    """Tasks, gold answers and the splits the file gives (empty: the hash rule assigns them).
    Every problem is a one-line UserError naming the file and line."""
    if not path.is_file():
        raise UserError(f"no suite file at {path}")
    tasks, gold, splits = [], {}, {}
    for number, raw in enumerate(path.read_bytes().splitlines(), 1):
        if not raw.strip():
            continue
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise UserError(f"{path}:{number}: not UTF-8 text (byte 0x{raw[error.start]:02x} at column "
                            f"{error.start + 1}): save the file as UTF-8") from None
        row = _parse_line(path, number, line)
        task_id = str(row["id"])
        if task_id in gold:
            raise UserError(f"{path}:{number}: duplicate task id '{task_id}'")
        tasks.append(Task(task_id, row["prompt"], row.get("visible") or {}, row.get("difficulty")))
        gold[task_id] = row["answer"]
        if row.get("split") is not None:
            splits[task_id] = Split(row["split"])
        elif splits:
            raise UserError(f'{path}:{number}: task "{task_id}" has no "split" while earlier tasks have one: '
                            "give every task a split, or none")
    if not tasks:
        raise UserError(f"{path} holds no tasks")
    if splits and len(splits) != len(tasks):
        first = next(t.id for t in tasks if t.id not in splits)
        raise UserError(f'{path}: task "{first}" has no "split" while later tasks have one: give every '
                        "task a split, or none")
    return tasks, gold, splits


def _parse_line(path: Path, number: int, line: str) -> dict:
    """One task line as a dict with the right types, or a UserError naming the line and the field."""
    where = f"{path}:{number}"
    try:
        row = json.loads(line)
    except json.JSONDecodeError as error:
        raise UserError(f"{where}: malformed task line (JSONDecodeError: {error}); each line must be a "
                        'JSON object with "id", "prompt" and "answer"') from None
    if not isinstance(row, dict):
        raise UserError(f'{where}: a task line must be a JSON object with "id", "prompt" and "answer", '
                        f"got {type(row).__name__}")
    for key in ("id", "prompt", "answer"):
        if key not in row:
            raise UserError(f'{where}: task line has no "{key}"; each line must be a JSON object with "id", '
                            '"prompt" and "answer"')
    task = f'task "{row["id"]}"'
    if not isinstance(row["id"], (str, int)) or isinstance(row["id"], bool):
        raise UserError(f'{where}: "id" must be a string or an integer, got {type(row["id"]).__name__}')
    if not isinstance(row["prompt"], str):
        raise UserError(f'{where}: {task}: "prompt" must be a string, got {type(row["prompt"]).__name__}')
    if row.get("visible") is not None and not isinstance(row["visible"], dict):
        raise UserError(f'{where}: {task}: "visible" must be a JSON object (name -> value), '
                        f'got {type(row["visible"]).__name__}')
    difficulty = row.get("difficulty")
    if difficulty is not None and (not isinstance(difficulty, int) or isinstance(difficulty, bool)):
        raise UserError(f'{where}: {task}: "difficulty" must be an integer (or absent), got '
                        f"{type(difficulty).__name__} {json.dumps(difficulty)}")
    if row.get("split") is not None and row["split"] not in SPLITS:
        raise UserError(f'{where}: {task}: "split" must be one of train, dev, test, got {json.dumps(row["split"])}')
    return row
