"""Evaluation: run a solver over a split, verify every solution, append attempts, summarise.

Phases: select tasks -> skip what the run directory already holds -> solve and verify in a
small thread pool (an in-process model serialises its calls, so verification of one answer
overlaps generation of the next) -> summarise.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

from ratchet.core import Attempt, Solution, SolverView, Split, Suite, Task
from ratchet.errors import BackendError, UserError
from ratchet.eval.config import EvalConfig
from ratchet.eval.rundir import RunDir
from ratchet.eval.summary import summarize
from ratchet.models.base import Model, SamplingParams
from ratchet.solvers.base import Solver

Progress = Callable[[int, int], None]  # (done, total)


@dataclass(frozen=True)
class EvalResult:
    config: EvalConfig
    summary: dict
    attempts: tuple[Attempt, ...]
    run_dir: RunDir


def select_tasks(suite: Suite, split: str, limit: int | None) -> list[Task]:
    try:
        chosen = Split(split)
    except ValueError:
        raise UserError(f"unknown split '{split}': choose train, dev or test") from None
    tasks = list(suite.tasks(chosen))
    return tasks[:limit] if limit else tasks


def evaluate(
    config: EvalConfig,
    suite: Suite,
    model: Model,
    solver: Solver,
    run_dir: RunDir,
    progress: Progress | None = None,
) -> EvalResult:
    """Run (or resume) an evaluation. Attempts already in `run_dir` are kept, not redone."""
    run_dir.write_config(config.to_json())
    tasks = select_tasks(suite, config.split, config.limit)
    wanted = {(t.id, s) for t in tasks for s in range(config.samples)}
    done = [a for a in run_dir.load_attempts() if (a.task_id, a.sample) in wanted]
    done_keys = {(a.task_id, a.sample) for a in done}
    todo = [(t, s) for t in tasks for s in range(config.samples) if (t.id, s) not in done_keys]
    start = time.perf_counter()
    new = _solve_all(todo, suite, model, solver, config, run_dir, progress, len(done))
    attempts = tuple(done) + tuple(new)
    summary = summarize(attempts, tasks, config.k, time.perf_counter() - start)
    summary["resumed_attempts"] = len(done)
    summary["model_identity"] = model.identity
    run_dir.write_summary(summary)
    return EvalResult(config, summary, attempts, run_dir)


def _solve_all(
    todo: Sequence[tuple[Task, int]],
    suite: Suite,
    model: Model,
    solver: Solver,
    config: EvalConfig,
    run_dir: RunDir,
    progress: Progress | None,
    already: int,
) -> list[Attempt]:
    """Solve on one thread pool, verify on another: a solving thread's stack, its work item and
    its function's closure hold its task's view, never the suite (docs/ARCHITECTURE.md, the wall)."""
    total = already + len(todo)
    attempts: list[Attempt] = []

    def judge(task: Task, sample: int, solution: Solution) -> Attempt:
        verdict = suite.verify(task, solution.completion)
        round_verdicts = ()
        if len(solution.round_completions) > 1:
            round_verdicts = tuple(suite.verify_many([(task, c) for c in solution.round_completions]))
        attempt = Attempt(task.id, sample, solution, verdict, solver.name, round_verdicts)
        run_dir.append(attempt)
        return attempt

    def judged(attempt: Attempt) -> None:
        attempts.append(attempt)
        if progress:
            progress(already + len(attempts), total)

    if progress:
        progress(already, total)
    views = ((task, sample, lambda task=task: SolverView.for_task(suite, task)) for task, sample in todo)
    _pipeline(views, _solving(solver, model, config), judge, judged, max(2, model.max_concurrency + 1))
    return attempts


def _pipeline(todo: Iterator[tuple[Task, int, Callable[[], SolverView]]], solve: Callable[[Task, int, SolverView], Solution],
              judge: Callable[[Task, int, Solution], Attempt], judged: Callable[[Attempt], None], workers: int) -> None:
    """At most `workers` solves in flight, each handed its task's view as it is submitted (so the
    solving pool's queue never holds the other tasks' views); each solution is then judged on the
    verifying pool. An error cancels what has not started and is raised."""
    with ThreadPoolExecutor(workers, thread_name_prefix="ratchet-solve") as solving, \
            ThreadPoolExecutor(workers, thread_name_prefix="ratchet-verify") as verifying:
        solving_now: dict[Future, tuple[Task, int]] = {}
        pending: set[Future] = set()
        started: list[Future] = []

        def start(future: Future) -> None:
            pending.add(future)
            started.append(future)

        def solve_next() -> None:
            for task, sample, view in itertools.islice(todo, 1):
                solving_now[future := solving.submit(solve, task, sample, view())] = (task, sample)
                start(future)

        for _ in range(workers):
            solve_next()
        try:
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    pending.discard(future)
                    if future in solving_now:
                        start(verifying.submit(judge, *solving_now.pop(future), future.result()))
                        solve_next()
                    else:
                        judged(future.result())
        except BaseException:
            for future in started:
                future.cancel()
            raise


def solve_apart(solver: Solver, task: Task, view: SolverView, model: Model, params: SamplingParams) -> Solution:
    """`solver.solve(...)` on a thread of its own, for loops that solve and then verify: the
    strategy's stack then starts at this thread, so walking it up finds none of the caller's
    frames (which hold the suite); its exceptions are raised here."""
    outcome: list = []

    def run() -> None:
        try:
            outcome.append((True, solver.solve(task, view, model, params)))
        except BaseException as error:  # noqa: BLE001 - handed back to the caller's thread
            outcome.append((False, error))

    thread = threading.Thread(target=run, name="ratchet-solve", daemon=True)
    thread.start()
    thread.join()
    ok, value = outcome[0]
    if not ok:
        raise value
    return value


def _solving(solver: Solver, model: Model, config: EvalConfig) -> Callable[[Task, int, SolverView], Solution]:
    """The function a solving thread runs: it is handed the task's view, never the suite."""
    def solve(task: Task, sample: int, view: SolverView) -> Solution:
        return _solve_once(solver, task, view, model, config, sample)

    return solve


def _solve_once(
    solver: Solver, task: Task, view: SolverView, model: Model, config: EvalConfig, sample: int
) -> Solution:
    params = config.params.for_sample(sample)
    try:
        return solver.solve(task, view, model, params)
    except BackendError as error:
        if error.retryable:
            raise BackendError(
                f"{error} (retries exhausted; rerun the same command to resume)", retryable=True
            ) from error
        raise
