"""The ReAct agent with the real SmolLM2 in every environment: a few short episodes each.

SmolLM2-135M rarely solves anything; these tests check that a real model's free-form replies go
through the whole loop (parsing, environment, limits, replay verification) without a crash.
"""

from __future__ import annotations

import json
import shutil

import pytest

from ratchet.core import Split, SolverView
from ratchet.envs import parse_actions
from ratchet.models import SamplingParams
from ratchet.solvers.react import ReActSolver

pytestmark = [pytest.mark.real_model, pytest.mark.timeout(900)]  # a safety net: minutes on a busy machine
PARAMS = SamplingParams(max_tokens=32)
STOPS = ("success", "failure", "step limit", "time limit", "model gave up", "stuck")


def play(suite, model, tasks, max_steps=2) -> None:
    solver = ReActSolver(max_steps=max_steps, max_observation_chars=600)
    for task in tasks:
        solution = solver.solve(task, SolverView(suite), model, PARAMS)
        actions = parse_actions(solution.completion)
        assert actions is not None and len(actions) <= max_steps
        assert solution.stop_reason.startswith(STOPS), solution.stop_reason
        assert solution.usage.calls >= 1 and solution.trajectory[0].role == "system"
        assert any(t.role == "assistant" for t in solution.trajectory)
        verdict = suite.verify(task, solution.completion)
        assert verdict.passed == (solution.stop_reason == "success")


def test_sql(smol_model):
    from ratchet.envs.sql import SqlSuite

    suite = SqlSuite()
    play(suite, smol_model, suite.tasks(Split.TEST)[:1])


def test_wordcraft(smol_model):
    from ratchet.envs.wordcraft import WordcraftSuite

    suite = WordcraftSuite()
    play(suite, smol_model, suite.tasks(Split.TEST)[:2])


def test_textworld(smol_model, tmp_path):
    pytest.importorskip("textworld")
    from ratchet.envs.textworld_games import TextWorldSuite

    suite = TextWorldSuite(levels=(1,), games_per_level=1, cache_dir=tmp_path)
    play(suite, smol_model, suite.tasks())
    suite.close()


def test_sciworld(smol_model, tmp_path):
    pytest.importorskip("scienceworld")
    if shutil.which("java") is None:
        pytest.skip("ScienceWorld needs java")
    from ratchet.envs.sciworld import SciWorldSuite

    suite = SciWorldSuite(task_types=("find-plant",), per_split={"train": 0, "dev": 0, "test": 1},
                          cache_dir=tmp_path)
    try:
        play(suite, smol_model, suite.tasks(Split.TEST))
        assert json.loads(suite.extract(suite.tasks()[0], "[]")) == []
    finally:
        suite.close()
