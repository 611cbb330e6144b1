"""ScienceWorld through its Java simulator (skipped without the scienceworld package or java)."""

import json
import shutil

import pytest

from ratchet.core import Split, Status
from ratchet.envs import sciworld
from ratchet.envs.sciworld import SciWorldSuite
from ratchet.errors import UserError

pytest.importorskip("scienceworld")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("java") is None, reason="ScienceWorld needs java"),
]


@pytest.fixture(scope="module")
def suite(tmp_path_factory):
    suite = SciWorldSuite(task_types=("find-living-thing",), per_split={"train": 1, "dev": 1, "test": 1},
                          cache_dir=tmp_path_factory.mktemp("sw"))
    yield suite
    suite.close()


def test_splits_are_scienceworlds_own_variations(suite):
    assert [[t.id for t in suite.tasks(s)] for s in Split] == [
        ["find-living-thing-v0"], ["find-living-thing-v150"], ["find-living-thing-v225"]]
    assert suite.tasks(Split.TEST)[0].prompt.startswith("Your task is to find a(n) living thing.")
    assert suite.index_path.exists()


def test_gold_path_replays_to_success_and_a_wrong_focus_fails(suite):
    task = suite.tasks(Split.TEST)[0]
    env = suite._acquire()
    try:
        env._env.load("find-living-thing", 225, "easy", generateGoldPath=True)
        gold = env._env.get_gold_action_sequence()
    finally:
        suite._give_back(env)
    assert suite.verify(task, json.dumps(gold)).passed
    assert suite.verify(task, json.dumps(["focus on air"])).status is Status.FAIL


def test_an_unknown_command_is_an_observation(suite):
    with suite.new_episode(suite.tasks(Split.TEST)[0]) as episode:
        assert "This room is called" in episode.observation
        step = episode.step("dance wildly")
        assert not step.valid and not step.done and "No known action" in step.observation
        assert "look around" in episode.valid_actions()
        assert episode.step("teleport to kitchen").valid


def test_missing_java_says_so(monkeypatch, tmp_path):
    monkeypatch.setattr(sciworld.shutil, "which", lambda name: None)
    with pytest.raises(UserError, match="needs Java 17 or newer on PATH"):
        SciWorldSuite(cache_dir=tmp_path).tasks()


def test_an_unknown_task_type_suggests_the_closest(tmp_path):
    with pytest.raises(UserError, match="did you mean 'find-animal'"):
        SciWorldSuite(task_types=("find-animals",), cache_dir=tmp_path)
