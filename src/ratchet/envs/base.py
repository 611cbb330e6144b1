"""Environments: multi-turn tasks an agent acts in, one action at a time.

An `Environment` is reset to a task and stepped with text actions. An action it cannot carry
out is an observation that says why (`valid=False`), never an exception. An `Episode` is what a
solver holds: one play of one task with a step limit and a wall-clock limit; it reveals whether
the task succeeded only once the episode is over, as the environment itself would announce it.

`EnvSuite` turns a family of environments into a suite. A solver's completion is the JSON list
of the actions it took; `verify` replays that list in a fresh environment, so the verdict comes
from the suite, never from anything the solver reports.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from ratchet.core import Message, Split, Status, SuiteBase, Task, Verdict
from ratchet.errors import UserError
from ratchet.core.task import split_key


@dataclass(frozen=True)
class StepResult:
    """What one action did. `success` is meaningful only when `done`."""

    observation: str
    reward: float = 0.0
    done: bool = False
    success: bool = False
    valid: bool = True


@runtime_checkable
class Environment(Protocol):
    """One environment instance, reusable across tasks of its family."""

    def reset(self, task: Task) -> str:
        """Start `task` afresh; returns the first observation."""
        ...

    def step(self, action: str) -> StepResult: ...

    def valid_actions(self) -> Sequence[str] | None:
        """The actions that make sense now, where the environment can list them; else None."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class EpisodeLimits:
    """Per-episode limits: steps (actions sent to the environment) and wall-clock seconds."""

    max_steps: int = 30
    max_seconds: float = 600.0

    def __post_init__(self) -> None:
        if self.max_steps < 1 or self.max_seconds <= 0:
            raise ValueError(f"episode limits must be positive, got {self}")


@dataclass(frozen=True)
class EpisodeStep:
    """What a solver sees after one action. `success` stays None until the episode is over;
    `stop_reason` then says why it ended ("success", "failure", "step limit: 30", ...)."""

    observation: str
    done: bool = False
    valid: bool = True
    reward: float = 0.0
    success: bool | None = None
    stop_reason: str | None = None


OVER = "The episode is over; no more actions are accepted."


class Episode:
    """One play of one task, as a solver holds it: the first observation, `step`, the actions
    taken so far (the completion to hand back) and, where offered, the valid actions."""

    def __init__(self, env: Environment, task: Task, limits: EpisodeLimits,
                 release: Callable[[Environment], None] | None = None) -> None:
        self.task = task
        self.limits = limits
        self._env = env
        self._release = release
        self._start = time.monotonic()
        self.observation = env.reset(task)
        self.actions: list[str] = []
        self.done = False
        self.success: bool | None = None
        self.stop_reason: str | None = None

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self._start

    def step(self, action: str) -> EpisodeStep:
        if self.done:
            return EpisodeStep(OVER, True, False, 0.0, self.success, self.stop_reason)
        if self.elapsed > self.limits.max_seconds:
            return self._end(False, f"time limit: {self.limits.max_seconds:g} s", OVER)
        self.actions.append(action)
        result = self._env.step(action)
        if result.done:
            return self._end(result.success, "success" if result.success else "failure",
                             result.observation, result)
        if len(self.actions) >= self.limits.max_steps:
            return self._end(False, f"step limit: {self.limits.max_steps}", result.observation, result)
        self.observation = result.observation
        return EpisodeStep(result.observation, False, result.valid, result.reward)

    def _end(self, success: bool, reason: str, observation: str,
             result: StepResult | None = None) -> EpisodeStep:
        self.done, self.success, self.stop_reason = True, success, reason
        self.observation = observation
        self.close()
        valid = result.valid if result else False
        reward = result.reward if result else 0.0
        return EpisodeStep(observation, True, valid, reward, success, reason)

    def valid_actions(self) -> Sequence[str] | None:
        return None if self.done else self._env.valid_actions()

    def completion(self) -> str:
        """The actions taken, as the JSON list `EnvSuite.verify` replays."""
        return json.dumps(self.actions)

    def close(self) -> None:
        """Hand the environment back (idempotent). Ends an unfinished episode as given up."""
        if not self.done:
            self.done, self.success, self.stop_reason = True, False, "closed"
        if self._release is not None:
            release, self._release = self._release, None
            release(self._env)

    def __enter__(self) -> Episode:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def parse_actions(completion: str) -> list[str] | None:
    """The action list inside a completion, or None when it is not a JSON list of strings."""
    try:
        actions = json.loads(completion)
    except (TypeError, ValueError):
        return None
    if not isinstance(actions, list) or not all(isinstance(a, str) for a in actions):
        return None
    return actions


class EnvSuite(SuiteBase):
    """A suite over one environment family. Subclasses set `name`, `limits`, `description`
    (what the agent is and does) and `action_help` (how to write actions), and implement
    `all_tasks` and `make_env`. Environments are pooled: one per concurrent episode or replay,
    so an expensive one (a JVM) starts once, not per task.
    """

    #: Defaults per suite. The wall-clock limit bounds a runaway episode; it is generous because a
    #: small model on two busy cores may take minutes per step.
    limits: EpisodeLimits = EpisodeLimits()
    description: str = "You are an agent acting in a text environment."
    action_help: str = ""
    #: Whether an action may span several lines (an SQL query); otherwise the first line counts.
    multiline_actions: bool = False
    #: How to end the episode, told to an agent that repeats itself ("If ..., reply `submit`.").
    finish_hint: str = ""
    #: The action that hands in the agent's answer, if the environment has one (sql: `submit`).
    finish_action: str = ""

    def __init__(self, limits: EpisodeLimits | None = None) -> None:
        super().__init__()
        if limits is not None:
            self.limits = limits
        self._pool: list[Environment] = []
        self._pool_lock = threading.Lock()

    def make_env(self) -> Environment:
        raise NotImplementedError

    def tasks(self, split: Split | None = None) -> Sequence[Task]:
        """Tasks in the order of the split rule's hash, not of generation (which groups them by
        schema, depth or level), so `--limit N` takes a mixed sample of the split."""
        return sorted(super().tasks(split), key=lambda task: split_key(self.name, task.id))

    def demonstration(self, task: Task) -> list[tuple[str, str]] | None:
        """A known solution of `task` as (thought, action) steps, built from what the environment
        knows (its gold query, its recipe), or None where the suite has none. It is hidden
        information: only `ratchet.learn.bootstrap.demos` reads it, for train tasks, to write
        the few initial examples an agent may start from (METHODS card 1, step 1)."""
        return None

    # The agent's side --------------------------------------------------------------------------
    def env_factory(self) -> Callable[[], Environment]:
        """What makes the environments a solver's episodes run in. The default is `make_env`,
        bound to this suite; a subclass returns a callable that holds only the environment's
        own world data (e.g. `partial(SqlEnv, questions)`), so an episode leads to no suite."""
        return self.make_env

    def task_world(self, task: Task) -> Callable[[], Environment] | None:
        """What makes environments that know `task`'s world only (its question, its goal), for a
        view of that one task (`SolverView.for_task`); None where one shared pool serves every
        task (an expensive engine)."""
        return None

    def public_for(self, task: Task) -> EnvPublic:
        world = self.task_world(task)
        public: EnvPublic = self.public()  # type: ignore[assignment]
        return public if world is None else public.for_task(task, world)

    def make_public(self) -> EnvPublic:
        return EnvPublic(self.name, self.description, self.action_help, self.limits, self.env_factory(),
                         self.multiline_actions, self.finish_hint, self.finish_action)

    def new_episode(self, task: Task) -> Episode:
        return self.public().new_episode(task)  # type: ignore[attr-defined]

    # The verifier's side -----------------------------------------------------------------------
    def verify(self, task: Task, completion: str) -> Verdict:
        """Replay the actions in a fresh episode: OK only if the task succeeds within the limits."""
        start = time.perf_counter()
        actions = parse_actions(completion)
        if actions is None:
            return Verdict.fail("the completion is not a JSON list of actions", Status.BAD_FORMAT)
        env = self._acquire()
        try:
            verdict = self._replay(env, task, actions, start)
        except BaseException:
            env.close()
            raise
        self._give_back(env)
        return verdict

    def _replay(self, env: Environment, task: Task, actions: list[str], start: float) -> Verdict:
        env.reset(task)
        for number, action in enumerate(actions[: self.limits.max_steps], start=1):
            if time.perf_counter() - start > self.limits.max_seconds:
                return Verdict.fail("replay ran past the episode's time limit", Status.TIMEOUT,
                                    time.perf_counter() - start)
            result = env.step(action)
            if result.done:
                seconds = time.perf_counter() - start
                if result.success:
                    return Verdict.ok(f"success after {number} actions", seconds)
                return Verdict.fail(f"the episode ended without success after {number} actions",
                                    seconds=seconds)
        return Verdict.fail(f"not done after {min(len(actions), self.limits.max_steps)} actions",
                            seconds=time.perf_counter() - start)

    # Environment pool ----------------------------------------------------------------------------
    def _acquire(self) -> Environment:
        with self._pool_lock:
            if self._pool:
                return self._pool.pop()
        return self.make_env()

    def _give_back(self, env: Environment) -> None:
        with self._pool_lock:
            self._pool.append(env)

    def close(self) -> None:
        """Close every pooled environment, the verifier's and the episodes' (the eval runner
        calls this at the end)."""
        with self._pool_lock:
            envs, self._pool = self._pool, []
        for env in envs:
            env.close()
        public = self.__dict__.get("_public_part")
        if public is not None:
            public.close()


class EnvPublic:
    """What a solver may use of an environment suite: the prompt, action extraction, and fresh
    episodes. Its environments come from a pool of its own, never shared with the verifier's
    replays, made by the suite's `env_factory` (which holds no reference to the suite)."""

    has_visible_checks = False

    def __init__(self, name: str, description: str, action_help: str, limits: EpisodeLimits,
                 factory: Callable[[], Environment], multiline_actions: bool = False,
                 finish_hint: str = "", finish_action: str = "", task_id: str | None = None) -> None:
        self.name, self.description, self.action_help, self.limits = name, description, action_help, limits
        self.multiline_actions, self.finish_hint, self.finish_action = multiline_actions, finish_hint, finish_action
        self._factory = factory
        self._task_id = task_id  # set: episodes of this task only, each in an environment of its own
        self._free: list[Environment] = []
        self._lock = threading.Lock()

    def for_task(self, task: Task, world: Callable[[], Environment]) -> EnvPublic:
        """This part for one task, its episodes made by `world` (which knows that task only)."""
        return type(self)(self.name, self.description, self.action_help, self.limits, world,
                          self.multiline_actions, self.finish_hint, self.finish_action, task.id)

    def messages(self, task: Task) -> list[Message]:
        system = self.description + ("\n\n" + self.action_help if self.action_help else "")
        return [{"role": "system", "content": system}, {"role": "user", "content": f"Goal: {task.prompt}"}]

    def extract(self, task: Task, completion: str) -> str | None:
        actions = parse_actions(completion)
        return None if actions is None else json.dumps(actions)

    def check_visible(self, task: Task, answer: str) -> Verdict | None:
        return None

    def new_episode(self, task: Task) -> Episode:
        if self._task_id is not None:
            if task.id != self._task_id:
                raise UserError(f"this view opens episodes of task {self._task_id!r} only, not {task.id!r}: "
                                "use SolverView.for_task(suite, task) for each task")
            return _open(self._factory(), task, self.limits, release=_close)
        with self._lock:
            env = self._free.pop() if self._free else None
        if env is None:
            env = self._factory()
        return _open(env, task, self.limits, release=self._give_back)

    def _give_back(self, env: Environment) -> None:
        with self._lock:
            self._free.append(env)

    def close(self) -> None:
        with self._lock:
            envs, self._free = self._free, []
        for env in envs:
            env.close()


def _open(env: Environment, task: Task, limits: EpisodeLimits, release: Callable[[Environment], None]) -> Episode:
    try:
        return Episode(env, task, limits, release=release)
    except BaseException:
        env.close()  # a reset that failed may have left it broken: do not pool it
        raise


def _close(env: Environment) -> None:
    env.close()
