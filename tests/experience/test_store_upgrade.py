"""Stores record how many of an experience's tokens were replayed from the response cache; stores
written before that (schema v1) are upgraded when opened."""

import sqlite3
from dataclasses import replace

from ratchet.core import Attempt, Solution, Usage, Verdict
from ratchet.experience import SCHEMA_VERSION, ExperienceStore, experience_from_attempt

from .helpers import make_experience


def _as_v1(path) -> None:
    """Turn a store into what Ratchet wrote before `replayed_tokens` existed."""
    with sqlite3.connect(path) as conn:
        conn.execute("ALTER TABLE experiences DROP COLUMN replayed_tokens")
        conn.execute("UPDATE ratchet_meta SET value = '1' WHERE key = 'schema_version'")


def test_a_replayed_attempt_records_its_replayed_tokens(tmp_path):
    usage = Usage(30, 12, calls=1, cached_calls=1, replayed_prompt_tokens=30, replayed_completion_tokens=12)
    attempt = Attempt("t1", 0, Solution("x", "x", usage=usage), Verdict.ok())
    experience = experience_from_attempt(attempt, suite="toy", key="k", model="m", run="r")
    assert experience.replayed_tokens == 42
    with ExperienceStore.open(tmp_path / "s.sqlite") as store:
        store.add([experience])
        assert next(iter(store.iter(collection=None))).replayed_tokens == 42


def test_a_v1_store_is_upgraded_and_keeps_its_experiences(tmp_path):
    path = tmp_path / "old.sqlite"
    with ExperienceStore.open(path) as store:
        store.add([make_experience(1)])
    _as_v1(path)
    with ExperienceStore.open(path) as store:
        assert store.meta("schema_version") == str(SCHEMA_VERSION)
        (old,) = list(store.iter(collection=None))
        assert old.replayed_tokens == 0 and old.prompt_tokens == 11
        store.add([replace(make_experience(2), replayed_tokens=5)])
        assert sorted(e.replayed_tokens for e in store.iter(collection=None)) == [0, 5]


def test_a_bootstrap_served_from_the_cache_reports_its_tokens_as_replayed(tmp_path, capsys):
    """The same Traj-Bootstrap run again into a new directory, with the response cache: every
    train attempt is replayed, so no bootstrap token counts as generated."""
    from ratchet.cli.improve_cmd import print_result
    from ratchet.learn.bootstrap import BootstrapConfig, traj_bootstrap
    from ratchet.models import CachedModel, ResponseCache, ScriptedModel
    from tests.toy import AdditionSuite, solve_correctly

    config = BootstrapConfig(suite="addition", model="scripted", checkpoints=2, shots=2, base_samples=2)
    cache = ResponseCache(tmp_path / "cache.sqlite")
    first = traj_bootstrap(config, AdditionSuite(30), CachedModel(ScriptedModel(solve_correctly), cache),
                           tmp_path / "a")
    again = traj_bootstrap(config, AdditionSuite(30), CachedModel(ScriptedModel(solve_correctly), cache),
                           tmp_path / "b")
    spent = first.cost["prompt_tokens"] + first.cost["completion_tokens"]
    assert first.cost["replayed_tokens"] == 0 and spent > 0
    assert again.cost["replayed_tokens"] == again.cost["prompt_tokens"] + again.cost["completion_tokens"] == spent
    assert first.base["tokens"] > 0 and again.base["tokens"] == 0  # its evaluations replayed too
    print_result(again.to_json(), tmp_path / "b")
    assert f"0 ({spent:,})" in capsys.readouterr().out
