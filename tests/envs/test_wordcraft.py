"""The Wordcraft-style crafting environment."""

import json

import pytest

from ratchet.core import Split
from ratchet.envs.wordcraft import WordcraftSuite
from ratchet.envs.wordcraft.env import TABLE_SIZE, parse_combination
from ratchet.envs.wordcraft.recipes import RECIPES, combine, parse_recipes


@pytest.fixture(scope="module")
def suite():
    return WordcraftSuite()


def test_splits_and_depths(suite):
    assert {s: len(suite.tasks(s)) for s in Split} == {Split.TRAIN: 93, Split.DEV: 46, Split.TEST: 95}
    assert {t.difficulty for t in suite.tasks(Split.TEST)} == {1, 2}
    assert all(len(t.visible["table"]) == TABLE_SIZE for t in suite.tasks())


def test_puzzles_are_deterministic_and_each_is_solvable(suite):
    assert [t.prompt for t in WordcraftSuite().tasks()] == [t.prompt for t in suite.tasks()]
    assert [t.prompt for t in WordcraftSuite(seed=1).tasks()] != [t.prompt for t in suite.tasks()]
    for task in suite.tasks():
        puzzle = suite._puzzles[task.id]
        assert puzzle.goal not in puzzle.table
        actions = [f"combine {a} and {b}" for a, b in puzzle.solution]
        assert suite.verify(task, json.dumps(actions)).passed, task.id
        assert not suite.verify(task, json.dumps(actions[:-1])).passed


def test_actions_valid_invalid_and_useless(suite):
    task = next(t for t in suite.tasks() if t.difficulty == 2)
    puzzle = suite._puzzles[task.id]
    with suite.new_episode(task) as episode:
        assert episode.observation.startswith("On the table:")
        assert "done" in episode.valid_actions() and len(episode.valid_actions()) == 22
        unknown = episode.step("look around")
        assert not unknown.valid and "combine A and B" in unknown.observation
        missing = episode.step("combine unicorn and fire")
        assert not missing.valid and "no 'unicorn'" in missing.observation
        a, b = puzzle.solution[0]
        made = episode.step(f"{a} + {b}")
        assert made.valid and combine(a, b) in made.observation and not made.done
        again = episode.step(f"Combine the {a} with {b}.")
        assert again.valid and "already on the table" in again.observation
        quit_ = episode.step("done")
        assert quit_.done and quit_.success is False


def test_parse_combination():
    assert parse_combination("combine fire and water") == ("fire", "water")
    assert parse_combination("Combine 'light bulb' with metal.") == ("light bulb", "metal")
    assert parse_combination("fire + the water") == ("fire", "water")
    assert parse_combination("make steam") is None


def test_recipe_book_rejects_duplicates():
    assert len(RECIPES) > 90
    with pytest.raises(ValueError, match="two recipes"):
        parse_recipes("a + b = c\nb + a = d")
