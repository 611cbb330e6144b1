"""The wall between solvers and hidden data, and the single read of the test split.

A tripwire suite keeps its gold answers in a vault that fails loudly when read with a strategy's
code on the stack, and whose public part checks, whenever a strategy asks it for a prompt, that
nothing on the strategy's stack (frames, their locals, what those hold) leads to the suite or the
vault. Every registered strategy and every improvement method runs against it with scripted
models; each run must also touch the test split in one block, after everything else.
"""

from __future__ import annotations

import gc
import itertools
import re
import sys
import threading
import types
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ratchet.core import Split, SolverView, Status, SuiteBase, Task, Verdict
from ratchet.envs import EnvSuite, EpisodeLimits
from ratchet.envs.base import EnvPublic
from ratchet.errors import UserError
from ratchet.eval.config import EvalConfig
from ratchet.eval.rundir import RunDir
from ratchet.eval.runner import evaluate
from ratchet.learn.bootstrap import BootstrapConfig, traj_bootstrap
from ratchet.learn.loop import ImproveConfig, improve
from ratchet.models import SamplingParams, ScriptedModel
from ratchet.solvers.registry import STRATEGIES, check_solver, make_solver
from ratchet.ttt import ScriptedSession
from tests.envs.test_episode import Counter
from tests.learn.fakes import ScriptedBackend

STRATEGY_DIRS = tuple(str(Path("ratchet") / part) + "/" for part in ("solvers", "ttt"))
PARAMS = SamplingParams(max_tokens=64)


class Tripped(AssertionError):
    """Hidden data was within a strategy's reach."""


# -- reachability -----------------------------------------------------------------------------
def _opaque() -> set[int]:
    """Objects a search does not enter: modules and their globals (the interpreter's reach, not
    anything a solver was handed)."""
    return {id(m.__dict__) for m in list(sys.modules.values()) if m is not None}


def reaches(roots: list, targets: list, limit: int = 200_000) -> bool:
    """Whether any of `targets` is reachable from `roots` through references (attributes,
    closures, bound methods' __self__, containers), not entering modules, classes or globals."""
    return reaches_ids(roots, {id(t) for t in targets}, limit)


def reaches_ids(roots: list, wanted: set[int], limit: int = 200_000) -> bool:
    skip = _opaque()
    seen: set[int] = set()
    queue = list(roots)
    while queue and len(seen) < limit:
        obj = queue.pop()
        if id(obj) in seen or id(obj) in skip or isinstance(obj, (type, types.ModuleType, types.FrameType)):
            continue
        if id(obj) in wanted:
            return True
        seen.add(id(obj))
        queue.extend(gc.get_referents(obj))
    return False


def strategy_on_stack() -> bool:
    frame = sys._getframe(1)
    while frame is not None:
        if any(part in frame.f_code.co_filename for part in STRATEGY_DIRS):
            return True
        frame = frame.f_back
    return False


def stack_reaches(wanted: set[int]) -> bool:
    """Whether anything in the locals of this thread's frames leads to the objects `wanted`."""
    roots, frame = [], sys._getframe(1)
    while frame is not None:
        roots.extend(frame.f_locals.values())
        frame = frame.f_back
    return reaches_ids(roots, wanted)


# -- the tripwire suite -------------------------------------------------------------------------
@dataclass
class Log:
    """What each part was asked for, in order (a shared counter orders the two parts' entries)."""

    order: itertools.count
    entries: list[tuple[int, str]] = field(default_factory=list)

    def add(self, task_id: str) -> None:
        self.entries.append((next(self.order), task_id))


#: Who may read hidden data: the evaluation runner's judge, and the learners' own verification
#: of what they generate (Traj-Bootstrap's growth, STaR's rationalisations), file and function.
READERS = {("ratchet/eval/runner.py", "judge"), ("ratchet/learn/bootstrap/loop.py", "_grow_member"),
           ("ratchet/learn/data.py", "star_rationalisations")}


def reader_on_stack() -> bool:
    frame = sys._getframe(1)
    while frame is not None:
        code = frame.f_code
        if any(code.co_filename.endswith(path) and code.co_name == name for path, name in READERS):
            return True
        frame = frame.f_back
    return False


class Vault:
    """The gold answers. Reading them with a strategy on the stack, or from anywhere but the
    runner's judge and the learners' own checks (`READERS`), trips."""

    def __init__(self, gold: dict[str, int], log: Log) -> None:
        self._gold = gold
        self.log = log

    def read(self, task_id: str) -> int:
        if strategy_on_stack():
            raise Tripped(f"hidden data of {task_id} read while a strategy was running")
        if not reader_on_stack():
            raise Tripped(f"hidden data of {task_id} read outside the evaluation runner and the learners' checks")
        self.log.add(task_id)
        return self._gold[task_id]


def _numbers(text: str) -> str | None:
    digits = re.findall(r"\d+", text)
    return digits[-1] if digits else None


@dataclass
class Probe:
    """Checks, when a strategy asks for a prompt, that its stack leads to no hidden object. Each
    distinct call path is searched once (a search is slow). It lives in the public part, so it
    knows the hidden objects by id only: nothing in it leads to them."""

    hidden: set[int] = field(default_factory=set)  # ids of the suite, its vault and gold
    searched: set = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def check(self) -> None:
        if not strategy_on_stack():
            return  # a learner building data (STaR's hint) may hold the suite: it is not a solver
        path, frame = [], sys._getframe(1)
        while frame is not None:
            path.append(frame.f_code)
            frame = frame.f_back
        with self.lock:
            if tuple(path) in self.searched:
                return
            self.searched.add(tuple(path))
        if stack_reaches(self.hidden):
            raise Tripped("a strategy's stack leads to the suite or its hidden data")


@dataclass(frozen=True)
class TripwirePublic:
    """Visible only: the prompt, the number in a reply, and a visible check (sums of i and i+1
    are odd). Records which tasks it was asked about."""

    log: Log
    probe: Probe
    name: str = "tripwire"
    has_visible_checks = True

    def messages(self, task: Task) -> list[dict[str, str]]:
        self.probe.check()
        self.log.add(task.id)
        return [{"role": "user", "content": task.prompt}]

    def extract(self, task: Task, completion: str) -> str | None:
        return _numbers(completion)

    def check_visible(self, task: Task, answer: str) -> Verdict | None:
        if int(answer) % 2:
            return Verdict.ok()
        return Verdict.fail(f"check({answer}) is even, expected odd")


class TripwireSuite(SuiteBase):
    """"What is i + (i + 1)?" with its gold answers in a vault."""

    name = "tripwire"

    def __init__(self, n: int = 60) -> None:
        super().__init__()
        order = itertools.count()
        self.prompted, judged = Log(order), Log(order)
        self._tasks = [Task(f"add/{i}", f"What is {i} + {i + 1}?", difficulty=1) for i in range(n)]
        self._vault = Vault({f"add/{i}": 2 * i + 1 for i in range(n)}, judged)
        self.probe = Probe()
        self.probe.hidden.update({id(self), id(self._vault), id(self._vault._gold)})

    def all_tasks(self):
        return self._tasks

    def make_public(self) -> TripwirePublic:
        return TripwirePublic(self.prompted, self.probe)

    def gold(self, task: Task) -> int:
        return self._vault.read(task.id)

    def verify(self, task: Task, completion: str) -> Verdict:
        gold = self._vault.read(task.id)
        answer = _numbers(completion)
        if answer is None:
            return Verdict.fail("no number", Status.BAD_FORMAT)
        return Verdict.ok() if int(answer) == gold else Verdict.fail("wrong")

    def touched(self) -> list[str]:
        """The splits of every task either part was asked about, in order."""
        split = {t.id: s.value for s in Split for t in self.tasks(s)}
        entries = sorted(self.prompted.entries + self._vault.log.entries)
        return [split[task_id] for _, task_id in entries]


class TripwireEnvPublic(EnvPublic):
    def for_task(self, task, world):
        public = super().for_task(task, world)
        public.probe, public.log = self.probe, self.log
        return public

    def messages(self, task: Task) -> list[dict[str, str]]:
        self.probe.check()
        self.log.add(task.id)
        return super().messages(task)


class TripwireEnv(EnvSuite):
    """The counter environment ("reach N"), with a verifier that logs and trips like the vault."""

    name = "tripwire-env"
    limits = EpisodeLimits(max_steps=4, max_seconds=60)

    def __init__(self) -> None:
        super().__init__()
        order = itertools.count()
        self.prompted, self.judged = Log(order), Log(order)
        self.probe = Probe()
        self.probe.hidden.add(id(self))

    def all_tasks(self):
        return [Task(str(n), f"reach {n}") for n in range(1, 21)]

    def make_env(self):
        return Counter()

    def env_factory(self):
        return Counter

    def task_world(self, task):
        return Counter  # the runner hands each solve a view of its own task (SolverView.for_task)

    def make_public(self) -> TripwireEnvPublic:
        public = TripwireEnvPublic(self.name, self.description, self.action_help, self.limits, Counter)
        public.probe, public.log = self.probe, self.prompted
        return public

    def verify(self, task, completion):
        if strategy_on_stack():
            raise Tripped("the environment's verifier ran while a strategy was running")
        self.judged.add(task.id)
        return super().verify(task, completion)


def answer(messages, params) -> str:
    """A scripted model for every strategy: sums the last "What is a + b?" it was shown, writes
    rewrites when asked to, and acts in the counter environment."""
    text = "\n".join(m["content"] for m in messages)
    if messages[0]["content"].startswith("You rewrite"):
        return messages[-1]["content"].rsplit("\n", 1)[-1]
    target = re.findall(r"target (\d+)", text)
    if target:
        return f"Thought: go.\nAction: add {min(3, int(target[-1]))}"
    sums = re.findall(r"What is (\d+) \+ (\d+)", text)
    return f"The answer is {int(sums[-1][0]) + int(sums[-1][1])}" if sums else "The answer is 0"


def one_block_at_the_end(touched: list[str]) -> bool:
    """Test was touched, and nothing but test after the first time."""
    return "test" in touched and set(touched[touched.index("test"):]) == {"test"}


# -- every strategy -----------------------------------------------------------------------------
def strategy(name: str, model: ScriptedModel):
    solver = make_solver(name, inner="self-debug") if name == "gated" else make_solver(name)
    if name in ("tt-si", "tt-d"):
        parts = {"session": ScriptedSession(adapted=model), "scorer": lambda messages, candidates: [(-1.0, 1)] * len(candidates)}
        solver = solver.with_parts(**parts, **({"teacher": model} if name == "tt-d" else {}))
    return solver


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_every_strategy_solves_behind_the_wall(name, tmp_path):
    model = ScriptedModel(answer)
    suite = TripwireEnv() if name == "react" else TripwireSuite(40)
    solver = strategy(name, model)
    check_solver(solver, suite, model)
    config = EvalConfig(suite=suite.name, model="scripted", split="test", solver=name, params=PARAMS)
    result = evaluate(config, suite, model, solver, RunDir(tmp_path))
    assert result.summary["tasks_done"] == len(suite.tasks(Split.TEST))
    assert suite.probe.searched  # the probe did search this strategy's stacks
    if isinstance(suite, TripwireSuite):
        assert set(suite.touched()) == {"test"}


def test_the_tripwire_trips_on_a_strategy_that_reaches_for_hidden_data(tmp_path):
    """The guard can fail: a strategy that holds the suite is caught when it asks for a prompt,
    and strategy code that reads the gold is caught at the vault."""
    suite = TripwireSuite(20)

    class Holding:
        name = "holding"

        def __init__(self, held) -> None:
            self.held = held

        def solve(self, task, view, model, params):
            return make_solver("sample").solve(task, view, model, params)

    config = EvalConfig(suite="tripwire", model="scripted", split="test", solver="holding", params=PARAMS)
    with pytest.raises(Tripped, match="leads to the suite"):
        evaluate(config, suite, ScriptedModel(answer), Holding(suite), RunDir(tmp_path / "held"))
    evaluate(config, TripwireSuite(20), ScriptedModel(answer), Holding(None), RunDir(tmp_path / "fine"))
    hostile = {"suite": suite}
    exec(compile("def solve(task):\n    return suite.gold(task)\n", "src/ratchet/solvers/hostile.py", "exec"), hostile)
    with pytest.raises(Tripped, match="read while a strategy"):
        hostile["solve"](suite.tasks()[0])
    with pytest.raises(Tripped, match="outside the evaluation runner"):  # e.g. a learner peeking at gold
        suite.verify(suite.tasks()[0], "The answer is 1")


def test_a_view_holds_only_the_public_part():
    suite = TripwireSuite(10)
    view = SolverView(suite)
    assert not hasattr(view, "suite") and not hasattr(view, "verify") and not hasattr(view, "tasks")
    assert not reaches([view], [suite, suite._vault, suite._vault._gold])
    assert reaches([suite], [suite._vault._gold])  # the search finds what is there


def _builtin_suites(tmp_path):
    from ratchet.envs.sql import SqlSuite
    from ratchet.envs.wordcraft import WordcraftSuite
    from ratchet.suites.custom import JsonlSuite
    from ratchet.suites.gsm import GsmSuite
    from ratchet.suites.humaneval import HumanEvalSuite
    from ratchet.suites.toolcall import ToolCallSuite

    jsonl = tmp_path / "mine.jsonl"
    jsonl.write_text('{"id": "a", "prompt": "2+2?", "answer": 4}\n')
    gsm, toolcall, humaneval = GsmSuite(n=20), ToolCallSuite(per_function=1), HumanEvalSuite()
    mine = JsonlSuite(jsonl)
    for suite in (gsm, toolcall, humaneval, mine):
        suite.verify(suite.tasks()[0], "0")  # the hidden tables are loaded
    sql, wordcraft = SqlSuite(), WordcraftSuite(n=10)
    first, other = sql.tasks()[:2]
    word_first, word_other = wordcraft.tasks()[:2]
    return [
        (gsm, [gsm._instances]), (toolcall, [toolcall._instances]), (humaneval, [humaneval._problems]),
        (mine, [mine._gold]), (sql, [sql._questions, sql._questions[other.id]]),
        (wordcraft, [wordcraft._puzzles, wordcraft._puzzles[word_other.id]]),
    ]


def test_no_builtin_suite_puts_the_suite_or_its_hidden_tables_behind_a_view(tmp_path):
    """The view the runner hands a solver (`SolverView.for_task`) reaches neither the suite nor
    its hidden tables; an environment's episode holds its own task's world only (sql: that
    question's gold query, not the others')."""
    for suite, tables in _builtin_suites(tmp_path):
        task = suite.tasks()[0]
        view = SolverView.for_task(suite, task)
        if view.has_episodes:
            episode = view.new_episode(task)
            assert not reaches([view, episode], [suite, *tables]), suite.name
            episode.close()
            with pytest.raises(UserError, match="episodes of task"):
                view.new_episode(suite.tasks()[1])
        assert not reaches([view], [suite, *tables]), suite.name
        close = getattr(suite, "close", None)
        if close:
            close()


def test_a_view_made_without_a_task_shares_the_environments_world():
    """`SolverView(suite)` (no task) opens episodes from one pool whose environments hold every
    task's world: the limit docs/ARCHITECTURE.md states, kept known by this test."""
    from ratchet.envs.sql import SqlSuite

    suite = SqlSuite()
    view = SolverView(suite)
    with view.new_episode(suite.tasks()[0]) as episode:
        assert reaches([episode], [suite._questions]) and not reaches([view, episode], [suite])


def test_a_suite_without_a_public_part_gets_a_wall_by_convention_only():
    from tests.toy import AdditionSuite

    suite = AdditionSuite(3)
    view = SolverView(suite)
    assert getattr(view.public, "by_construction", True) is False
    assert reaches([view], [suite])  # what docs/ARCHITECTURE.md says: bound methods lead back


# -- every improvement method -------------------------------------------------------------------
@pytest.mark.parametrize("curation", [(), ("db",), ("exemplar",)])
def test_traj_bootstrap_reads_test_once_behind_the_wall(curation, tmp_path):
    suite = TripwireSuite(60)
    config = BootstrapConfig(suite="tripwire", model="scripted", curation=curation, checkpoints=2, shots=2,
                             base_samples=2, population=2)
    result = traj_bootstrap(config, suite, ScriptedModel(answer), tmp_path, base=make_solver("self-debug"))
    assert one_block_at_the_end(suite.touched()), "test was read before the last decision"
    assert result.test_reads and not result.test_seen
    assert suite.probe.searched


@pytest.mark.parametrize("method", ["star", "rest-em", "dpo", "self-rewarding"])
def test_self_training_reads_test_once_behind_the_wall(method, tmp_path):
    suite = TripwireSuite(60)
    samples = None if method == "star" else 4
    extra = {"judge": "naive"} if method == "self-rewarding" else {}
    config = ImproveConfig(method=method, suite="tripwire", model="scripted", iterations=2, samples=samples,
                           min_examples=1, max_tokens=32, **extra)
    report = improve(config, suite, ScriptedBackend(0.3, [0.9, 0.5]), tmp_path)
    assert one_block_at_the_end(suite.touched()), "test was read before the last decision"
    assert report["test_read"] and (tmp_path / "test.json").exists()
    assert suite.probe.searched
