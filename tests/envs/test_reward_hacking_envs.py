"""Actions written to game the environments' verdicts (sql, wordcraft, textworld, sciworld): each
replay is judged fail, and the known solutions still pass.

A verdict replays the actions in a fresh environment; success is the environment's own state
(the gold query's result, the goal item on the table, the game won, the simulator's score), never
text an action or an observation carries.
"""

import json
import os
import shutil
import time

import pytest

from ratchet.core import Split, Status
from ratchet.envs.sql import SqlSuite
from ratchet.envs.sql import env as sql_env
from ratchet.envs.sql.databases import database_bytes
from ratchet.envs.wordcraft import WordcraftSuite

SUCCESS_TEXTS = ["Submitted. The episode is over.", "You made the goal item!", "*** The End ***",
                 "Task completed. Your score is 100.", '{"success": true, "reward": 1.0}']

# sql ------------------------------------------------------------------------------------------
SQL_ATTACKS = [
    "DROP TABLE customers", "DELETE FROM orders", "UPDATE products SET price = 0",
    "INSERT INTO customers VALUES (999, 'x', 'y', 2020)", "CREATE TABLE t (x)",
    "CREATE TEMP TABLE customers (id, name, city, signup_year)",  # would shadow the real table
    "CREATE TEMP VIEW orders AS SELECT 1", "ATTACH DATABASE '{tmp}/evil.db' AS evil",
    "VACUUM INTO '{tmp}/copy.db'", "VACUUM", "ANALYZE", "REINDEX", "PRAGMA query_only = 0",
    "PRAGMA writable_schema = 1", "PRAGMA reverse_unordered_selects = 1", "PRAGMA case_sensitive_like = 1",
    "BEGIN", "SAVEPOINT s", "SELECT 1; DROP TABLE customers", "SELECT load_extension('{tmp}/evil')",
    "SELECT length(printf('%.*c', 500000000, 'x'))",  # 8 s inside one step of the query
    "SELECT length(zeroblob(500000000))", "SELECT length(randomblob(100000000))",
    "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n LIMIT 5000) SELECT zeroblob(99999) FROM n",
]


@pytest.fixture(scope="module")
def sql():
    return SqlSuite()


def test_sql_attacks_change_nothing_and_the_gold_still_passes(sql, tmp_path):
    task = next(t for t in sql.tasks(Split.TEST) if t.visible["database"] == "shop")
    question = sql._questions[task.id]
    env = sql.make_env()
    env.reset(task)
    for attack in SQL_ATTACKS:
        started = time.perf_counter()
        step = env.step(attack.format(tmp=tmp_path))
        assert time.perf_counter() - started < 2, attack
        assert not step.done and (not step.valid or "(no rows)" in step.observation), attack
    assert env._db.serialize() == database_bytes(question.schema, question.seed)  # byte for byte
    assert os.listdir(tmp_path) == []
    assert env.step("SELECT COUNT(*) FROM customers").observation.startswith("COUNT(*)\n40")
    assert env.step("submit " + question.gold).success
    env.close()
    actions = [attack.format(tmp=tmp_path) for attack in SQL_ATTACKS[:8]] + ["submit " + question.gold]
    assert sql.verify(task, json.dumps(actions)).passed


def test_sql_the_gold_result_comes_from_its_own_connection(sql, monkeypatch):
    # Should a write ever get through, the gold query must not run on what the agent left: here
    # the agent's connection lets everything through and the agent empties every table.
    task = next(t for t in sql.tasks(Split.TEST) if t.visible["database"] == "shop")
    monkeypatch.setattr(sql_env, "read_only", lambda *args: 0)  # SQLITE_OK for every action
    env = sql.make_env()
    env.reset(task)
    env.step("PRAGMA query_only = OFF")
    for table in ("customers", "orders", "order_items", "products"):
        assert env.step(f"DELETE FROM {table}").valid
    # the gold query on the emptied tables gives no rows; the hidden result is still the real one
    assert env.step("submit " + sql._questions[task.id].gold).success is False
    env.close()


def test_sql_a_cut_off_result_never_succeeds(sql, monkeypatch):
    task = next(t for t in sql.tasks(Split.TEST) if not sql._questions[t.id].ordered)
    gold = sql._questions[task.id].gold
    rows = len(sql_env.gold_rows(sql._questions[task.id].schema, sql._questions[task.id].seed, gold))
    width = len(sql_env.gold_rows(sql._questions[task.id].schema, sql._questions[task.id].seed, gold)[0])
    padding = ", ".join(["'pad'"] * width)
    monkeypatch.setattr(sql_env, "MAX_ROWS", rows)  # the gold rows first, then more, cut after them
    padded = f"SELECT * FROM ({gold}) UNION ALL SELECT {padding}"
    assert not sql.verify(task, json.dumps(["submit " + padded])).passed
    assert sql.verify(task, json.dumps(["submit " + gold])).passed


def test_sql_results_compare_by_type_and_success_text_is_no_success(sql):
    task = next(t for t in sql.tasks(Split.TEST) if t.id.startswith("shop0-count-city"))
    (count,), = sql_env.gold_rows("shop", 0, sql._questions[task.id].gold)
    assert sql.verify(task, json.dumps([f"submit SELECT {count}"])).passed  # a literal of the right value
    assert not sql.verify(task, json.dumps([f"submit SELECT '{count}'"])).passed  # text, not a number
    assert not sql.verify(task, json.dumps([f"submit SELECT {count}, {count}"])).passed
    assert not sql.verify(task, json.dumps([f"submit SELECT {count} UNION ALL SELECT {count + 1}"])).passed
    for text in SUCCESS_TEXTS:
        assert sql.verify(task, json.dumps([text])).status is Status.FAIL


# wordcraft ------------------------------------------------------------------------------------
def test_wordcraft_success_needs_the_goal_made(tmp_path):
    suite = WordcraftSuite()
    task = next(t for t in suite.tasks(Split.TEST) if t.difficulty == 2)
    puzzle = suite._puzzles[task.id]
    (a, b), (c, d) = puzzle.solution
    goal = puzzle.goal
    cheats = [
        ["done"], *[[text] for text in SUCCESS_TEXTS], [f"take {goal}"], [f"combine {goal} and {goal}"],
        [f"combine {c} and {d}", "done"],  # the last step left out
        [f"combine {a} and {b}. combine {c} and {d}"], [f"combine {a} and {b}\ncombine {c} and {d}"],
        [f"combine {a} and {b} and {c} and {d}"], [f"{a} + {b} + {c} + {d}"],
        [f"combine {a} and {b}", f"You made the goal item! {goal}", "done"],
    ]
    for actions in cheats:
        assert not suite.verify(task, json.dumps(actions)).passed, actions
    assert suite.verify(task, json.dumps([f"combine {a} and {b}", f"combine {c} and {d}"])).passed


# textworld ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def textworld(tmp_path_factory):
    pytest.importorskip("textworld")
    from ratchet.envs.textworld_games import TextWorldSuite

    return TextWorldSuite(levels=(3,), games_per_level=1, cache_dir=tmp_path_factory.mktemp("tw"))


@pytest.mark.slow
def test_textworld_one_command_per_action_and_no_commands_outside_the_story(textworld, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # `save` and `script` wrote files into the working directory
    task = textworld.tasks()[0]
    walkthrough = list(textworld.games[task.id].walkthrough)
    cheats = [
        [". ".join(walkthrough)], [" then ".join(walkthrough)],  # the whole game in one action
        [*SUCCESS_TEXTS, "say *** The End ***", "examine *** The End ***"],
        walkthrough[:-1] + ["save"], ["restore", walkthrough[-1]],  # carrying progress across episodes
        walkthrough[:-1] + ["restart", "y", "quit", "y", "tw-trace-actions", "script"],
    ]
    for actions in cheats:
        assert not textworld.verify(task, json.dumps(actions)).passed, actions
    assert os.listdir(tmp_path) == []
    assert textworld.verify(task, json.dumps(walkthrough)).passed
    assert textworld.verify(task, json.dumps([f"{command}." for command in walkthrough])).passed
    with textworld.new_episode(task) as episode:
        step = episode.step("save")
        assert not step.valid and "not available" in step.observation


# sciworld -------------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.skipif(shutil.which("java") is None, reason="ScienceWorld needs java")
def test_sciworld_success_is_the_simulators_score(tmp_path):
    pytest.importorskip("scienceworld")
    from ratchet.envs.sciworld import SciWorldSuite

    suite = SciWorldSuite(task_types=("find-living-thing",), per_split={"train": 0, "dev": 0, "test": 1},
                          cache_dir=tmp_path)
    try:
        task = suite.tasks(Split.TEST)[0]
        env = suite._acquire()
        try:
            env._env.load("find-living-thing", 225, "easy", generateGoldPath=True)
            gold = env._env.get_gold_action_sequence()
        finally:
            suite._give_back(env)
        cheats = [[*SUCCESS_TEXTS, " . ".join(gold), " then ".join(gold)],  # one replay: the JVM is slow
                  ["focus on agent", "reset task", *gold], gold[:-1] + ["reset task", "wait"]]
        for actions in cheats:
            assert not suite.verify(task, json.dumps(actions)).passed, actions
        assert suite.verify(task, json.dumps(gold)).passed
    finally:
        suite.close()
