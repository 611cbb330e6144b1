"""Suites: tasks with fixed splits, a prompt format, answer extraction and a verifier."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from ratchet.core.task import Split, Task
from ratchet.core.verdict import Verdict
from ratchet.errors import UserError

Message = dict[str, str]


@runtime_checkable
class Suite(Protocol):
    """A benchmark: tasks split into train/dev/test, and a verifier.

    `verify` may read hidden data (gold answers, hidden tests). Only the evaluation runner calls
    it; solvers get a `SolverView`, which has no `verify`.
    """

    name: str

    def tasks(self, split: Split | None = None) -> Sequence[Task]: ...

    def messages(self, task: Task) -> list[Message]:
        """The chat prompt for solving `task` in one go."""
        ...

    def extract(self, task: Task, completion: str) -> str | None:
        """The answer (code, number, ...) inside a model output, or None when there is none."""
        ...

    def verify(self, task: Task, completion: str) -> Verdict:
        """Judge a completion against hidden information."""
        ...

    def verify_many(self, items: Sequence[tuple[Task, str]]) -> list[Verdict]: ...

    def check_visible(self, task: Task, answer: str) -> Verdict | None:
        """Judge an answer with visible information only (docstring examples); None if none."""
        ...


@dataclass(frozen=True)
class SolverView:
    """What a solver may use of a suite: prompts, extraction and visible checks, never `verify`."""

    suite: Suite

    @property
    def name(self) -> str:
        return self.suite.name

    def messages(self, task: Task) -> list[Message]:
        return self.suite.messages(task)

    def extract(self, task: Task, completion: str) -> str | None:
        return self.suite.extract(task, completion)

    def check_visible(self, task: Task, answer: str) -> Verdict | None:
        return self.suite.check_visible(task, answer)

    @property
    def has_episodes(self) -> bool:
        """Whether the suite is an environment a multi-turn agent acts in (`ratchet.envs`)."""
        return callable(getattr(self.suite, "new_episode", None))

    def new_episode(self, task: Task) -> Any:
        """A fresh episode of `task` (a `ratchet.envs.Episode`): observations and actions, and
        the environment's own end-of-episode signal, never the verifier."""
        if not self.has_episodes:
            raise UserError(f"suite '{self.suite.name}' is not an environment: it has no episodes "
                            "for a multi-turn agent (try --suite sql or wordcraft)")
        return self.suite.new_episode(task)  # type: ignore[attr-defined]


class SuiteBase:
    """Shared plumbing: split bookkeeping and a serial `verify_many`. Subclasses set `name`,
    implement `all_tasks`, `messages`, `extract` and `verify`."""

    name: str = "suite"

    def __init__(self) -> None:
        self._by_split: dict[Split, list[Task]] | None = None

    def all_tasks(self) -> Sequence[Task]:
        raise NotImplementedError

    def split_of(self) -> dict[str, Split]:
        from ratchet.core.task import assign_splits

        return assign_splits(self.name, [task.id for task in self.all_tasks()])

    def tasks(self, split: Split | None = None) -> Sequence[Task]:
        tasks = self.all_tasks()
        if split is None:
            return list(tasks)
        if self._by_split is None:
            splits = self.split_of()
            self._by_split = {s: [] for s in Split}
            for task in tasks:
                self._by_split[splits[task.id]].append(task)
        return list(self._by_split[Split(split)])

    def verify_many(self, items: Sequence[tuple[Task, str]]) -> list[Verdict]:
        return [self.verify(task, completion) for task, completion in items]  # type: ignore[attr-defined]

    def check_visible(self, task: Task, answer: str) -> Verdict | None:
        return None
