"""The few initial examples an agent may start from (METHODS card 1, step 1).

In the paper they are written by people. Here an environment suite's own known solution of a
train task (`EnvSuite.demonstration`: the SQL gold query, the Wordcraft recipe path, the
TextWorld walkthrough) is played through the ReAct agent by a scripted model, so a demonstration
has exactly the agent's format and the environment's real observations, and is verified like any
attempt. Only train tasks are used; each is stored with its provenance (model "demonstration").
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ratchet.core import Attempt, SolverView, Suite, Task
from ratchet.errors import UserError
from ratchet.eval.runner import solve_apart
from ratchet.experience import DEFAULT_COLLECTION, ExperienceStore, experience_from_attempt
from ratchet.models.base import SamplingParams
from ratchet.models.scripted import ScriptedModel
from ratchet.solvers.react import ReActSolver

DEMO_MODEL = "demonstration"


def demonstration_attempt(suite: Suite, task: Task) -> Attempt:
    """`task`'s known solution played by the ReAct agent and verified by the suite."""
    steps = _steps(suite, task)
    replies = [f"Thought: {thought}\nAction: {action}" for thought, action in steps]
    solver = ReActSolver(max_steps=len(replies))
    solution = solve_apart(solver, task, SolverView.for_task(suite, task), ScriptedModel(replies, name=DEMO_MODEL), SamplingParams())
    verdict = suite.verify(task, solution.completion)
    if not verdict.passed:  # the suite's own solution must solve its own task
        raise RuntimeError(f"the demonstration of {suite.name}/{task.id} does not pass: {verdict.feedback}")
    return Attempt(task.id, 0, solution, verdict, solver.name)


def write_demonstrations(suite: Suite, location: str | Path, count: int, *, from_end: bool = True) -> int:
    """Store demonstrations of `count` train tasks (the last ones of the split by default, so
    they stay apart from the first tasks a `--train-limit` run grows on); returns how many were
    added (0 when they are already there)."""
    if count < 1:
        raise UserError(f"--tasks must be >= 1, got {count}")
    train = list(suite.tasks("train"))
    if count > len(train):
        raise UserError(f"suite '{suite.name}' has {len(train)} train tasks; asked for {count} demonstrations")
    chosen = train[-count:] if from_end else train[:count]
    experiences = [  # all played before the store is opened: a suite that cannot demonstrate writes nothing
        experience_from_attempt(demonstration_attempt(suite, task), suite=suite.name, key=task.prompt,
                                model=DEMO_MODEL, run=f"demonstrations/{suite.name}")
        for task in chosen
    ]
    with ExperienceStore.open(location) as store:
        before = len(store.ids(DEFAULT_COLLECTION))
        store.add(experiences)
        return len(store.ids(DEFAULT_COLLECTION)) - before


def _steps(suite: Suite, task: Task) -> Sequence[tuple[str, str]]:
    demonstration = getattr(suite, "demonstration", None)
    steps = demonstration(task) if demonstration is not None else None
    if not steps:
        raise UserError(f"suite '{suite.name}' has no known solutions to demonstrate "
                        "(demonstrations exist for sql, wordcraft and textworld)")
    return steps
