"""Suites: tasks with fixed splits, a prompt format, answer extraction and a verifier.

A suite has two parts. Its *public part* (`PublicSuite`) is what a solver may use: the prompt,
answer extraction, visible checks and, for environments, new episodes. It is built from visible
data only and holds no reference to the suite, so nothing a solver is handed leads to gold
answers, hidden tests, the verifier or the task lists of any split. The *hidden part* (the suite
object itself: `tasks`, `verify`, `gold`, ...) stays with the evaluation runner and the learners.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from ratchet.core.task import Split, Task
from ratchet.core.verdict import Verdict
from ratchet.errors import UserError

Message = dict[str, str]
_PUBLIC_LOCK = threading.RLock()


@runtime_checkable
class PublicSuite(Protocol):
    """What a solver may use of a suite, built from visible data only: no gold answer, hidden test,
    verifier or task list, and no reference to the suite object (nor through a bound method or a
    closure). Optional members: `has_visible_checks` (bool), and for environments `new_episode`,
    `multiline_actions`, `finish_hint` and `finish_action`."""

    name: str

    def messages(self, task: Task) -> list[Message]: ...

    def extract(self, task: Task, completion: str) -> str | None: ...

    def check_visible(self, task: Task, answer: str) -> Verdict | None: ...


@runtime_checkable
class Suite(Protocol):
    """A benchmark: tasks split into train/dev/test, and a verifier.

    `verify` may read hidden data (gold answers, hidden tests). Only the evaluation runner calls
    it; solvers get a `SolverView` over the suite's `public()` part, which has no `verify`.
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


class SuiteMethods:
    """The public part of a suite that does not build one (`public()`): its methods, bound.

    A bound method leads back to its suite (`__self__`), so for such a suite the wall is a
    convention, not a construction. Every built-in suite defines `public()`; a suite of your own
    should too (see docs/ARCHITECTURE.md)."""

    by_construction = False

    def __init__(self, suite: Suite) -> None:
        self.name = suite.name
        self.messages = suite.messages
        self.extract = suite.extract
        self.check_visible = suite.check_visible
        self.has_visible_checks = _overrides_check_visible(suite)
        for optional in ("new_episode", "multiline_actions", "finish_hint", "finish_action"):
            if hasattr(suite, optional):
                setattr(self, optional, getattr(suite, optional))


def _overrides_check_visible(suite: object) -> bool:
    method = getattr(suite, "check_visible", None)
    return method is not None and getattr(method, "__func__", None) is not SuiteBase.check_visible


def public_part(source: Suite | PublicSuite | SolverView) -> PublicSuite:
    """The public part of a suite (its `public()`), of a view, or `source` itself when it is one."""
    if isinstance(source, SolverView):
        return source.public
    public = getattr(source, "public", None)
    if callable(public):
        return public()
    if callable(getattr(source, "verify", None)):
        return SuiteMethods(source)  # type: ignore[arg-type]
    return source  # type: ignore[return-value]


@dataclass(frozen=True, init=False)
class SolverView:
    """What a solver gets of a suite: prompts, extraction, visible checks and episodes, through
    the suite's public part. `SolverView(suite)` keeps only `suite.public()`, never the suite."""

    public: PublicSuite

    def __init__(self, suite: Suite | PublicSuite | SolverView) -> None:
        object.__setattr__(self, "public", public_part(suite))

    @classmethod
    def for_task(cls, suite: Suite, task: Task) -> SolverView:
        """The view for solving `task` (what the runner hands a solver): for an environment with
        per-task worlds (sql, wordcraft) its episodes hold that task's world only, not every
        task's; for other suites, the same as `SolverView(suite)`."""
        public_for = getattr(suite, "public_for", None)
        return cls(public_for(task) if callable(public_for) else suite)

    @property
    def name(self) -> str:
        return self.public.name

    def messages(self, task: Task) -> list[Message]:
        return self.public.messages(task)

    def extract(self, task: Task, completion: str) -> str | None:
        return self.public.extract(task, completion)

    def check_visible(self, task: Task, answer: str) -> Verdict | None:
        return self.public.check_visible(task, answer)

    @property
    def has_visible_checks(self) -> bool:
        """Whether answers can be checked with visible information (e.g. docstring examples); a
        part that does not say is assumed to have some, and a task without them is handled per
        task (`check_visible` returns None)."""
        return bool(getattr(self.public, "has_visible_checks", True))

    @property
    def has_episodes(self) -> bool:
        """Whether the suite is an environment a multi-turn agent acts in (`ratchet.envs`)."""
        return callable(getattr(self.public, "new_episode", None))

    def new_episode(self, task: Task) -> Any:
        """A fresh episode of `task` (a `ratchet.envs.Episode`): observations and actions, and
        the environment's own end-of-episode signal, never the verifier."""
        if not self.has_episodes:
            raise UserError(f"suite '{self.name}' is not an environment: it has no episodes "
                            "for a multi-turn agent (try --suite sql or wordcraft)")
        return self.public.new_episode(task)  # type: ignore[attr-defined]

    def setting(self, name: str, default: Any = None) -> Any:
        """An optional setting of the public part (e.g. an environment's `finish_action`)."""
        return getattr(self.public, name, default)


class SuiteBase:
    """Shared plumbing: split bookkeeping and a serial `verify_many`. Subclasses set `name`,
    implement `all_tasks` and `verify`, and either `make_public` (a part built from visible data
    only, which `messages`, `extract` and `check_visible` then use) or, the older way, those
    three methods themselves (the view then holds them bound: a wall by convention only)."""

    name: str = "suite"

    def __init__(self) -> None:
        self._by_split: dict[Split, list[Task]] | None = None

    def make_public(self) -> PublicSuite | None:
        """The public part, built once; None (the default) when the subclass implements
        `messages` and `extract` itself."""
        return None

    def public(self) -> PublicSuite:
        """What a solver may use of this suite (see `PublicSuite`)."""
        with _PUBLIC_LOCK:  # built once, also when two threads ask first
            public = self.__dict__.get("_public_part")
            if public is None:
                public = self.make_public() or SuiteMethods(self)  # type: ignore[arg-type]
                self.__dict__["_public_part"] = public
            return public

    def public_for(self, task: Task) -> PublicSuite:
        """The public part for solving `task` (environments narrow their episodes' world to it)."""
        return self.public()

    def messages(self, task: Task) -> list[Message]:
        return self._own_public("messages").messages(task)

    def extract(self, task: Task, completion: str) -> str | None:
        return self._own_public("extract").extract(task, completion)

    def _own_public(self, method: str) -> PublicSuite:
        public = self.public()
        if isinstance(public, SuiteMethods):
            raise NotImplementedError(f"{type(self).__name__} must implement `make_public` or `{method}`")
        return public

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
        public = self.public()
        return None if isinstance(public, SuiteMethods) else public.check_visible(task, answer)
