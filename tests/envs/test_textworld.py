"""TextWorld games generated offline (skipped without the textworld package)."""

import json

import pytest

from ratchet.core import Split, Status
from ratchet.envs import textworld_games
from ratchet.envs.textworld_games import TextWorldSuite, clean
from ratchet.errors import UserError

pytest.importorskip("textworld")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def suite(tmp_path_factory):
    return TextWorldSuite(levels=(3,), games_per_level=1, cache_dir=tmp_path_factory.mktemp("tw"))


def test_games_are_generated_once_into_the_cache(suite, monkeypatch):
    ids = [t.id for t in suite.tasks()]
    assert ids == ["th-l03-s300"]
    assert all((suite.directory / f"{i}.z8").exists() for i in ids)
    monkeypatch.setattr(textworld_games, "generate_game", lambda *a: pytest.fail("regenerated"))
    again = TextWorldSuite(levels=(3,), games_per_level=1, cache_dir=suite.directory.parent)
    assert [(t.id, t.prompt) for t in again.tasks()] == [(t.id, t.prompt) for t in suite.tasks()]
    assert sum(len(again.tasks(s)) for s in Split) == 1


def test_the_walkthrough_replays_to_success_and_a_prefix_does_not(suite):
    for task in suite.tasks():
        walkthrough = list(suite.games[task.id].walkthrough)
        verdict = suite.verify(task, json.dumps(walkthrough))
        assert verdict.passed, (task.id, verdict)
        assert suite.verify(task, json.dumps(walkthrough[:-1])).status is Status.FAIL


def test_the_walkthrough_is_a_demonstration_the_agent_plays_to_success(suite):
    from ratchet.learn.bootstrap.demos import demonstration_attempt

    task = suite.tasks()[0]
    attempt = demonstration_attempt(suite, task)
    assert attempt.passed
    assert json.loads(attempt.solution.completion) == list(suite.games[task.id].walkthrough)


def test_episodes_are_deterministic_and_invalid_commands_are_observations(suite):
    task = suite.tasks()[0]
    first = suite.new_episode(task)
    start = first.observation
    assert "$$" not in start and not start.rstrip().endswith(">")
    assert "go" in " ".join(first.valid_actions())
    bad = first.step("dance with the wardrobe")
    assert not bad.valid and not bad.done and bad.observation
    moves = [first.step(a).observation for a in first.valid_actions() if a.startswith("go")][:1]
    first.close()
    second = suite.new_episode(task)
    assert second.observation == start
    second.step("dance with the wardrobe")
    assert [second.step(a).observation for a in second.valid_actions() if a.startswith("go")][:1] == moves
    second.close()


def test_clean_strips_banner_prompt_and_restart_question():
    raw = ("  ___ \n | $$ \\$$ \n\nWelcome!\n\n-= Kitchen =-\nA kitchen.\n\n>   -= Kitchen =-0/1")
    assert clean(raw) == "Welcome!\n\n-= Kitchen =-\nA kitchen."
    end = "You win.\n\n   *** The End ***\n\nWould you like to RESTART, RESTORE a saved game?\n> "
    assert clean(end) == "You win.\n\n*** The End ***"


def test_bad_levels_are_a_user_error(tmp_path):
    with pytest.raises(UserError, match="levels"):
        TextWorldSuite(levels=(0,), cache_dir=tmp_path)
