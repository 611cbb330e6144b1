"""Episodes, limits and replay verification, on a toy environment."""

import json

import pytest

from ratchet.core import SolverView, Status, Task
from ratchet.envs import EnvSuite, EpisodeLimits, StepResult, parse_actions
from ratchet.errors import UserError
from ratchet.suites.registry import load_suite


class Counter:
    """Reach the task's target by `add N` actions; anything else is invalid."""

    def __init__(self):
        self.total = 0
        self.target = 0
        self.resets = 0

    def reset(self, task):
        self.total, self.target = 0, int(task.id)
        self.resets += 1
        return f"total 0, target {self.target}"

    def step(self, action):
        verb, _, number = action.partition(" ")
        if verb != "add" or not number.isdigit():
            return StepResult(f"'{action}' is not an action; write add N", valid=False)
        self.total += int(number)
        if self.total == self.target:
            return StepResult("reached", 1.0, done=True, success=True)
        if self.total > self.target:
            return StepResult("overshot", done=True, success=False)
        return StepResult(f"total {self.total}")

    def valid_actions(self):
        return [f"add {n}" for n in range(1, 4)]

    def close(self):
        pass


class CounterSuite(EnvSuite):
    name = "counter"
    limits = EpisodeLimits(max_steps=4, max_seconds=60)

    def __init__(self):
        super().__init__()
        self.made = []

    def all_tasks(self):
        return [Task(str(n), f"reach {n}") for n in range(1, 11)]

    def make_env(self):
        env = Counter()
        self.made.append(env)
        return env


@pytest.fixture
def suite():
    return CounterSuite()


def test_an_episode_runs_to_success_and_reveals_it_only_at_the_end(suite):
    episode = SolverView(suite).new_episode(Task("5", "reach 5"))
    assert episode.observation == "total 0, target 5"
    first = episode.step("add 3")
    assert not first.done and first.success is None and first.valid
    last = episode.step("add 2")
    assert last.done and last.success and last.stop_reason == "success"
    assert json.loads(episode.completion()) == ["add 3", "add 2"]
    after = episode.step("add 1")
    assert after.done and not after.valid and "over" in after.observation
    assert episode.actions == ["add 3", "add 2"]


def test_an_invalid_action_is_an_observation_and_counts_as_a_step(suite):
    episode = suite.new_episode(Task("9", "reach 9"))
    step = episode.step("jump")
    assert not step.valid and not step.done and "not an action" in step.observation
    assert episode.actions == ["jump"]


def test_the_step_limit_ends_the_episode(suite):
    episode = suite.new_episode(Task("9", "reach 9"))
    steps = [episode.step("add 1") for _ in range(4)]
    assert [s.done for s in steps] == [False, False, False, True]
    assert steps[-1].stop_reason == "step limit: 4" and steps[-1].success is False


def test_the_wall_clock_limit_ends_the_episode(suite, monkeypatch):
    episode = suite.new_episode(Task("9", "reach 9"))
    monkeypatch.setattr(type(episode), "elapsed", property(lambda self: 61.0))
    step = episode.step("add 1")
    assert step.done and step.stop_reason == "time limit: 60 s" and episode.actions == []


def test_verify_replays_actions_in_a_fresh_environment(suite):
    task = Task("4", "reach 4")
    assert suite.verify(task, json.dumps(["add 2", "oops", "add 2"])).passed
    assert suite.verify(task, json.dumps(["add 3", "add 3"])).status is Status.FAIL
    assert "not done" in suite.verify(task, json.dumps(["add 1"])).feedback
    over_limit = ["add 0"] * 4 + ["add 4"]  # success only after the step limit: not counted
    assert not suite.verify(task, json.dumps(over_limit)).passed
    for bad in ("add 4", "[1, 2]", '{"a": 1}', ""):
        assert suite.verify(task, bad).status is Status.BAD_FORMAT


def test_environments_are_pooled_and_closed(suite):
    """Episodes reuse one environment, replays another: an environment the verifier just used is
    never handed to a solver (the wall), and close() closes both pools."""
    for _ in range(3):
        with suite.new_episode(Task("2", "reach 2")) as episode:
            episode.step("add 2")
        suite.verify(Task("2", "reach 2"), '["add 2"]')
    assert len(suite.made) == 2 and [env.resets for env in suite.made] == [3, 3]
    suite.close()
    assert suite._pool == [] and suite.public()._free == []


def test_parse_actions_and_extract(suite):
    assert parse_actions('["a", "b"]') == ["a", "b"]
    assert parse_actions("[1]") is None and parse_actions("nope") is None
    assert suite.extract(Task("1", ""), '["add 1"]') == '["add 1"]'
    assert suite.extract(Task("1", ""), "add 1") is None


def test_a_suite_without_episodes_refuses_new_episode():
    with pytest.raises(UserError, match="not an environment"):
        SolverView(load_suite("gsm")).new_episode(Task("x", "y"))


def test_an_unknown_environment_name_suggests_the_closest():
    with pytest.raises(UserError, match="did you mean 'wordcraft'"):
        load_suite("wordcraf")
    with pytest.raises(UserError, match="did you mean 'sciworld'"):
        load_suite("sciworl")


def test_an_environment_that_fails_to_reset_is_closed_not_pooled(suite):
    closed = []

    class Broken(Counter):
        def reset(self, task):
            raise RuntimeError("simulator died")

        def close(self):
            closed.append(self)

    suite.make_env = Broken
    with pytest.raises(RuntimeError):
        suite.new_episode(Task("1", "reach 1"))
    with pytest.raises(RuntimeError):
        suite.verify(Task("1", "reach 1"), '["add 1"]')
    assert len(closed) == 2 and suite._pool == []
