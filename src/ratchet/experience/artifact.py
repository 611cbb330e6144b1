"""The experience database as an artifact: saved to its own store file, loaded as an exemplar
source, and diffed against another.

A database is a store location plus a collection, written `PATH` or `PATH#collection`. Without a
collection, `default` is used if present, else the only collection the store holds.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ratchet.errors import UserError
from ratchet.experience.experience import DEFAULT_COLLECTION
from ratchet.experience.retrieval import StoreRetriever
from ratchet.experience.store import ExperienceStore
from ratchet.experience.utility import UtilityRanking

RANKING_KEY = "utility_ranking"


@dataclass(frozen=True)
class DatabaseRef:
    location: str
    collection: str | None = None

    @classmethod
    def parse(cls, spec: str | Path) -> DatabaseRef:
        text = str(spec)
        location, _, collection = text.partition("#")
        return cls(location, collection or None)

    def __str__(self) -> str:
        return self.location + (f"#{self.collection}" if self.collection else "")


def resolve_collection(store: ExperienceStore, wanted: str | None) -> str:
    """The collection to use: the one asked for, else `default`, else the only one."""
    names = store.collections()
    if wanted is not None:
        if wanted not in names:
            raise UserError(
                f"{store.location} has no collection '{wanted}'; it has: {', '.join(names) or 'none'}"
            )
        return wanted
    if DEFAULT_COLLECTION in names or not names:
        return DEFAULT_COLLECTION
    if len(names) == 1:
        return next(iter(names))
    raise UserError(
        f"{store.location} holds several collections ({', '.join(names)}): "
        f"name one as {store.location}#NAME"
    )


def save_database(store: ExperienceStore, collection: str, path: Path, *,
                  passed_only: bool = False, keep_ids: set[str] | None = None,
                  ranking: UtilityRanking | None = None) -> Path:
    """Write a collection to its own store file (as its `default` collection). An existing file
    is replaced, never appended to, so the artifact holds exactly this database. A `ranking`
    (exemplar curation) is saved with it, and every retrieval from the file applies it."""
    path = Path(path)
    tmp = path.with_name(path.name + ".partial")
    for stale in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        stale.unlink(missing_ok=True)
    with ExperienceStore.open(tmp) as target:
        batch = []
        for experience in store.iter(collection=collection, passed=True if passed_only else None):
            if keep_ids is None or experience.id in keep_ids:
                batch.append(experience.in_collection(DEFAULT_COLLECTION))
            if len(batch) >= 1000:
                target.add(batch)
                batch = []
        target.add(batch)
        if ranking is not None:
            target.put_meta(RANKING_KEY, ranking.to_text())
    tmp.replace(path)
    return path


def load_exemplar_source(spec: str | Path, *, suite: str | None = None, by: str = "task") -> StoreRetriever:
    """A BM25 exemplar source over a saved database, ranked by the utilities it carries if it
    was curated. A database with no success for `suite` is a `UserError`: few-shot from nothing
    is not what the user asked for."""
    ref = DatabaseRef.parse(spec)
    store = ExperienceStore.open(ref.location, create=False)
    collection = resolve_collection(store, ref.collection)
    saved = store.meta(RANKING_KEY)
    ranking = UtilityRanking.from_text(saved).retriever_kwargs() if saved else {}
    retriever = StoreRetriever(store, collection=collection, suite=suite, by=by, **ranking)
    if len(retriever) == 0:
        where = f" for suite '{suite}'" if suite else ""
        raise UserError(f"{ref} holds no successful trajectory{where}: nothing to use as exemplars")
    return retriever


@dataclass(frozen=True)
class DatabaseDiff:
    """What two databases hold differently: experience ids and solved tasks on each side."""

    only_a: tuple[str, ...]
    only_b: tuple[str, ...]
    common: int
    tasks_only_a: tuple[str, ...]
    tasks_only_b: tuple[str, ...]
    successes: tuple[int, int] = (0, 0)
    by_suite: dict[str, tuple[int, int]] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "only_a": list(self.only_a), "only_b": list(self.only_b), "common": self.common,
            "tasks_only_a": list(self.tasks_only_a), "tasks_only_b": list(self.tasks_only_b),
            "successes": list(self.successes), "by_suite": {k: list(v) for k, v in self.by_suite.items()},
        }


def diff_databases(a: ExperienceStore, a_collection: str, b: ExperienceStore, b_collection: str) -> DatabaseDiff:
    """Compare the successful experiences of two databases by id and by solved task."""
    succ_a = {e.id: e for e in a.iter(collection=a_collection, passed=True)}
    succ_b = {e.id: e for e in b.iter(collection=b_collection, passed=True)}
    tasks_a = {(e.suite, e.task_id) for e in succ_a.values()}
    tasks_b = {(e.suite, e.task_id) for e in succ_b.values()}
    suites_a = Counter(e.suite for e in succ_a.values())
    suites_b = Counter(e.suite for e in succ_b.values())
    return DatabaseDiff(
        only_a=tuple(sorted(set(succ_a) - set(succ_b))),
        only_b=tuple(sorted(set(succ_b) - set(succ_a))),
        common=len(set(succ_a) & set(succ_b)),
        tasks_only_a=tuple(f"{s}/{t}" for s, t in sorted(tasks_a - tasks_b)),
        tasks_only_b=tuple(f"{s}/{t}" for s, t in sorted(tasks_b - tasks_a)),
        successes=(len(succ_a), len(succ_b)),
        by_suite={s: (suites_a[s], suites_b[s]) for s in sorted(set(suites_a) | set(suites_b))},
    )
