"""`ratchet eval`: run a model on a suite split and print pass@k, cost and speed."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ratchet.errors import UserError
from ratchet.cli.common import Concurrency, Limit, MaxTokens, Seed, Slots, Threads
from ratchet.eval.config import EvalConfig
from ratchet.eval.intervals import Interval
from ratchet.eval.rundir import RunDir
from ratchet.eval.runner import EvalResult, evaluate
from ratchet.models.base import SamplingParams
from ratchet.models.catalog import DEFAULT_MODEL

console = Console()


def parse_k(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise UserError(f"-k must be a comma-separated list of integers like 1,3,5, got '{text}'") from None
    if not values:
        raise UserError("-k needs at least one value, e.g. -k 1")
    return values


def strategy_spec(strategy: str, *, max_rounds=None, n_votes=None, tau=None, gate=None, inner=None,
                  k=None, teacher=None) -> str:
    """The canonical spec of a strategy and its command-line options (validated: a bad name or
    option is a one-line UserError)."""
    from ratchet.solvers.registry import make_solver, solver_spec

    return solver_spec(make_solver(strategy, max_rounds=max_rounds, n=n_votes, tau=tau, gate=gate, inner=inner,
                                   k=k, teacher=teacher))


def run_dir_name(config: EvalConfig) -> str:
    from ratchet.analysis.compare import run_dir_name as name

    return name(config)


def eval_command(
    suite: Annotated[str, typer.Option(help="humaneval, gsm, sql, wordcraft, textworld, sciworld, or a FILE.jsonl / FILE.py suite")] = "humaneval",
    model: Annotated[str, typer.Option(help="named model, GGUF path, or endpoint model name")] = DEFAULT_MODEL,
    split: Annotated[str, typer.Option(help="train, dev or test")] = "test",
    samples: Annotated[int, typer.Option(min=1, help="samples per task (n of pass@k)")] = 1,
    k: Annotated[str, typer.Option("-k", help="pass@k values, e.g. 1,3,5")] = "1",
    temperature: Annotated[Optional[float], typer.Option(min=0.0, help="default: 0 for 1 sample, else 0.8")] = None,
    top_p: Annotated[Optional[float], typer.Option(min=0.0, max=1.0, help="default: 1.0 greedy, 0.95 sampling")] = None,
    max_tokens: MaxTokens = 768,
    seed: Seed = 0,
    limit: Limit = None,
    strategy: Annotated[str, typer.Option("--strategy", "--solver", help="sample, self-consistency, adaptive-consistency, best-of-n, self-refine, self-debug, reflexion, gated, react, tt-si, tt-d (options: NAME:key=value,...)")] = "sample",
    max_rounds: Annotated[Optional[int], typer.Option(min=1, help="rounds of a correcting strategy, the first answer included")] = None,
    n_votes: Annotated[Optional[int], typer.Option(min=1, help="samples for self-consistency, best-of-n, or the disagreement gate")] = None,
    tau: Annotated[Optional[float], typer.Option(min=0.0, help="gated, tt-si, tt-d: act only when confidence < tau")] = None,
    gate: Annotated[Optional[str], typer.Option(help="gated: logprob or disagreement; tt-si/tt-d: margin, agreement or logprob")] = None,
    k_examples: Annotated[Optional[int], typer.Option("--k", min=1, help="tt-si/tt-d: similar examples written per uncertain input (-k is pass@k)")] = None,
    teacher: Annotated[Optional[str], typer.Option(help="tt-d: teacher model name, GGUF path, or URL#model of an endpoint")] = None,
    inner: Annotated[Optional[str], typer.Option(help="gated: the correction to run when unsure")] = None,
    base_url: Annotated[Optional[str], typer.Option(help="OpenAI-compatible endpoint URL")] = None,
    api_key: Annotated[Optional[str], typer.Option(help="endpoint key (default: $OPENAI_API_KEY)")] = None,
    concurrency: Concurrency = 8,
    threads: Threads = None,
    slots: Slots = None,
    adapter: Annotated[Optional[str], typer.Option(help="LoRA adapter (GGUF) for a local model")] = None,
    cache: Annotated[bool, typer.Option("--cache/--no-cache", help="on-disk response cache")] = True,
    runs: Annotated[Path, typer.Option(help="directory that holds run directories")] = Path("runs"),
    run_dir: Annotated[Optional[Path], typer.Option(help="explicit run directory (to resume)")] = None,
    exemplars: Annotated[Optional[str], typer.Option(help="experience database (STORE or STORE#collection): show 3 retrieved successful trajectories per task")] = None,
) -> None:
    """Evaluate a model on a suite split. Rerunning the same command resumes (or replays) it.

    A suite FILE.jsonl holds one task a line: {"id", "prompt", "answer", optional "split",
    "difficulty", "visible"}. Every task is sent with the system prompt "Solve the task. End your
    reply with a line 'Answer: <your answer>'."; the verifier receives the text after the last
    "Answer:" (else the last line) and the gold answer. For multi-line answers (grids, code) write a
    FILE.py suite: JsonlSuite("tasks.jsonl", verify=..., extract=lambda completion: completion,
    system="..."). See README "Add your own suite"."""
    sampling = temperature if temperature is not None else (0.0 if samples == 1 else 0.8)
    params = SamplingParams(
        temperature=sampling,
        top_p=top_p if top_p is not None else (1.0 if sampling == 0 else 0.95),
        max_tokens=max_tokens,
        seed=seed,
    )
    config = EvalConfig(
        suite=suite, model=model, split=split, samples=samples, k=parse_k(k), params=params,
        solver=strategy_spec(strategy, max_rounds=max_rounds, n_votes=n_votes, tau=tau, gate=gate, inner=inner,
                             k=k_examples, teacher=teacher),
        limit=limit, base_url=base_url, adapter=adapter, exemplars=exemplars,
    )
    result = run_eval(config, api_key=api_key, cache=cache, concurrency=concurrency, threads=threads,
                      run_dir=run_dir, runs=runs, slots=slots)
    print_result(result)


def run_eval(config: EvalConfig, *, api_key=None, cache=True, concurrency=8, threads=None,
             run_dir: Path | None = None, runs: Path = Path("runs"), slots: int | None = None) -> EvalResult:
    """Load the suite, solver and model, then run (or resume) the evaluation. The run directory
    defaults to RUNS/<name hashing the configuration and the suite file's content>."""
    from dataclasses import replace

    from ratchet.cli.common import check_cache_home, check_run_dir, default_threads
    from ratchet.cli.supervisor import announce_run_dir
    from ratchet.eval.runner import select_tasks
    from ratchet.models.loading import load_model
    from ratchet.solvers.registry import check_solver, make_solver
    from ratchet.suites.registry import load_suite, suite_fingerprint

    suite = load_suite(config.suite)
    config = replace(config, suite_sha256=suite_fingerprint(config.suite, suite),
                     engine="xllamacpp" if slots else None)
    solver = make_solver(config.solver)
    check_solver(solver, suite)  # validate before loading a model
    if config.exemplars:  # few-shot from an experience database; an empty one is a UserError
        from ratchet.experience import load_exemplar_source
        from ratchet.solvers.fewshot import FewShotSolver

        source = load_exemplar_source(config.exemplars, suite=suite.name)
        if hasattr(solver, "with_exemplars"):  # an agent retrieves by goal and by state window
            state = load_exemplar_source(config.exemplars, suite=suite.name, by="state")
            solver = solver.with_exemplars(source, state)
        else:
            solver = FewShotSolver(source, k=3, base=solver)
    select_tasks(suite, config.split, config.limit)
    option = "--run-dir" if run_dir else "--runs"
    run_dir = run_dir or runs / run_dir_name(config)
    check_run_dir(run_dir, option)
    check_cache_home(cache)
    announce_run_dir(run_dir)
    with console.status(f"loading {config.model}"):
        model = load_model(config.model, base_url=config.base_url, api_key=api_key, cache=cache,
                           adapter=config.adapter, max_concurrency=concurrency,
                           n_threads=threads or default_threads(), slots=slots)
    check_solver(solver, suite, model)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        bar = progress.add_task(f"{config.suite}/{config.split} · {config.model}", total=None)
        result = evaluate(config, suite, model, solver, RunDir(run_dir),
                          progress=lambda done, total: progress.update(bar, completed=done, total=total))
    close = getattr(suite, "close", None)
    if close:
        close()
    return result


def print_result(result: EvalResult) -> None:
    s = result.summary
    table = Table(title=f"{result.config.suite} · {result.config.split} · {result.config.model}")
    table.add_column("metric")
    table.add_column("value", justify="right")
    intervals = s.get("intervals", {})  # 95%; summaries written before intervals have none
    for name, value in s["pass_at_k"].items():
        shown = Interval.from_json(intervals[name]).percent() if name in intervals else f"{100 * value:.1f}%"
        table.add_row(f"{name} [95% interval]" if name in intervals else name, shown)
    table.add_row("tasks", f"{s['tasks_done']}/{s['tasks']} ({s['attempts']} attempts)")
    table.add_row("tokens in / out", f"{s['tokens_in']:,} / {s['tokens_out']:,}")
    if s.get("tokens_in_replayed") or s.get("tokens_out_replayed"):  # from the response cache
        table.add_row("  of which replayed", f"{s['tokens_in_replayed']:,} / {s['tokens_out_replayed']:,}")
    table.add_row("model calls (cached)", f"{s['model_calls']} ({s['cached_calls']})")
    table.add_row("wall time", f"{s['wall_seconds']:.1f} s")
    if s.get("tokens_per_second"):
        table.add_row("generation speed", f"{s['tokens_per_second']:.1f} tokens/s")
    if s.get("queue_seconds"):
        table.add_row("queued (not generating)", f"{s['queue_seconds']:.1f} s")
    table.add_row("verdicts", ", ".join(f"{k}={v}" for k, v in sorted(s["statuses"].items())))
    if s.get("cut_off"):
        table.add_row("cut off at --max-tokens", f"{s['cut_off']} of {s['attempts']} answers (raise --max-tokens; "
                      "greedy decoding can loop until the limit)")
    for level, row in s.get("pass@1_by_difficulty", {}).items():
        shown = Interval.from_json(row["interval"]).percent() if "interval" in row else f"{100 * row['pass@1']:.1f}%"
        table.add_row(f"pass@1, difficulty {level}", f"{shown} of {row['tasks']}")
    _add_correction_rows(table, result)
    _add_test_time_rows(table, result)
    console.print(table)
    console.print(f"run directory: {result.run_dir.path}", soft_wrap=True)


def _add_correction_rows(table: Table, result: EvalResult) -> None:
    """For a multi-round strategy: round 1 against the final answer, and why the loops stopped."""
    from ratchet.analysis.correction import correction_stats, stop_reasons

    first = [a for a in result.attempts if a.sample == 0]
    if not any(a.round_verdicts for a in first):
        return
    stats = correction_stats(first)
    pct = lambda value: "—" if value is None else f"{100 * value:.1f}%"  # noqa: E731
    delta = stats.delta_interval()
    table.add_row("Acc1 → Acc2 (Δ [95%], p)", f"{pct(stats.acc1)} → {pct(stats.acc2)} ({100 * stats.delta:+.1f} "
                  f"[{100 * delta['low']:+.1f}, {100 * delta['high']:+.1f}], p = {delta['p_value']:.2g})")
    table.add_row("right→wrong / wrong→right", f"{stats.right_wrong} / {stats.wrong_right}")
    table.add_row("CL / CS", f"{pct(stats.cl)} / {pct(stats.cs)}")
    table.add_row("stop reasons", ", ".join(f"{k}={v}" for k, v in stop_reasons(first).items()))


def _add_test_time_rows(table: Table, result: EvalResult) -> None:
    """For tt-si / tt-d: what the gate decided, training samples used, teacher fallbacks."""
    from ratchet.ttt.report import summarise_items

    items = summarise_items(result.attempts)
    if not items["items"]:
        return
    table.add_row("test-time: certain / adapted / unadapted",
                  " / ".join(str(items["outcomes"][o]) for o in ("certain", "adapted", "unadapted")))
    table.add_row("training samples (seconds)", f"{items['training_samples']} ({items['train_seconds']} s)")
    if items.get("vs_base"):
        d = items["vs_base"]["difference"]
        table.add_row("vs the base answers (Δ [95%], p)", f"{100 * d['estimate']:+.1f} [{100 * d['low']:+.1f}, "
                      f"{100 * d['high']:+.1f}], p = {items['vs_base']['p_value']:.2g}: {items['vs_base']['verdict']}")
    if items["teacher_fallbacks"]:
        table.add_row("teacher failed, fell back to", ", ".join(f"{k}={v}" for k, v in items["teacher_fallbacks"].items()))
