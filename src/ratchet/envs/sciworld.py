"""ScienceWorld (Wang et al., 2022): elementary-science tasks in a simulated world, run by the
`scienceworld` package (a Java simulator behind py4j; it needs Java 17 or newer on PATH).

A task is one variation of one task type. The default types are short ones: the four "find"
tasks, mixing a secondary paint colour, testing conductivity, using a thermometer and boiling.
Splits are ScienceWorld's own train/dev/test variations of each type; `per_split` keeps the first
variations of each (in ScienceWorld's order), so the suite stays a manageable size. Simplification
"easy" (teleporting, open doors, no electrical actions, self-watering pots) is ScienceWorld's
standard setting for agents. Task descriptions are read once and cached under
`$RATCHET_HOME/envs/sciworld/`.

Actions are ScienceWorld's commands (`look around`, `open door to kitchen`, `teleport to kitchen`,
`pick up thermometer`, `focus on X`, `move X to Y`, `wait`, ...); one it does not know is the
observation "No known action matches that input." (`valid=False`). A task succeeds when its score
reaches 100; ScienceWorld ends a task early, failed, when the agent does something irreversible
(focusing on the wrong thing).
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Callable, Sequence
from functools import cached_property, partial
from pathlib import Path

from ratchet.core import Split, Task
from ratchet.envs.base import EnvSuite, EpisodeLimits, StepResult
from ratchet.errors import BackendError, MissingExtraError, UserError, unknown_name
from ratchet.models.catalog import ratchet_home

SCIENCEWORLD_VERSION = "1.2.3"
DEFAULT_TYPES = (
    "find-living-thing", "find-non-living-thing", "find-plant", "find-animal",
    "chemistry-mix-paint-secondary-color", "test-conductivity", "use-thermometer", "boil",
)
DEFAULT_PER_SPLIT = {"train": 10, "dev": 5, "test": 10}
UNKNOWN_ACTION = "No known action matches that input."
_INDEX = threading.Lock()


def require_java() -> None:
    if shutil.which("java") is None:
        raise UserError("ScienceWorld needs Java 17 or newer on PATH, and `java` was not found: "
                        "apt-get install openjdk-17-jre-headless")


def start_scienceworld():  # noqa: ANN201 - a scienceworld.ScienceWorldEnv
    """A ScienceWorld simulator in its own JVM."""
    require_java()
    try:
        from scienceworld import ScienceWorldEnv
    except ImportError:
        raise MissingExtraError("the sciworld suite", "envs", f"scienceworld=={SCIENCEWORLD_VERSION}") from None
    try:
        return ScienceWorldEnv("", envStepLimit=100_000)  # the episode's own limits apply
    except Exception as error:  # py4j reports a JVM that would not start in several ways
        raise BackendError(f"the ScienceWorld JVM did not start: {type(error).__name__}: {error}",
                           retryable=True) from error


def known_task_types() -> list[str]:
    """ScienceWorld's task names, from the list its package ships (no JVM needed)."""
    try:
        from scienceworld.constants import TASK_PATH
    except ImportError:
        raise MissingExtraError("the sciworld suite", "envs", f"scienceworld=={SCIENCEWORLD_VERSION}") from None
    return [entry["task_name"] for entry in json.loads(Path(TASK_PATH).read_text())]


def task_name(task_id: str) -> tuple[str, int]:
    """'boil-v3' -> ('boil', 3)."""
    name, _, variation = task_id.rpartition("-v")
    return name, int(variation)


class SciWorldEnv:
    def __init__(self, simplification: str) -> None:
        self._simplification = simplification
        self._env = start_scienceworld()

    def reset(self, task: Task) -> str:
        name, variation = task_name(task.id)
        self._env.load(name, variation, self._simplification, generateGoldPath=False)
        observation, _ = self._env.reset()
        return observation.strip()

    def step(self, action: str) -> StepResult:
        observation, reward, done, info = self._env.step(action.strip())
        score = info.get("score", 0)
        valid = not observation.startswith(UNKNOWN_ACTION)
        return StepResult(observation.strip(), float(reward), bool(done), score >= 100, valid)

    def valid_actions(self) -> Sequence[str]:
        return list(self._env.get_valid_action_object_combinations())

    def close(self) -> None:
        self._env.close()


class SciWorldSuite(EnvSuite):
    """`sciworld`: ScienceWorld task types x their variations, with ScienceWorld's own splits."""

    name = "sciworld"
    limits = EpisodeLimits(max_steps=40, max_seconds=3600)
    description = ("You are an agent in ScienceWorld, a simulated house and garden with science "
                   "equipment. Carry out the task by moving around, handling objects and running "
                   "experiments. Focus only on the objects the task names: focusing on the wrong "
                   "thing ends the task.")
    action_help = ("Actions are commands, one per turn, such as: look around, teleport to kitchen, "
                   "open door to hallway, go to hallway, pick up thermometer, focus on apple, "
                   "move apple to red box, pour cup into pot, activate stove, use thermometer on "
                   "water, mix cup, wait, inventory. When ScienceWorld asks which of several "
                   "actions you meant, answer with its number.")

    def __init__(self, task_types: Sequence[str] = DEFAULT_TYPES, simplification: str = "easy",
                 per_split: dict[str, int] | None = None, cache_dir: Path | str | None = None,
                 limits: EpisodeLimits | None = None) -> None:
        super().__init__(limits)
        known = known_task_types()
        for task_type in task_types:
            if task_type not in known:
                raise unknown_name("ScienceWorld task type", task_type, known)
        self.task_types = tuple(task_types)
        self.simplification = simplification
        self.per_split = dict(per_split or DEFAULT_PER_SPLIT)
        if set(self.per_split) != {"train", "dev", "test"} or min(self.per_split.values()) < 0:
            raise UserError("per_split needs counts >= 0 for train, dev and test")
        root = Path(cache_dir) if cache_dir else ratchet_home() / "envs" / "sciworld"
        self.index_path = root / f"scienceworld-{SCIENCEWORLD_VERSION}-{simplification or 'none'}.json"

    @cached_property
    def _catalog(self) -> dict[str, dict]:
        """task id -> {"description", "split"}, reading what the cache lacks from ScienceWorld."""
        with _INDEX:
            index = json.loads(self.index_path.read_text()) if self.index_path.exists() else {}
            missing = [t for t in self.task_types if not self._covered(index.get(t))]
            if missing:
                self._read_types(index, missing)
                self.index_path.parent.mkdir(parents=True, exist_ok=True)
                tmp = self.index_path.with_suffix(".tmp")
                tmp.write_text(json.dumps(index, indent=1, sort_keys=True))
                os.replace(tmp, self.index_path)
        catalog = {}
        for task_type in self.task_types:
            entry = index[task_type]
            for split, count in self.per_split.items():
                for variation in entry[split][:count]:
                    catalog[f"{task_type}-v{variation}"] = {
                        "description": entry["descriptions"][str(variation)], "split": split}
        return catalog

    def _covered(self, entry: dict | None) -> bool:
        if entry is None:
            return False
        wanted = [v for split, n in self.per_split.items() for v in entry[split][:n]]
        return all(str(v) in entry["descriptions"] for v in wanted)

    def _read_types(self, index: dict, task_types: list[str]) -> None:
        env = self._acquire()
        try:
            for task_type in task_types:
                entry = index.setdefault(task_type, {"descriptions": {}})
                env._env.load(task_type, 0, self.simplification)
                entry["train"] = list(env._env.get_variations_train())
                entry["dev"] = list(env._env.get_variations_dev())
                entry["test"] = list(env._env.get_variations_test())
                for split, count in self.per_split.items():
                    for variation in entry[split][:count]:
                        if str(variation) not in entry["descriptions"]:
                            env._env.load(task_type, variation, self.simplification)
                            entry["descriptions"][str(variation)] = env._env.get_task_description()
        finally:
            self._give_back(env)

    def all_tasks(self) -> Sequence[Task]:
        return [Task(task_id, info["description"], {"task_type": task_name(task_id)[0]})
                for task_id, info in self._catalog.items()]

    def split_of(self) -> dict[str, Split]:
        return {task_id: Split(info["split"]) for task_id, info in self._catalog.items()}

    def make_env(self) -> SciWorldEnv:
        return SciWorldEnv(self.simplification)

    def env_factory(self) -> Callable[[], SciWorldEnv]:
        return partial(SciWorldEnv, self.simplification)
