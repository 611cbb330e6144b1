"""Traj-Bootstrap: grow an experience database on train, measure it on held-out tasks as it grows.

`traj_bootstrap(config, suite, model, run_dir) -> BootstrapResult` runs named phases:

1. baseline — the base agent (no exemplars) on dev, greedy.
2. grow — each database (one, or a population under "db" curation, each on its own task order)
   solves train tasks with exemplars retrieved from itself; every attempt is stored with
   provenance, successes become retrievable. At each of `checkpoints` steps every database is
   frozen at its size and evaluated on dev: the growth curve. Under "db" curation the
   worst database on dev is then replaced by a copy of the best, if the gate accepts.
3. finalize — the best database on dev is saved as the artifact (under "exemplar" curation only
   exemplars whose utility is not clearly negative are kept), evaluated on dev exactly as
   `ratchet eval --exemplars` would, and gated against the base agent on dev.
4. read test once — after every decision: the base agent (greedy, and `base_samples` sampled
   attempts per task for pass@1..k) and the saved database on test. The result records the
   read (`test_reads`). `curve_on_test` (an opt-in) also scores test at every checkpoint; the
   run is then stamped `test_seen` (test was read before the decisions were over).

Everything is resumable: train attempts have deterministic ids (the store ignores repeats), each
evaluation is an ordinary resumable run directory, and `state.json` records finished segments.
"""

from __future__ import annotations

import contextlib
import json
import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ratchet.core import Attempt, SolverView, Suite, Task
from ratchet.eval.config import EvalConfig
from ratchet.eval.rundir import RunDir
from ratchet.eval.runner import EvalResult, evaluate, select_tasks, solve_apart
from ratchet.eval.summary import token_split
from ratchet.errors import UserError
from ratchet.experience import (
    DatabaseRef,
    Experience,
    ExperienceStore,
    StoreRetriever,
    experience_from_attempt,
    experience_id,
    load_exemplar_source,
    resolve_collection,
    save_database,
)
from ratchet.experience.utility import UtilityRanking
from ratchet.learn.bootstrap.config import BootstrapConfig
from ratchet.learn.bootstrap.curation import exemplar_utilities, exploit, kept_exemplars
from ratchet.learn.gate import gate
from ratchet.models.base import Model, SamplingParams
from ratchet.solvers.base import Solver
from ratchet.solvers.fewshot import with_exemplars

Progress = Callable[[str, int, int], None]  # (phase, done, total)


@dataclass
class BootstrapState:
    """What survives a restart besides the store and the evaluation run directories."""

    members: list[str]  # the collection each database currently lives in
    segments_done: int = 0
    curve: list[dict] = field(default_factory=list)
    replacements: list[dict] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # wall seconds per phase, summed
    # "segment/member" -> the store's last seq when that growth began: exemplar curation ranks by
    # the attempts up to it, so a resumed segment ranks exactly as an uninterrupted one
    ranked_until: dict[str, int] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path, members: int) -> BootstrapState:
        if path.exists():
            return cls(**json.loads(path.read_text()))
        return cls(members=[f"m{i}.g0" for i in range(members)])

    def save(self, path: Path) -> None:
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(self.__dict__, indent=2))
        tmp.replace(path)


@dataclass
class _Run:
    config: BootstrapConfig
    path: Path
    suite: Suite
    model: Model
    store: ExperienceStore
    state: BootstrapState
    progress: Progress | None
    train: list[Task]
    base: Solver  # the agent without exemplars

    @property
    def name(self) -> str:
        return self.config.run_name()

    def report(self, phase: str, done: int, total: int) -> None:
        if self.progress:
            self.progress(phase, done, total)

    def save(self) -> None:
        self.state.save(self.path / "state.json")


@dataclass(frozen=True)
class BootstrapResult:
    """Everything the report needs: it is written to result.json and read back from there."""

    config: dict
    base: dict
    final: dict
    curve: list[dict]
    replacements: list[dict]
    decision: dict
    database: str
    cost: dict
    curation: dict
    # every evaluation of the test split, in order; all in the final read unless test_seen
    test_reads: list[dict] = field(default_factory=list)
    test_seen: bool = False  # test was read before the last decision (the curve_on_test opt-in)

    def to_json(self) -> dict:
        return dict(self.__dict__)


def traj_bootstrap(
    config: BootstrapConfig, suite: Suite, model: Model, run_dir: Path, progress: Progress | None = None,
    base: Solver | None = None,
) -> BootstrapResult:
    """Run (or resume) Traj-Bootstrap; returns the result and writes it to run_dir/result.json.
    `base` is the agent without exemplars (default: the strategy `config.solver` names)."""
    if base is None:
        from ratchet.solvers.registry import make_solver

        base = make_solver(config.solver)
    run = _prepare(config, suite, model, Path(run_dir), progress, base)
    try:
        baseline = _timed(run, "baseline", lambda: baseline_phase(run))
        _timed(run, "grow", lambda: grow_phase(run))
        result = _timed(run, "finalize", lambda: finalize_phase(run, baseline))
        result.cost["phase_seconds"] = {k: round(v, 1) for k, v in run.state.seconds.items()}
        (run.path / "result.json").write_text(json.dumps(result.to_json(), indent=2))
    finally:
        run.store.close()
    return result


def _prepare(config: BootstrapConfig, suite: Suite, model: Model, path: Path,
             progress: Progress | None, base: Solver) -> _Run:
    RunDir(path).write_config(config.to_json(), free_keys=())
    train = select_tasks(suite, "train", config.train_limit)
    for split, limit in (("dev", config.dev_limit), ("test", config.test_limit)):
        select_tasks(suite, split, limit)  # a bad split fails before any work
    store = ExperienceStore.open(path / "store.sqlite")
    state = BootstrapState.load(path / "state.json", config.members)
    if config.initial and state.segments_done == 0:
        _seed_members(store, config.initial, state.members, suite.name)
    return _Run(config, path, suite, model, store, state, progress, train, base)


def _seed_members(store: ExperienceStore, initial: str, members: list[str], suite: str) -> None:
    """Copy the successes of an initial database into every member (idempotent: same ids)."""
    ref = DatabaseRef.parse(initial)
    with ExperienceStore.open(ref.location, create=False) as source:
        seeds = list(source.iter(collection=resolve_collection(source, ref.collection), suite=suite, passed=True))
    if not seeds:
        raise UserError(f"{initial} holds no successful trajectory for suite '{suite}' to start from")
    for collection in members:
        store.add(seed.in_collection(collection) for seed in seeds)


def _timed(run: _Run, phase: str, body: Callable):  # noqa: ANN202
    """Run a phase and add its wall time to the state, also when it is interrupted (Ctrl-C), so
    a resumed run's phase_seconds count the interrupted part too (a SIGKILL's part is lost)."""
    start = time.perf_counter()
    try:
        return body()
    finally:
        run.state.seconds[phase] = run.state.seconds.get(phase, 0.0) + time.perf_counter() - start
        run.save()


# -- evaluation helpers -----------------------------------------------------------------------
def _evaluate(run: _Run, name: str, split: str, solver: Solver, *, label: str,
              samples: int = 1, params: SamplingParams | None = None) -> EvalResult:
    c = run.config
    limit = c.dev_limit if split == "dev" else c.test_limit
    config = EvalConfig(
        suite=c.suite, model=c.model, split=split, samples=samples, k=tuple(range(1, samples + 1)),
        params=params or c.eval_params, solver=label, limit=limit, base_url=c.base_url,
    )
    return evaluate(config, run.suite, run.model, solver, RunDir(run.path / "evals" / name),
                    progress=lambda done, total: run.report(f"{name}", done, total))


def task_scores(result: EvalResult) -> dict[str, float]:
    """Per-task pass (1.0) or fail (0.0) of a one-sample evaluation, for the gate."""
    return {a.task_id: 1.0 if a.passed else 0.0 for a in result.attempts if a.sample == 0}


def _pass1(result: EvalResult) -> float:
    return round(result.summary["pass_at_k"]["pass@1"], 4)


# -- phase 1: the base agent -----------------------------------------------------------------
def baseline_phase(run: _Run) -> dict:
    """The agent the bootstrap starts from, on dev (its test score waits for the final read)."""
    with contextlib.ExitStack() as stack:
        solver, label = _base_agent(run, stack)
        dev = _evaluate(run, "base-dev", "dev", solver, label=label)
    return {"dev_pass@1": _pass1(dev), "dev_scores": task_scores(dev), "tokens": _eval_tokens(dev)}


def _base_agent(run: _Run, stack: contextlib.ExitStack) -> tuple[Solver, str]:
    """The base solver, shown the initial database's examples when there is one (card 1,
    step 1), so every gain is measured against it; and its label."""
    c = run.config
    if not c.initial:
        return run.base, c.solver
    return _shown_database(run, c.initial, stack), f"{c.solver}+exemplars(k={c.shots}):{c.initial}"


def _shown_database(run: _Run, spec: str | Path, stack: contextlib.ExitStack) -> Solver:
    """The base agent shown a saved database's examples as `ratchet eval --exemplars` shows them
    (by task text, and by state window for an agent that retrieves at every step); the database
    closes with `stack`."""
    def source(by: str) -> StoreRetriever:
        retriever = load_exemplar_source(spec, suite=run.suite.name, by=by)
        stack.callback(retriever.store.close)
        return retriever

    by_task = source("task")
    state = source("state") if hasattr(run.base, "with_exemplars") else None
    return with_exemplars(run.base, by_task, run.config.shots, state)


def _eval_tokens(*results: EvalResult) -> int:
    """Tokens the evaluations generated (those replayed from the response cache left out)."""
    return sum(token_split(r.summary)[0] for r in results)


# -- phase 2: growing the databases ------------------------------------------------------------
def segment_bounds(total_steps: int, checkpoints: int) -> list[int]:
    """Step counts at which the databases are frozen and evaluated (strictly increasing)."""
    bounds = sorted({max(1, round(total_steps * (i + 1) / checkpoints)) for i in range(checkpoints)})
    return [b for b in bounds if b <= total_steps] or [total_steps]


def task_order(train: Sequence[Task], seed: int, member: int, iteration: int) -> list[Task]:
    """Member `member`'s order of the train tasks in pass `iteration` (seeded, reproducible)."""
    order = list(train)
    random.Random(f"{seed}/{member}/{iteration}").shuffle(order)
    return order


def grow_phase(run: _Run) -> None:
    c = run.config
    total = c.iterations * len(run.train)
    bounds = segment_bounds(total, c.checkpoints) if total else []
    start = 0 if run.state.segments_done == 0 else bounds[run.state.segments_done - 1]
    for segment in range(run.state.segments_done, len(bounds)):
        for member in range(c.members):
            _grow_member(run, member, start, bounds[segment], total, segment)
        _checkpoint(run, segment)
        run.state.segments_done = segment + 1
        run.save()
        start = bounds[segment]


def _retriever(run: _Run, collection: str, max_seq: int | None = None, by: str = "task",
               ranked_until: int | None = None) -> StoreRetriever:
    """The database's exemplar source; under "exemplar" curation, ranked and filtered by the
    utilities measured on its own train attempts up to `ranked_until` (default: `max_seq`)."""
    ranking = _ranking(run, collection, max_seq if ranked_until is None else ranked_until)
    kwargs = ranking.retriever_kwargs() if ranking else {}
    return StoreRetriever(run.store, collection=collection, suite=run.suite.name, max_seq=max_seq,
                          by=by, **kwargs)


def _solver(run: _Run, collection: str, max_seq: int | None = None, ranked_until: int | None = None) -> Solver:
    """The base agent with this database's exemplars (by task text; by state window too, for
    agents that retrieve at every step)."""
    source = _retriever(run, collection, max_seq, ranked_until=ranked_until)
    state = None
    if hasattr(run.base, "with_exemplars"):
        state = _retriever(run, collection, max_seq, by="state", ranked_until=ranked_until)
    return with_exemplars(run.base, source, run.config.shots, state)


def _grow_member(run: _Run, member: int, start: int, stop: int, total: int, segment: int) -> None:
    c = run.config
    collection = run.state.members[member]
    key = f"{segment}/{member}"
    if key not in run.state.ranked_until:  # recorded before the first attempt, kept on restarts
        run.state.ranked_until[key] = run.store.last_seq(collection)
        run.save()
    solver = _solver(run, collection, ranked_until=run.state.ranked_until[key])
    done_ids = run.store.ids(collection)
    tag = f"{run.name}/m{member}"
    phase = f"grow m{member}" if c.members > 1 else "grow"
    for step in range(start, stop):
        iteration, position = divmod(step, len(run.train))
        task = task_order(run.train, c.seed, member, iteration)[position]
        run.report(phase, step, total)
        if experience_id(tag, iteration, task.id, 0) in done_ids:
            continue  # stored before a restart
        # Every (member, pass) samples with its own seed: members shown the same exemplars for
        # the same task would otherwise replay one another's attempts from the response cache.
        params = c.train_params.for_sample(iteration * c.members + member)
        view = SolverView.for_task(run.suite, task)  # an environment's episodes: this task's world only
        solution = solve_apart(solver, task, view, run.model, params)  # no frame of ours in reach
        verdict = run.suite.verify(task, solution.completion)
        attempt = Attempt(task.id, 0, solution, verdict, solver.name)
        run.store.add([experience_from_attempt(
            attempt, suite=run.suite.name, key=task.prompt, model=c.model, run=tag,
            iteration=iteration, collection=collection,
        )])
    run.report(phase, stop, total)


def _checkpoint(run: _Run, segment: int) -> None:
    """Freeze every database at its size, evaluate it on dev (and on test only under the
    `curve_on_test` opt-in, which stamps the run test_seen), then exploit."""
    c = run.config
    dev_scores = []
    for member, collection in enumerate(run.state.members):
        max_seq = run.store.last_seq(collection)
        solver = _solver(run, collection, max_seq)
        label = f"{c.solver}+exemplars(k={c.shots}):{collection}@{max_seq}"
        dev = _evaluate(run, f"s{segment}-m{member}-dev", "dev", solver, label=label)
        test = (_evaluate(run, f"s{segment}-m{member}-test", "test", solver, label=label)
                if c.curve_on_test else None)
        dev_scores.append(task_scores(dev))
        counts = run.store.collections().get(collection, {})
        _record_point(run, segment, member, collection, max_seq, counts, dev, test)
    if "db" in c.curation:
        _exploit(run, segment, dev_scores)


def _record_point(run: _Run, segment: int, member: int, collection: str, max_seq: int,
                  counts: dict, dev: EvalResult, test: EvalResult | None) -> None:
    point = {
        "segment": segment, "member": member, "collection": collection, "max_seq": max_seq,
        "db_size": counts.get("successes", 0), "tasks_solved": counts.get("tasks_solved", 0),
        "experiences": counts.get("experiences", 0),
        "dev_pass@1": _pass1(dev), "test_pass@1": _pass1(test) if test else None,
    }
    run.state.curve = [p for p in run.state.curve
                       if (p["segment"], p["member"]) != (segment, member)] + [point]


def _exploit(run: _Run, segment: int, dev_scores: list[dict[str, float]]) -> None:
    replacement = exploit(dev_scores, run.config.pbt_level)
    if replacement is None:
        return
    event = {"segment": segment, **replacement.to_json(), "copied": 0}
    if replacement.decision.accept:
        target = f"m{replacement.worst}.g{segment + 1}"
        event["copied"] = run.store.copy_collection(run.state.members[replacement.best], target)
        event["from"], event["to"] = run.state.members[replacement.best], target
        run.state.members[replacement.worst] = target
    run.state.replacements = [e for e in run.state.replacements if e["segment"] != segment] + [event]


# -- phase 3: the artifact ---------------------------------------------------------------------
def best_member(run: _Run) -> int:
    """The database with the best dev score at the last checkpoint (lowest index on ties)."""
    last = max((p["segment"] for p in run.state.curve), default=None)
    points = [p for p in run.state.curve if p["segment"] == last]
    if not points:
        return 0
    return max(points, key=lambda p: (p["dev_pass@1"], -p["member"]))["member"]


def _ranking(run: _Run, collection: str, max_seq: int | None = None) -> UtilityRanking | None:
    """Exemplar curation's ranking of a database, from its own attempts up to `max_seq`."""
    c = run.config
    if "exemplar" not in c.curation:
        return None
    stored = run.store.iter(collection=collection, suite=run.suite.name, max_seq=max_seq)
    return UtilityRanking.measure(_own_attempts(run, stored), weight=c.utility_weight,
                                  min_utility=c.min_utility, min_uses=c.min_uses)


def _own_attempts(run: _Run, stored: Iterable[Experience]) -> list[Experience]:
    """The attempts made by this run's agents: what utilities are measured on. Seeds from an
    initial database are exemplars, not attempts (counting a demonstration as a success "when
    not shown" would make every exemplar look harmful)."""
    return [e for e in stored if e.run.startswith(f"{run.name}/m")]


def _save_artifact(run: _Run, collection: str) -> tuple[Path, dict, int]:
    """The database as a file: under exemplar curation without the exemplars it drops, and with
    its ranking, so using the file retrieves as the last checkpoint did. Also returns how many
    successful trajectories the file holds (curation may have dropped them all)."""
    c = run.config
    path = run.path / "database.sqlite"
    info: dict = {"collection": collection}
    if "exemplar" not in c.curation:
        save_database(run.store, collection, path)
        return path, info, run.store.collections().get(collection, {}).get("successes", 0)
    stored = list(run.store.iter(collection=collection, suite=run.suite.name))
    utilities = exemplar_utilities(_own_attempts(run, stored))
    successes = {a.id for a in stored if a.passed}
    kept = kept_exemplars(successes, utilities, min_uses=c.min_uses, min_utility=c.min_utility)
    ranked = sorted(utilities.values(), key=lambda u: -u.utility)
    info.update(successes=len(successes), kept=len(kept), dropped=sorted(successes - kept),
                utilities=[u.to_json() for u in ranked[:50]])
    ranking = UtilityRanking.from_utilities(utilities, weight=c.utility_weight, min_utility=c.min_utility,
                                            min_uses=c.min_uses)
    save_database(run.store, collection, path, keep_ids={a.id for a in stored} - (successes - kept),
                  ranking=ranking)
    return path, info, len(kept)


def finalize_phase(run: _Run, base: dict) -> BootstrapResult:
    c = run.config
    member = best_member(run)
    path, curation, successes = _save_artifact(run, run.state.members[member])
    if successes:
        final, decision = _evaluate_artifact(run, path, base)
    else:  # nothing to show: the agent with this database is the base agent
        final = {"dev_pass@1": base["dev_pass@1"], "tokens": 0}
        decision = {**gate(base["dev_scores"], base["dev_scores"], c.gate_level).to_json(),
                    "reason": "the database holds no successful trajectory"}
    tested = read_test_once(run, path if successes else None)
    base = {**base, "test_pass@1": tested["base"], "test_sampled": tested["base_sampled"]}
    final = {**final, "test_pass@1": tested["final"], "tokens": final["tokens"] + tested["final_tokens"]}
    base["tokens"] += tested["base_tokens"]
    early = [{"evaluation": f"s{p['segment']}-m{p['member']}-test", "phase": "checkpoint"}
             for p in run.state.curve if p["test_pass@1"] is not None]
    return BootstrapResult(
        config=c.to_json(), base={k: v for k, v in base.items() if k != "dev_scores"},
        final={"member": member, **final}, curve=run.state.curve, replacements=run.state.replacements,
        decision={**decision, "kept": decision["accept"]}, database=str(path),
        cost=_grow_cost(run), curation=curation, test_reads=early + tested["reads"], test_seen=bool(early),
    )


def read_test_once(run: _Run, artifact: Path | None) -> dict:
    """The test split, read after every decision: the base agent (greedy, and sampled for
    pass@1..k) and the saved database (`artifact`; None: the base agent is the final agent)."""
    c = run.config
    with contextlib.ExitStack() as stack:
        solver, label = _base_agent(run, stack)
        test = _evaluate(run, "base-test", "test", solver, label=label)
        sampled = _evaluate(run, "base-test-sampled", "test", solver, label=label,
                            samples=c.base_samples, params=c.sampled_params)
        final = test
        if artifact is not None:
            label = f"{c.solver}+exemplars(k={c.shots}):database.sqlite"
            final = _evaluate(run, "final-test", "test", _shown_database(run, artifact, stack), label=label)
    names = ["base-test", "base-test-sampled"] + (["final-test"] if artifact is not None else [])
    return {
        "base": _pass1(test), "final": _pass1(final),
        "base_sampled": {k: round(v, 4) for k, v in sampled.summary["pass_at_k"].items()},
        "base_tokens": _eval_tokens(test, sampled), "final_tokens": _eval_tokens(final) if artifact else 0,
        "reads": [{"evaluation": name, "phase": "final", "tasks": test.summary["tasks"]}
                  for name in names],
    }


def _evaluate_artifact(run: _Run, path: Path, base: dict) -> tuple[dict, dict]:
    """The saved database used exactly as `ratchet eval --exemplars` uses it, gated on dev
    against the base agent (its test score waits for the final read)."""
    c = run.config
    label = f"{c.solver}+exemplars(k={c.shots}):database.sqlite"
    with contextlib.ExitStack() as stack:
        solver = _shown_database(run, path, stack)
        dev = _evaluate(run, "final-dev", "dev", solver, label=label)
    decision = gate(base["dev_scores"], task_scores(dev), c.gate_level)
    final = {"dev_pass@1": _pass1(dev), "tokens": _eval_tokens(dev)}
    return final, decision.to_json()


def _grow_cost(run: _Run) -> dict:
    """Tokens and time spent growing the databases: this run's train attempts, each counted once
    (a database copied by the exploit step holds the same ids again)."""
    seen: set[str] = set()
    prompt = completion = successes = replayed = 0
    seconds = 0.0
    for experience in run.store.iter(collection=None):
        if not experience.run.startswith(f"{run.name}/m") or experience.id in seen:
            continue
        seen.add(experience.id)
        successes += int(experience.passed)
        prompt += experience.prompt_tokens
        completion += experience.completion_tokens
        replayed += experience.replayed_tokens
        seconds += experience.seconds
    return {
        "train_attempts": len(seen), "train_successes": successes,
        "prompt_tokens": prompt, "completion_tokens": completion,
        "replayed_tokens": replayed,  # of prompt + completion, from the response cache
        "generation_seconds": round(seconds, 2),
        "phase_seconds": {k: round(v, 1) for k, v in run.state.seconds.items()},
    }
