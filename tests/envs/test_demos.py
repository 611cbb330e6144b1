"""Demonstrations: an environment's known solutions, played by the ReAct agent, verified, stored."""

from __future__ import annotations

import pytest

from ratchet.errors import UserError
from ratchet.experience import ExperienceStore, load_exemplar_source
from ratchet.learn.bootstrap.demos import DEMO_MODEL, demonstration_attempt, write_demonstrations
from ratchet.envs.sql import SqlSuite
from ratchet.envs.wordcraft import WordcraftSuite
from tests.toy import AdditionSuite


@pytest.mark.parametrize("make", [SqlSuite, WordcraftSuite])
def test_every_demonstration_is_in_the_agents_format_and_passes(make):
    suite = make()
    for task in suite.tasks("train")[:6]:
        attempt = demonstration_attempt(suite, task)
        assert attempt.passed and attempt.solver == "react"
        replies = [t.content for t in attempt.solution.trajectory if t.role == "assistant"]
        actions = [action for _, action in suite.demonstration(task)]
        assert replies == [f"Thought: {thought}\nAction: {action}" for thought, action in suite.demonstration(task)]
        observations = [t.content for t in attempt.solution.trajectory if t.role == "user"][1:]
        assert len(observations) == len(actions)  # the environment answered every step


def test_demonstrations_come_from_the_end_of_train_and_are_written_once(tmp_path):
    suite = SqlSuite()
    store = tmp_path / "initial.sqlite"
    assert write_demonstrations(suite, store, 3) == 3
    assert write_demonstrations(suite, store, 3) == 0
    with ExperienceStore.open(store, create=False) as opened:
        stored = list(opened.iter())
    assert [e.task_id for e in stored] == [t.id for t in suite.tasks("train")[-3:]]
    assert {e.model for e in stored} == {DEMO_MODEL} and all(e.passed for e in stored)
    assert len(load_exemplar_source(str(store), suite="sql")) == 3


def test_a_suite_without_known_solutions_or_too_many_asked_is_one_line(tmp_path):
    with pytest.raises(UserError, match="no known solutions to demonstrate"):
        write_demonstrations(AdditionSuite(20), tmp_path / "x.sqlite", 1)
    assert not (tmp_path / "x.sqlite").exists()  # nothing written
    with pytest.raises(UserError, match="train tasks; asked for 1000"):
        write_demonstrations(WordcraftSuite(), tmp_path / "x.sqlite", 1000)
