"""Wordcraft-style crafting (Jiang et al., 2020): reach a goal item by combining items in pairs.

A puzzle is a goal, a table of items (the ingredients it needs and distractors) and a hidden
recipe book (`recipes.py`). Depth 1 needs one combination; depth 2 needs an intermediate item
first. Items are not used up; a new item joins the table. The episode succeeds the moment the goal
is made; `done` gives up.

Actions: `combine A and B` (also `combine A with B`, `A + B`), or `done`.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property, partial

from ratchet.core import Task
from ratchet.envs.base import EnvSuite, EpisodeLimits, StepResult
from ratchet.envs.wordcraft.recipes import ITEMS, RECIPES, combine

TABLE_SIZE = 6
COMBINE = re.compile(r"^(?:combine|mix|merge)\s+(.+?)\s+(?:and|with|\+|&)\s+(.+)$")
PLUS = re.compile(r"^(.+?)\s*\+\s*(.+)$")


@dataclass(frozen=True)
class Puzzle:
    id: str
    goal: str
    table: tuple[str, ...]
    depth: int
    solution: tuple[tuple[str, str], ...]  # one way to reach the goal, in order

    @property
    def prompt(self) -> str:
        return f"Make '{self.goal}' by combining items. The table holds: {', '.join(self.table)}."


def plans() -> list[tuple[str, tuple[tuple[str, str], ...], frozenset[str]]]:
    """Every (goal, combinations in order, items needed on the table) of depth 1 and 2."""
    found: dict[tuple[str, frozenset[str]], tuple[tuple[str, str], ...]] = {}
    makers: dict[str, list[tuple[str, str]]] = {}
    for pair, result in RECIPES.items():
        makers.setdefault(result, []).append((min(pair), max(pair)))
    for pair, goal in sorted(RECIPES.items(), key=lambda item: sorted(item[0])):
        a, b = min(pair), max(pair)
        found.setdefault((goal, frozenset((a, b))), ((a, b),))
        for first, other in ((a, b), (b, a)):  # make `first` from two others, then the goal
            for c, d in makers.get(first, []):
                needed = frozenset((c, d)) | ({other} if other != first else set())
                if goal not in needed and first not in needed:
                    found.setdefault((goal, needed), ((c, d), (a, b)))
    return [(goal, steps, needed) for (goal, needed), steps in found.items()]


def generate_puzzles(n: int = 240, seed: int = 0) -> list[Puzzle]:
    """Up to n puzzles, 40% of depth 1 and the rest of depth 2 (as many as the recipe book has),
    each with distractors up to TABLE_SIZE items."""
    rng = random.Random(f"wordcraft/{seed}")
    every = plans()
    by_depth = {depth: [p for p in every if len(p[1]) == depth] for depth in (1, 2)}
    counts = {1: min(len(by_depth[1]), int(n * 0.4))}
    counts[2] = min(len(by_depth[2]), n - counts[1])
    puzzles = []
    for depth, count in counts.items():
        for goal, steps, needed in rng.sample(by_depth[depth], count):
            made = {combine(*step) for step in steps}
            pool = [item for item in ITEMS if item not in needed and item not in made]
            distractors = rng.sample(pool, max(0, TABLE_SIZE - len(needed)))
            table = sorted(needed) + distractors
            rng.shuffle(table)
            key = "-".join(sorted(needed)).replace(" ", "_")
            puzzles.append(Puzzle(f"{goal.replace(' ', '_')}-d{depth}-{key}", goal, tuple(table), depth, steps))
    return puzzles


def parse_combination(action: str) -> tuple[str, str] | None:
    text = action.strip().lower().rstrip(".!")
    match = COMBINE.match(text) or PLUS.match(text)
    if match is None:
        return None
    return _item(match.group(1)), _item(match.group(2))


def _item(text: str) -> str:
    text = text.strip().strip("'\"`*[]()").strip()
    return re.sub(r"^(?:the|a|an)\s+", "", text)


class WordcraftEnv:
    def __init__(self, puzzles: dict[str, Puzzle]) -> None:
        self._puzzles = puzzles
        self._goal = ""
        self._items: list[str] = []

    def reset(self, task: Task) -> str:
        puzzle = self._puzzles[task.id]
        self._goal = puzzle.goal
        self._items = list(puzzle.table)
        return f"On the table: {self._listing()}."

    def _listing(self) -> str:
        return ", ".join(self._items)

    def step(self, action: str) -> StepResult:
        text = action.strip().lower().rstrip(".!")
        if text in ("done", "stop", "give up"):
            success = self._goal in self._items
            return StepResult("You stop crafting. The episode is over.", done=True, success=success)
        pair = parse_combination(action)
        if pair is None:
            return StepResult("Unknown action. Write `combine A and B` with two items from the table, "
                              f"or `done`. On the table: {self._listing()}.", valid=False)
        missing = [item for item in pair if item not in self._items]
        if missing:
            return StepResult(f"There is no '{missing[0]}' on the table. On the table: {self._listing()}.",
                              valid=False)
        result = combine(*pair)
        if result is None:
            return StepResult(f"{pair[0]} and {pair[1]} do not combine into anything. "
                              f"On the table: {self._listing()}.")
        if result in self._items:
            return StepResult(f"{pair[0]} + {pair[1]} = {result}, which is already on the table.")
        self._items.append(result)
        if result == self._goal:
            return StepResult(f"{pair[0]} + {pair[1]} = {result}. You made the goal item!",
                              reward=1.0, done=True, success=True)
        return StepResult(f"{pair[0]} + {pair[1]} = {result}. On the table: {self._listing()}.")

    def valid_actions(self) -> Sequence[str]:
        items = self._items
        pairs = [f"combine {a} and {b}" for i, a in enumerate(items) for b in items[i:]]
        return pairs + ["done"]

    def close(self) -> None:
        pass


class WordcraftSuite(EnvSuite):
    """`wordcraft`: puzzles generated from seed 0 over a commonsense recipe book (n=240 asks for
    96 of depth 1 and 144 of depth 2; the book has 138 of depth 2, so 234 in all), six items on
    the table. Splits: the core hash rule over task ids."""

    name = "wordcraft"
    limits = EpisodeLimits(max_steps=10, max_seconds=1800)
    description = ("You are crafting items. Two items combine into a new one when common sense says "
                   "they should (for example, seed + soil = sprout). Reach the goal item; an intermediate item may "
                   "be needed first. Items are not used up; each new item joins the table.")
    action_help = ("Actions (one per turn):\n- combine A and B (two items on the table)\n"
                   "- done (give up)")

    def __init__(self, n: int = 240, seed: int = 0, limits: EpisodeLimits | None = None) -> None:
        super().__init__(limits)
        self.n, self.seed = n, seed

    @cached_property
    def _puzzles(self) -> dict[str, Puzzle]:
        return {p.id: p for p in generate_puzzles(self.n, self.seed)}

    def all_tasks(self) -> Sequence[Task]:
        return [Task(p.id, p.prompt, {"goal": p.goal, "table": p.table}, p.depth)
                for p in self._puzzles.values()]

    def make_env(self) -> WordcraftEnv:
        return WordcraftEnv(self._puzzles)

    def env_factory(self) -> Callable[[], WordcraftEnv]:
        return partial(WordcraftEnv, self._puzzles)

    def task_world(self, task: Task) -> Callable[[], WordcraftEnv]:
        return partial(WordcraftEnv, {task.id: self._puzzles[task.id]})

    def demonstration(self, task: Task) -> list[tuple[str, str]]:
        """Combine along the puzzle's recipe path, intermediate items first."""
        puzzle = self._puzzles[task.id]
        return [(f"Combining {a} and {b} should bring me closer to {puzzle.goal}.", f"combine {a} and {b}")
                for a, b in puzzle.solution]
