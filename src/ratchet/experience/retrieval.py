"""Retrieval of the k most similar successful trajectories: BM25 (bm25s) over a store.

`StoreRetriever` is an `ExemplarSource`. It reads only successful experiences of one collection
(and one suite, if given), by task text (`by="task"`) or by state window (`by="state"`: one
document per assistant step of a multi-turn trajectory, keyed by the turns just before it, so an
agent can ask "what did a successful run do in a state like this one?").

The index grows incrementally: each `retrieve` first reads the rows appended since the last one
(one indexed query) and tokenises only those; `BM25Index` (see `bm25.py`) scores new documents
in a delta until it is worth rebuilding the main index. `max_seq` freezes the database at a size,
for the growth curve. `index="dense"` swaps BM25 for MiniLM sentence embeddings (optional:
`ratchet.experience.dense`).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ratchet.core import Exemplar, Turn
from ratchet.experience.bm25 import BM25Index, tokenize  # noqa: F401 - re-exported
from ratchet.experience.experience import DEFAULT_COLLECTION, Experience
from ratchet.experience.store import ExperienceStore


@dataclass(frozen=True)
class _Doc:
    """One indexed document: which experience, and which step of it (None: the whole task).
    Texts and trajectories stay in the store and are read back for the k chosen only."""

    experience_id: str
    task_id: str
    step: int | None = None


class StoreRetriever:
    """The k best successful trajectories of a collection for a query (an `ExemplarSource`).

    `utility` (exemplar id -> empirical utility, see `ratchet.experience.utility`) turns on exemplar
    curation at retrieval: candidates are re-ranked by BM25 (scaled to the best candidate) plus
    `utility_weight` × utility, and those below `min_utility` are never shown.
    """

    def __init__(
        self,
        store: ExperienceStore,
        *,
        collection: str = DEFAULT_COLLECTION,
        suite: str | None = None,
        by: str = "task",
        window: int = 4,
        max_seq: int | None = None,
        utility: Mapping[str, float] | None = None,
        utility_weight: float = 1.0,
        min_utility: float | None = None,
        index: str = "bm25",
    ) -> None:
        if by not in ("task", "state"):
            raise ValueError(f"by must be 'task' or 'state', got {by!r}")
        if index not in ("bm25", "dense"):
            raise ValueError(f"index must be 'bm25' or 'dense', got {index!r}")
        self.store, self.collection, self.suite = store, collection, suite
        self.by, self.window, self.max_seq = by, window, max_seq
        self.utility = dict(utility or {})
        self.utility_weight, self.min_utility = utility_weight, min_utility
        self.index = BM25Index() if index == "bm25" else _dense_index()
        self._docs: list[_Doc] = []
        self._by_task: dict[str, list[int]] = {}
        self._hidden: np.ndarray | None = None  # documents below min_utility, cached
        self._last_seq = 0
        self._lock = threading.RLock()  # refresh and search must see the same documents

    def __len__(self) -> int:
        self.refresh()
        return len(self._docs)

    def refresh(self) -> int:
        """Index the successes appended since the last call; returns how many were added."""
        with self._lock:
            if self.max_seq is not None and self._last_seq >= self.max_seq:
                return 0
            new = list(self.store.iter(collection=self.collection, suite=self.suite, passed=True,
                                       after_seq=self._last_seq, max_seq=self.max_seq))
            if not new:
                return 0
            self._last_seq = new[-1].seq
            pairs = [pair for e in new for pair in self._documents(e)]
            self.index.add([text for _, text in pairs])
            docs = [doc for doc, _ in pairs]
            for position, doc in enumerate(docs, start=len(self._docs)):
                self._by_task.setdefault(doc.task_id, []).append(position)
            self._docs.extend(docs)
            self._hidden = None
            return len(new)

    def _documents(self, experience: Experience) -> list[tuple[_Doc, str]]:
        if self.by == "task":
            return [(_Doc(experience.id, experience.task_id), experience.key)]
        return [
            (_Doc(experience.id, experience.task_id, step), window_text(turns))
            for step, turns in enumerate(state_windows(experience.trajectory, self.window))
        ]

    def retrieve(self, query: str, k: int, exclude_task: str | None = None) -> list[Exemplar]:
        """Up to k exemplars, one per task, never from `exclude_task`, best first."""
        if k <= 0:
            return []
        with self._lock:
            self.refresh()
            weights = self._weights(exclude_task)
            hits = self.index.search(query, k=4 * k + 8, weights=weights)
            ranked = self._rank(hits)
        picked: list[tuple[_Doc, float]] = []
        seen: set[str] = set()
        for position, score in ranked:
            doc = self._docs[position]
            if doc.task_id not in seen:
                seen.add(doc.task_id)
                picked.append((doc, score))
            if len(picked) == k:
                break
        return self._exemplars(picked)

    def _exemplars(self, picked: list[tuple[_Doc, float]]) -> list[Exemplar]:
        found = self.store.get_many([doc.experience_id for doc, _ in picked], self.collection)
        exemplars = []
        for doc, score in picked:
            experience = found[doc.experience_id]
            key, turns = experience.key, experience.trajectory
            if doc.step is not None:
                turns = state_windows(experience.trajectory, self.window)[doc.step]
                key = window_text(turns)
            exemplars.append(Exemplar(doc.experience_id, experience.suite, doc.task_id, key, turns,
                                      round(score, 4)))
        return exemplars

    def _weights(self, exclude_task: str | None) -> np.ndarray | None:
        """Zero for the excluded task's documents and for curated-out exemplars, else one."""
        own = self._by_task.get(exclude_task, []) if exclude_task is not None else []
        hidden = self._hidden_by_utility()
        if not own and not hidden.size:
            return None
        weights = np.ones(len(self._docs), dtype=np.float32)
        weights[hidden] = 0.0
        weights[own] = 0.0
        return weights

    def _hidden_by_utility(self) -> np.ndarray:
        if self._hidden is None:
            low = [] if self.min_utility is None else [
                i for i, d in enumerate(self._docs)
                if self.utility.get(d.experience_id, 0.0) < self.min_utility
            ]
            self._hidden = np.asarray(low, dtype=np.int64)
        return self._hidden

    def _rank(self, hits: list[tuple[int, float]]) -> list[tuple[int, float]]:
        if not hits or not self.utility:
            return hits
        best = max(score for _, score in hits)
        best = best if best > 0 else 1.0
        rescored = [
            (pos, score / best + self.utility_weight * self.utility.get(self._docs[pos].experience_id, 0.0))
            for pos, score in hits
        ]
        return sorted(rescored, key=lambda item: -item[1])


def _dense_index():  # noqa: ANN202 - imported lazily: the dense path is optional
    from ratchet.experience.dense import DenseIndex

    return DenseIndex()


def state_windows(trajectory: Sequence[Turn], window: int) -> list[tuple[Turn, ...]]:
    """For each assistant turn after the first user turn, the `window` turns before it and the
    turn itself: what the agent saw and what it did next."""
    turns = [t for t in trajectory if t.role != "system"]
    return [
        tuple(turns[max(0, i - window):i + 1])
        for i, turn in enumerate(turns)
        if turn.role == "assistant" and i > 0
    ]


def window_text(turns: Sequence[Turn]) -> str:
    """The retrieval key of a state window: the observations and actions before the last step."""
    return "\n".join(t.content for t in turns[:-1])
