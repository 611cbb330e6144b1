"""The InterCode-style SQL environment."""

import json

import pytest

from ratchet.core import Split, Status
from ratchet.envs.sql import SqlSuite, same_result
from ratchet.envs.sql.databases import SCHEMAS, database_bytes


@pytest.fixture(scope="module")
def suite():
    return SqlSuite()


def test_splits_are_fixed_and_cover_every_schema(suite):
    sizes = {split: len(suite.tasks(split)) for split in Split}
    assert sizes == {Split.TRAIN: 79, Split.DEV: 39, Split.TEST: 80}
    assert {t.visible["database"] for t in suite.tasks(Split.TEST)} == set(SCHEMAS)
    assert [t.id for t in SqlSuite().tasks(Split.TEST)] == [t.id for t in suite.tasks(Split.TEST)]


def test_databases_and_questions_are_deterministic(suite):
    database_bytes.cache_clear()
    first = database_bytes("shop", 0)
    database_bytes.cache_clear()
    assert database_bytes("shop", 0) == first and database_bytes("shop", 1) != first
    again = SqlSuite()
    assert [(t.id, t.prompt) for t in again.tasks()] == [(t.id, t.prompt) for t in suite.tasks()]


def test_every_gold_query_replays_to_success(suite):
    for task in suite.tasks():
        gold = suite._questions[task.id].gold
        assert suite.verify(task, json.dumps(["submit " + gold])).passed, task.id
        assert suite.verify(task, json.dumps([gold, "submit"])).passed, task.id


def test_queries_show_results_and_errors_are_observations(suite):
    task = suite.tasks(Split.TEST)[0]
    with suite.new_episode(task) as episode:
        assert "CREATE TABLE" in episode.observation and task.prompt in episode.observation
        step = episode.step("```sql\nSELECT 1 AS one, 2.5 AS two\n```")
        assert step.valid and "one | two" in step.observation and "(1 row)" in step.observation
        for bad, says in [("SELEC nonsense", "syntax error"), ("SELECT * FROM nowhere", "no such table"),
                          ("SELECT 1; SELECT 2", "one statement"), ("", "Empty action")]:
            step = episode.step(bad)
            assert not step.valid and not step.done and says in step.observation, bad
    big = suite.new_episode(task)
    rows = big.step("WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n LIMIT 50) SELECT x FROM n")
    assert "... 30 more rows" in rows.observation and "(50 rows)" in rows.observation
    big.close()


def test_the_connection_is_read_only(suite):
    task = next(t for t in suite.tasks() if t.visible["database"] == "shop")
    with suite.new_episode(task) as episode:
        for write in ("DELETE FROM customers", "DROP TABLE customers", "UPDATE customers SET city = 'x'",
                      "INSERT INTO customers VALUES (999, 'x', 'y', 2020)", "PRAGMA query_only = 0",
                      "ATTACH DATABASE '/tmp/evil.db' AS evil", "CREATE TABLE t (x)"):
            step = episode.step(write)
            assert not step.valid and "read-only" in step.observation, write
        assert "40" in episode.step("SELECT COUNT(*) FROM customers").observation
        assert episode.step("PRAGMA table_info(customers)").valid


def test_tasks_are_listed_in_hash_order_so_a_limit_samples_every_schema(suite):
    first = suite.tasks(Split.TEST)[:10]
    assert len({t.visible["database"] for t in first}) == 3


def test_a_slow_query_hits_the_time_limit(suite):
    env = suite.make_env()
    env._query_seconds = 0.2
    env.reset(suite.tasks()[0])
    step = env.step("WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT COUNT(*) FROM n")
    assert not step.valid and "0.2 s limit" in step.observation
    assert env.step("SELECT 1").valid  # the connection still works
    env.close()


def test_submit_needs_a_result_and_ends_the_episode(suite):
    task = next(t for t in suite.tasks() if t.id.startswith("shop0-count-city"))
    with suite.new_episode(task) as episode:
        nothing = episode.step("submit")
        assert not nothing.valid and not nothing.done
        broken = episode.step("submit SELECT nope FROM customers")
        assert not broken.valid and not broken.done and "Nothing was submitted" in broken.observation
        episode.step("SELECT COUNT(*) FROM customers")
        end = episode.step("submit")
        assert end.done and end.success is False and end.stop_reason == "failure"
    assert suite.verify(task, episode.completion()).status is Status.FAIL


def test_result_comparison():
    assert same_result([(1,), (2,)], [(2,), (1,)], ordered=False)
    assert not same_result([(1,), (2,)], [(2,), (1,)], ordered=True)
    assert not same_result([(1,), (1,)], [(1,)], ordered=False)  # multisets, not sets
    assert same_result([(0.1 + 0.2,)], [(0.3,)], ordered=False)
    assert same_result([(3,)], [(3.0,)], ordered=False)
    assert not same_result([("a", 1)], [("a",)], ordered=False)  # extra columns fail


def test_limits_can_be_set_per_suite():
    from ratchet.envs import EpisodeLimits

    suite = SqlSuite(limits=EpisodeLimits(max_steps=2, max_seconds=5))
    with suite.new_episode(suite.tasks()[0]) as episode:
        episode.step("SELECT 1")
        assert episode.step("SELECT 2").stop_reason == "step limit: 2"
    assert SqlSuite().limits.max_steps == 10
