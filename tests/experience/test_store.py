"""The experience store: append-only, idempotent writes, collections, JSONL, refusals."""

from __future__ import annotations

import json
import sqlite3

import pytest

from ratchet.errors import UserError
from ratchet.experience import SCHEMA_VERSION, ExperienceStore

from tests.experience.helpers import make_experience


@pytest.fixture
def store(tmp_path):
    with ExperienceStore.open(tmp_path / "store.sqlite") as opened:
        yield opened


def test_add_and_read_back_with_provenance(store):
    experiences = [make_experience(i, passed=i % 2 == 0, shown=("x", "y")) for i in range(6)]
    store.add(experiences)
    back = list(store.iter())
    assert back == experiences  # seq is not part of equality
    assert [e.seq for e in back] == sorted(e.seq for e in back)
    assert back[0].trajectory[1].content.startswith("Problem 0")
    assert back[0].exemplar_ids == ("x", "y") and back[0].prompt_tokens == 10
    assert [e.task_id for e in store.iter(passed=True)] == ["t0", "t2", "t4"]


def test_the_same_attempt_twice_is_stored_once(store):
    store.add([make_experience(1), make_experience(2)])
    store.add([make_experience(2), make_experience(3)])
    assert [e.task_id for e in store.iter()] == ["t1", "t2", "t3"]
    assert store.collections()["default"] == {"experiences": 3, "successes": 3, "tasks_solved": 3}


def test_collections_copy_and_get(store):
    store.add([make_experience(i, passed=i != 1) for i in range(3)])
    assert store.copy_collection("default", "copy", passed_only=True) == 2
    assert store.copy_collection("default", "copy", passed_only=True) == 2  # idempotent
    assert store.collections()["copy"]["experiences"] == 2
    first = make_experience(0)
    assert store.get(first.id[:8]).task_id == "t0"
    assert store.get(first.id, "copy").collection == "copy"
    assert store.get("ffffffffff") is None
    assert store.ids("copy") == {make_experience(0).id, make_experience(2).id}


def test_jsonl_round_trip_is_exact_and_import_is_idempotent(store, tmp_path):
    store.add([make_experience(i, passed=i % 3 != 0, shown=(str(i),)) for i in range(5)])
    out = tmp_path / "out.jsonl"
    assert store.export_jsonl(out) == 5
    with ExperienceStore.open(tmp_path / "other.sqlite") as other:
        assert other.import_jsonl(out) == 5
        other.import_jsonl(out)
        assert list(other.iter()) == list(store.iter())
        other.export_jsonl(tmp_path / "again.jsonl")
    assert (tmp_path / "again.jsonl").read_text() == out.read_text()
    line = json.loads(out.read_text().splitlines()[0])
    assert {"suite", "task_id", "model", "strategy", "run", "iteration", "passed", "prompt_tokens"} <= set(line)


def test_bad_jsonl_line_is_a_user_error(store, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1}\n')
    with pytest.raises(UserError, match="bad.jsonl:1 is not an exported experience"):
        store.import_jsonl(bad)


def test_a_file_that_is_not_a_store_is_refused(tmp_path):
    text = tmp_path / "notes.sqlite"
    text.write_text("hello, not a database")
    with pytest.raises(UserError, match="not an experience store") as info:
        ExperienceStore.open(text)
    assert "\n" not in str(info.value)
    assert text.read_text() == "hello, not a database"  # nothing written


def test_another_sqlite_database_is_refused(tmp_path):
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE things (x)")
    with pytest.raises(UserError, match="has tables things but no ratchet_meta"):
        ExperienceStore.open(other)


def test_a_directory_or_missing_file_is_refused(tmp_path):
    with pytest.raises(UserError, match="is a directory"):
        ExperienceStore.open(tmp_path)
    with pytest.raises(UserError, match="no experience store at"):
        ExperienceStore.open(tmp_path / "missing.sqlite", create=False)
    assert not (tmp_path / "missing.sqlite").exists()


def test_a_store_from_a_newer_schema_is_refused(tmp_path):
    path = tmp_path / "store.sqlite"
    ExperienceStore.open(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE ratchet_meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    with pytest.raises(UserError, match=f"newer Ratchet \\(store schema v{SCHEMA_VERSION + 1}") as info:
        ExperienceStore.open(path)
    assert "\n" not in str(info.value)


def test_sqlite_store_uses_wal(tmp_path):
    path = tmp_path / "store.sqlite"
    with ExperienceStore.open(path) as store:
        store.add([make_experience(0)])
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


def test_a_sqlite_url_is_the_same_store(tmp_path):
    path = tmp_path / "store.sqlite"
    with ExperienceStore.open(path) as store:
        store.add([make_experience(0)])
    with ExperienceStore.open(f"sqlite:///{path}") as same:
        assert [e.task_id for e in same.iter()] == ["t0"]
    with pytest.raises(UserError, match="unsupported store URL 'mysql://"):
        ExperienceStore.open("mysql://localhost/x")
