"""Exemplars: stored successful trajectories shown to a model as in-context examples."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from ratchet.core.attempt import Turn


@dataclass(frozen=True)
class Exemplar:
    """One successful trajectory, as retrieved for a new task.

    `key` is the text it was retrieved by (the task prompt, or a state window for multi-turn
    agents); `trajectory` holds the turns to show (typically the user prompt and the final
    assistant answer, or the thought/action/observation steps of an episode).
    """

    id: str
    suite: str
    task_id: str
    key: str
    trajectory: tuple[Turn, ...]
    score: float = 0.0  # retrieval score, for reports


@runtime_checkable
class ExemplarSource(Protocol):
    """Anything that returns the k most useful exemplars for a query (BM25 over a store, a fixed
    set loaded from a file, ...). `exclude_task` keeps a task's own trajectory out of its prompt."""

    def retrieve(self, query: str, k: int, exclude_task: str | None = None) -> Sequence[Exemplar]: ...
