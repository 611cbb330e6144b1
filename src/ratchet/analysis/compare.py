"""Compare strategies on the same suite, split, model and sampling parameters.

Each strategy is an ordinary evaluation run (in the same `runs` directory `ratchet eval` uses, so
an earlier eval run is reused, and a killed comparison resumes); the model passed in carries the
response cache, so a strategy's first round replays `sample`'s answers instead of generating them
again. The comparison itself writes one directory: compare.json (the table, read back by reports),
PNG plots and report.html.

    from ratchet.analysis import run_comparison
    comparison = run_comparison(["sample", "self-debug"], base_config, suite, model, Path("runs"))
    comparison.rows()
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ratchet.analysis.correction import accuracy_by_round, correction_stats, stop_reasons
from ratchet.analysis.cost import cost_of, pass_at_t, resampling_curve, seconds_per_token, vote_curve
from ratchet.core import Attempt, Suite
from ratchet.errors import UserError
from ratchet.eval.config import EvalConfig
from ratchet.eval.intervals import compare_paired, mean_interval
from ratchet.eval.rundir import RunDir
from ratchet.eval.runner import evaluate
from ratchet.models.base import Model, SamplingParams
from ratchet.solvers.registry import check_solver, make_solver, solver_spec

BASELINE = "sample"
VOTING = ("self-consistency", "adaptive-consistency")
Progress = Callable[[str, int, int], None]  # (strategy, done, total)


def run_dir_name(config: EvalConfig) -> str:
    """`config.run_name()` with the strategy spec made path-friendly (no ':' ',' '=')."""
    slug = config.solver.replace(":", "_").replace(",", "_").replace("=", "-")
    return config.run_name().replace(config.solver, slug)


@dataclass(frozen=True)
class StrategyRun:
    spec: str
    run_dir: Path
    summary: dict
    attempts: tuple[Attempt, ...]

    @property
    def strategy(self) -> str:
        return self.spec.split(":", 1)[0]

    @property
    def accuracy(self) -> float:
        return self.summary["pass_at_k"]["pass@1"]

    @property
    def task_scores(self) -> dict[str, float]:
        """1.0 or 0.0 per task, from the first sample (what pass@1 counts)."""
        return {a.task_id: float(a.passed) for a in self.attempts if a.sample == 0}

    def accuracy_interval(self) -> dict:
        """pass@1 with its 95% interval (from the summary; recomputed for an older summary)."""
        stored = self.summary.get("intervals", {}).get("pass@1")
        return stored or mean_interval(list(self.task_scores.values())).to_json()


def paired_vs(run: StrategyRun, baseline: StrategyRun) -> dict:
    """run − baseline on the tasks both scored: the difference, its 95% interval (Newcombe),
    McNemar's exact two-sided p-value, and 'n too small to decide' when the interval holds 0."""
    mine, theirs = run.task_scores, baseline.task_scores
    shared = sorted(set(mine) & set(theirs))
    return compare_paired([mine[t] for t in shared], [theirs[t] for t in shared]).to_json()


@dataclass(frozen=True)
class Comparison:
    path: Path
    base: EvalConfig
    runs: tuple[StrategyRun, ...]
    resample: StrategyRun | None = None

    def rows(self) -> list[dict]:
        """One row per strategy: accuracy with its 95% interval, Δ over `sample` with its interval
        and McNemar's p-value, the correction decomposition, cost."""
        pooled = seconds_per_token([a for run in self.all_runs() for a in run.attempts])
        baseline_run = next((run for run in self.runs if run.spec == BASELINE), None)
        baseline = None if baseline_run is None else baseline_run.accuracy
        rows = []
        for run in self.runs:
            first = [a for a in run.attempts if a.sample == 0]
            stats = correction_stats(first)
            multi_round = any(a.round_verdicts for a in first)
            rows.append({
                "strategy": run.spec,
                "accuracy": run.accuracy,
                "accuracy_interval": run.accuracy_interval(),
                "delta_vs_sample": None if baseline is None else run.accuracy - baseline,
                "vs_sample": None if baseline_run is None or run is baseline_run else paired_vs(run, baseline_run),
                "correction": stats.to_json() if multi_round else None,
                "accuracy_by_round": accuracy_by_round(first),
                "cost": cost_of(run.attempts, seconds_per_token(run.attempts) or pooled).to_json(),
                "stop_reasons": stop_reasons(run.attempts),
                "run_dir": str(run.run_dir),
            })
        return rows

    def curves(self) -> dict[str, dict[str, list[tuple[float, float]]]]:
        """Points for the plots: pass@t per strategy, the voting curves, plain resampling."""
        curves = {"pass_at_t": {}, "vote": {}, "resampling": {}}
        for run in self.runs:
            curves["pass_at_t"][run.spec] = pass_at_t(run.attempts)
            if run.strategy in VOTING:
                curves["vote"][run.spec] = vote_curve(run.attempts)
        if self.resample is not None:
            curves["resampling"]["sample, pass@k"] = resampling_curve(self.resample.attempts)
        return curves

    def all_runs(self) -> list[StrategyRun]:
        return [*self.runs, *([self.resample] if self.resample else [])]

    def to_json(self) -> dict:
        return {
            "suite": self.base.suite, "split": self.base.split, "model": self.base.model,
            "limit": self.base.limit, "params": self.base.to_json()["params"],
            "strategies": [run.spec for run in self.runs],
            "resample": None if self.resample is None else self.resample.summary,
            "rows": self.rows(),
            "curves": self.curves(),
        }


def comparison_dir(runs: Path, base: EvalConfig, specs: Sequence[str], resample: int) -> Path:
    payload = json.dumps({"base": {**base.to_json(), "solver": None, "limit": None},
                          "strategies": list(specs), "resample": resample}, sort_keys=True)
    digest = hashlib.sha256(payload.encode()).hexdigest()[:10]
    model = base.model.rsplit("/", 1)[-1].removesuffix(".gguf")
    suite = base.suite.rsplit("/", 1)[-1].split(".")[0]
    return runs / f"compare-{suite}-{base.split}-{model}-{digest}"


def resolve_strategies(names: Sequence[str], **options) -> list[str]:
    """Canonical specs for strategy names (options apply to the strategies that take them)."""
    from ratchet.solvers.registry import options_of, parse_spec, strategy_class

    specs = []
    for name in names:
        cls = strategy_class(parse_spec(name)[0])
        own = {k: v for k, v in options.items() if k in options_of(cls)}
        specs.append(solver_spec(make_solver(name, **own)))
    if len(set(specs)) != len(specs):
        raise UserError(f"--strategies lists a strategy twice: {', '.join(specs)}")
    return specs


def run_comparison(
    strategies: Sequence[str],
    base: EvalConfig,
    suite: Suite,
    model: Model,
    runs: Path,
    *,
    resample: int = 0,
    progress: Progress | None = None,
) -> Comparison:
    """Run (or resume) every strategy, then a plain resampling run with `resample` samples per
    task (0: none), and write the comparison directory."""
    solvers = [make_solver(spec) for spec in strategies]
    for solver in solvers:
        check_solver(solver, suite, model)
    done = []
    for solver in solvers:
        config = replace(base, solver=solver_spec(solver), samples=1, k=(1,))
        done.append(_run(config, suite, model, solver, runs, progress))
    resampled = None
    if resample > 1:
        params = replace(base.params, temperature=0.8, top_p=0.95)
        config = replace(base, solver=BASELINE, samples=resample, k=tuple(range(1, resample + 1)), params=params)
        resampled = _run(config, suite, model, make_solver(BASELINE), runs, progress, label=f"sample ×{resample}")
    comparison = Comparison(comparison_dir(runs, base, [s.spec for s in done], resample), base, tuple(done), resampled)
    write_comparison(comparison)
    return comparison


def _run(config, suite, model, solver, runs: Path, progress: Progress | None, label: str | None = None) -> StrategyRun:
    label = label or config.solver
    callback = (lambda done, total: progress(label, done, total)) if progress else None
    result = evaluate(config, suite, model, solver, RunDir(runs / run_dir_name(config)), progress=callback)
    return StrategyRun(config.solver, result.run_dir.path, result.summary, result.attempts)


def write_comparison(comparison: Comparison) -> None:
    from ratchet.analysis.report import write_report

    comparison.path.mkdir(parents=True, exist_ok=True)
    data = comparison.to_json()
    (comparison.path / "compare.json").write_text(json.dumps(data, indent=2))
    write_report(data, comparison.path)


def default_base(suite: str, model: str, split: str = "test", limit: int | None = None,
                 params: SamplingParams | None = None) -> EvalConfig:
    return EvalConfig(suite=suite, model=model, split=split, limit=limit, params=params or SamplingParams())
