"""ReAct (Yao et al., 2023): the model alternates a thought and an action; the environment answers
each action with an observation, until the episode ends.

The agent acts through `view.new_episode(task)` and never sees the verifier; its completion is the
JSON list of the actions it took, which the suite replays to judge it. With an `ExemplarSource`
(Traj-Bootstrap), successful trajectories of similar tasks are retrieved by the task goal once,
and by the current state window (the last action and observations) at every step; they are
shown to the model but kept out of the recorded trajectory (`Solution.exemplar_ids` names them).

Stop reasons: "success", "failure" (the environment ended the episode), "step limit: N",
"time limit: S s", "model gave up: ..." (no parsable action, or an explicit give-up) and
"stuck: ..." (the same action with the same observation again and again).

A repeat is told to the model with the observation (`REPEATED`), with the environment's
`finish_hint` where it has one, and the next step is sampled (`unstick_temperature`, a seed of
its own) instead of decoded greedily: small models re-run a query whose result already answers
the question instead of submitting it (sql, 5 of 16 episodes), and a greedy 0.5B model copies
its previous turn word for word even after the note. An agent still stuck in an environment
with a `finish_action` (sql: `submit`) hands in what it kept asserting, as SWE-agent submits on
exit (`autosubmit`); the stop reason says so ("stuck: ...; autosubmitted"), and the action is in
the replayed completion like any other.
"""

from __future__ import annotations

import contextlib
import re
import threading
import weakref
from dataclasses import dataclass, replace
from typing import ClassVar

from ratchet.core import Exemplar, ExemplarSource, Message, Solution, SolverView, Task, Turn, Usage
from ratchet.envs.base import Episode
from ratchet.errors import UserError
from ratchet.models.base import Model, SamplingParams

FORMAT = ("Work in turns. In each turn, write one short thought and then one action, exactly like this:\n"
          "Thought: <your reasoning in one sentence>\nAction: <one action>\n"
          "Then stop: the environment replies with an Observation.")
NO_ACTION = ("Observation: your reply had no action. Reply with a line 'Thought: ...' and then a line "
             "'Action: ...' holding exactly one action.")
YOUR_TURN = "\n\nYour turn: Thought, then Action."  # after the latest observation, in the prompt only
REPEATED = "(You did exactly this last step and got the same observation. {finish}Otherwise try a different action.)"
GIVE_UP = {"give up", "quit", "exit", "i give up"}
ACTION = re.compile(r"(?i)\bact(?:ion)?(?:\s*\d+)?\s*\**\s*:\s*\**")
NEXT_MARKER = re.compile(r"(?i)\n\s*\**\s*(?:observation|thought)\b")
FENCE = re.compile(r"```[\w-]*\n?(.*?)(?:```|$)", re.S)


def parse_action(reply: str, multiline: bool = False) -> str | None:
    """The action in a model reply: the text after the last 'Action:' (up to an 'Observation:'
    or 'Thought:' the model went on to write), else a lone code block, else a reply of one short
    line. `multiline` keeps an action's continuation lines (an SQL query), joined by spaces."""
    matches = list(ACTION.finditer(reply))
    if matches:
        rest = reply[matches[-1].end():]
        rest = NEXT_MARKER.split(rest, maxsplit=1)[0]
    else:
        fence = FENCE.search(reply)
        if fence:
            rest = fence.group(1)
        else:
            lines = [line for line in reply.strip().splitlines() if line.strip()]
            if len(lines) != 1 or len(lines[0]) > 120 or lines[0].lower().startswith("thought"):
                return None
            rest = lines[0]
    fence = FENCE.search(rest)
    if fence and fence.group(1).strip():
        rest = fence.group(1)
    lines = [line.strip() for line in rest.strip().splitlines() if line.strip()]
    if not lines:
        return None
    action = " ".join(lines) if multiline else lines[0].rstrip(".")
    action = action.strip().strip("`*").strip()
    if len(action) > 1 and action[0] == action[-1] and action[0] in "\"'":
        action = action[1:-1].strip()  # quoted whole: "go north"
    return action or None


def render_turns(turns: tuple[Turn, ...] | list[Turn], max_chars: int, turn_chars: int = 400) -> str:
    """An exemplar's turns as text: system turns skipped, each turn and the whole cut to size."""
    parts = []
    for turn in turns:
        if turn.role == "system":
            continue
        text = turn.content.strip()
        parts.append(text if len(text) <= turn_chars else text[:turn_chars] + " ...")
    text = "\n".join(parts)
    return text if len(text) <= max_chars else text[:max_chars] + "\n..."


@dataclass(frozen=True)
class ReActSolver:
    name: ClassVar[str] = "react"
    acts_in_environments: ClassVar[bool] = True  # `check_solver` refuses other strategies there
    max_steps: int = 30  # actions sent to the environment (the suite's own limit also applies)
    k: int = 2  # exemplars shown per retrieval
    exemplars: ExemplarSource | None = None  # retrieved by the task goal (and, by default, state)
    state_exemplars: ExemplarSource | None = None  # retrieved by the state window, if different
    window: int = 6  # recent steps shown in full; older ones are summarised by their actions
    max_step_tokens: int = 256
    max_observation_chars: int = 2000
    exemplar_chars: int = 1500
    max_format_errors: int = 2  # replies without an action in a row before the agent gives up
    max_repeats: int = 3  # the same action and observation this often in a row: stuck
    unstick_temperature: float = 0.7  # after a repeat, the next step samples at least this hot
    autosubmit: bool = True  # stuck where the environment has a finish action: take it

    def __post_init__(self) -> None:
        if self.max_steps < 1 or self.k < 0 or self.window < 1:
            raise UserError(f"react needs max_steps >= 1, k >= 0 and window >= 1, got {self}")

    def check(self, view: SolverView, model: Model | None = None) -> None:
        if not SolverView(view).has_episodes:
            raise UserError(f"strategy 'react' acts in an environment; suite '{view.name}' is not "
                            "one (try --suite sql, wordcraft, textworld or sciworld)")

    def with_exemplars(self, source: ExemplarSource, state_source: ExemplarSource | None = None) -> ReActSolver:
        """This agent with retrieval from `source` (by goal) and `state_source` (by state window)."""
        return replace(self, exemplars=source, state_exemplars=state_source)

    def solve(self, task: Task, view: SolverView, model: Model, params: SamplingParams) -> Solution:
        with _one_episode_at_a_time(model):
            episode = view.new_episode(task)
            try:
                return _Agent(self, task, view, model, params, episode).run()
            finally:
                episode.close()


_MODEL_LOCKS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_MODEL_LOCKS_GUARD = threading.Lock()


def _one_episode_at_a_time(model: Model) -> contextlib.AbstractContextManager:
    """A model that serves one call at a time (llama.cpp in process) plays one episode at a
    time: each step's prompt then extends the last one, and llama.cpp's prompt cache evaluates
    only the new tokens. Interleaved episodes would make it re-read every prompt whole. The
    episode's clock starts once the model is free."""
    if getattr(model, "max_concurrency", 1) > 1:
        return contextlib.nullcontext()
    with _MODEL_LOCKS_GUARD:
        try:
            return _MODEL_LOCKS.setdefault(model, threading.Lock())
        except TypeError:  # not weak-referenceable: no sharing to protect
            return contextlib.nullcontext()


class _Agent:
    """One episode of a ReAct agent: the prompt it builds, the turns it records, what it costs."""

    def __init__(self, solver: ReActSolver, task: Task, view: SolverView, model: Model,
                 params: SamplingParams, episode: Episode) -> None:
        self.solver, self.task, self.view, self.model, self.episode = solver, task, view, model, episode
        self.params = replace(params, max_tokens=min(params.max_tokens, solver.max_step_tokens),
                              stop=tuple(dict.fromkeys((*params.stop, "Observation:"))))
        self.multiline = bool(view.setting("multiline_actions", False))
        hint = view.setting("finish_hint", "")
        self.repeated = REPEATED.format(finish=f"{hint} " if hint else "")
        self.finish = view.setting("finish_action", "") if solver.autosubmit else ""
        messages = view.messages(task)
        system = "\n\n".join(m["content"] for m in messages if m["role"] == "system")
        goal = "\n\n".join(m["content"] for m in messages if m["role"] != "system")
        self.system = (system + "\n\n" if system else "") + FORMAT
        self.first = f"{goal}\n\nObservation: {self._cut(episode.observation)}"
        self.turns: list[Turn] = [Turn("system", self.system), Turn("user", self.first)]
        self.usage = Usage()
        self.shown: dict[str, Exemplar] = {}
        by_goal = self._retrieve(solver.exemplars, task.prompt)
        self.goal_ids = {e.id for e in by_goal}
        self.goal_block = self._exemplar_block(by_goal, "tasks")

    def run(self) -> Solution:
        errors = repeats = 0
        last: tuple[str, str] | None = None
        while True:
            reason = self._limit_reached()
            if reason:
                return self._solution(reason)
            reply = self._ask(unstick=repeats > 1)
            action = parse_action(reply, self.multiline)
            if action is None:
                errors += 1
                if errors >= self.solver.max_format_errors:
                    return self._solution(f"model gave up: no action in {errors} replies")
                self.turns.append(Turn("user", NO_ACTION))
                continue
            errors = 0
            if action.lower().rstrip(".!") in GIVE_UP:
                return self._solution(f"model gave up: '{action}'")
            step = self.episode.step(action)
            repeats = repeats + 1 if last == (action, step.observation) else 1
            last = (action, step.observation)
            note = f"\n{self.repeated}" if repeats > 1 and not step.done else ""
            self.turns.append(Turn("user", f"Observation: {self._cut(step.observation)}{note}"))
            if step.done:
                return self._solution(step.stop_reason or "failure")
            if repeats >= self.solver.max_repeats:
                return self._stuck(f"stuck: '{action}' {repeats} times with the same observation")

    def _stuck(self, reason: str) -> Solution:
        if not self.finish:
            return self._solution(reason)
        self.turns.append(Turn("assistant", f"Action: {self.finish}"))
        step = self.episode.step(self.finish)
        self.turns.append(Turn("user", f"Observation: {self._cut(step.observation)}"))
        return self._solution(f"{reason}; autosubmitted")

    def _limit_reached(self) -> str | None:
        limits = self.episode.limits
        if len(self.episode.actions) >= self.solver.max_steps:
            return f"step limit: {self.solver.max_steps}"
        if self.episode.elapsed > limits.max_seconds:
            return f"time limit: {limits.max_seconds:g} s"
        return None

    def _ask(self, unstick: bool = False) -> str:
        params = self.params
        if unstick and self.solver.unstick_temperature > params.temperature:
            params = replace(params, temperature=self.solver.unstick_temperature,
                             seed=params.seed + 1 + len(self.episode.actions))
        completion = self.model.complete(self._prompt(), params)
        self.usage = self.usage + completion.usage
        text = completion.text.strip()
        self.turns.append(Turn("assistant", text))
        return text

    def _prompt(self) -> list[Message]:
        """System, the goal with goal exemplars, the last `window` steps in full (older ones as
        a list of their actions), and state-window exemplars after the latest observation."""
        history = self.turns[2:]
        first = self.first if not self.goal_block else f"{self.goal_block}{self.first}"
        hidden = self._hidden_steps(len(history) // 2)
        if hidden:
            dropped = [t.content for t in history[: 2 * hidden] if t.role == "assistant"]
            actions = "; ".join(a for a in (parse_action(t, self.multiline) for t in dropped) if a)
            first += f"\n\n({hidden} earlier steps are not shown. Their actions: {actions or 'none'}.)"
            history = history[2 * hidden:]
        messages: list[Message] = [{"role": "system", "content": self.system}, {"role": "user", "content": first}]
        messages += [{"role": t.role, "content": t.content} for t in history]
        state = self._state_block() if history else ""
        messages[-1] = {"role": "user", "content": f"{state}{messages[-1]['content']}{YOUR_TURN}"}
        return messages

    def _hidden_steps(self, steps: int) -> int:
        """How many of the oldest steps to leave out: none up to `window`, then in blocks of half a
        window, so the prompt's beginning (and llama.cpp's cache of it) changes only every few steps."""
        window = self.solver.window
        if steps <= window:
            return 0
        block = max(1, window // 2)
        return ((steps - window - 1) // block + 1) * block

    def _state_block(self) -> str:
        source = self.solver.state_exemplars or self.solver.exemplars
        if source is None or self.solver.k == 0:
            return ""
        recent = [t.content for t in self.turns[2:][-3:] if t.role != "system"]
        return self._exemplar_block(self._retrieve(source, "\n".join(recent), skip=self.goal_ids),
                                    "situations")

    def _retrieve(self, source: ExemplarSource | None, query: str, skip: set[str] = frozenset()) -> list[Exemplar]:
        """Up to k exemplars for `query`, never the task's own, none of `skip` (already shown)."""
        if source is None or self.solver.k == 0:
            return []
        candidates = source.retrieve(query, self.solver.k + len(skip), exclude_task=self.task.id)
        # A source may ignore exclude_task; the task's own trajectory is dropped here regardless.
        found = [e for e in candidates if e.task_id != self.task.id and e.id not in skip][: self.solver.k]
        for exemplar in found:
            self.shown.setdefault(exemplar.id, exemplar)
        return found

    def _exemplar_block(self, exemplars: list[Exemplar], what: str) -> str:
        if not exemplars:
            return ""
        shown = "\n\n".join(f"--- Example {i} ---\n{render_turns(e.trajectory, self.solver.exemplar_chars)}"
                            for i, e in enumerate(exemplars, 1))
        return f"Successful episodes from similar {what}:\n\n{shown}\n--- End of examples ---\n\n"

    def _cut(self, text: str) -> str:
        limit = self.solver.max_observation_chars
        return text if len(text) <= limit else text[:limit] + " ...(cut)"

    def _solution(self, reason: str) -> Solution:
        completion = self.episode.completion()
        return Solution(
            completion=completion,
            answer=self.view.extract(self.task, completion),
            trajectory=tuple(self.turns),
            usage=self.usage,
            stop_reason=reason,
            rounds=1,
            exemplar_ids=tuple(self.shown),
        )
