"""SQLite/PostgreSQL parity: the same operations give the same answers on a real server."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ratchet.errors import UserError
from ratchet.experience import ExperienceStore, StoreRetriever, diff_databases

from tests.experience.helpers import make_experience


def exercise(store: ExperienceStore, tmp_path, tag: str) -> dict:
    """Run every store operation and return what each one answered."""
    experiences = [make_experience(i, passed=i % 4 != 0, shown=(f"e{i - 1}",) if i else ()) for i in range(25)]
    store.add(experiences[:15])
    store.add(experiences[10:])  # overlapping: stored once
    store.copy_collection("default", "copy", passed_only=True)
    store.add([make_experience(3, collection="copy")])  # already there
    out = tmp_path / f"{tag}.jsonl"
    store.export_jsonl(out)
    retriever = StoreRetriever(store, suite="toy")
    hits = retriever.retrieve("bakery bread loaves flour", 4, exclude_task="t3")
    with ExperienceStore.open(tmp_path / f"{tag}-imported.sqlite") as imported:
        imported.import_jsonl(out)
        round_trip = list(imported.iter(collection=None))
    return {
        "rows": list(store.iter(collection=None)),
        "successes": [e.task_id for e in store.iter(passed=True)],
        "collections": store.collections(),
        "get": store.get(make_experience(7).id[:7], "copy"),
        "ids": store.ids("copy"),
        "export": out.read_text(),
        "round_trip": round_trip,
        "hits": [(e.task_id, e.score) for e in hits],
        "diff": diff_databases(store, "default", store, "copy").to_json(),
    }


def test_postgres_and_sqlite_answer_the_same(tmp_path, postgres_store_url):
    with ExperienceStore.open(tmp_path / "store.sqlite") as lite:
        expected = exercise(lite, tmp_path, "sqlite")
    with ExperienceStore.open(postgres_store_url) as pg:
        assert pg.engine.dialect.name == "postgresql"
        got = exercise(pg, tmp_path, "postgres")
    assert got == expected
    assert len(expected["rows"]) == 25 + 18
    with ExperienceStore.open(postgres_store_url) as reopened:  # the schema is found, not redone
        assert reopened.collections() == expected["collections"]


def test_postgres_refuses_a_newer_schema_and_foreign_databases(postgres_store_url, postgres_url):
    ExperienceStore.open(postgres_store_url).close()
    engine = sa.create_engine("postgresql+psycopg://" + postgres_store_url.split("://", 1)[1])
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE ratchet_meta SET value = '99' WHERE key = 'schema_version'"))
        conn.execute(sa.text("CREATE TABLE other (x int)"))
    engine.dispose()
    with pytest.raises(UserError, match="newer Ratchet"):
        ExperienceStore.open(postgres_store_url)
    with pytest.raises(UserError, match="cannot connect to the experience store"):
        ExperienceStore.open(postgres_url.rsplit("/", 1)[0] + "/no_such_database")
