"""`ratchet compare`: several strategies on one suite, split and model; one table, plots, report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ratchet.cli.common import (Concurrency, Limit, MaxTokens, Seed, Slots, Threads, check_cache_home,
                                check_run_dir, default_threads)
from ratchet.cli.supervisor import announce_run_dir
from ratchet.errors import UserError
from ratchet.eval.config import EvalConfig
from ratchet.models.base import SamplingParams
from ratchet.models.catalog import DEFAULT_MODEL

import sys

# Wide when writing to a file or pipe (a benchmark log), so the table is not squeezed to 80 columns.
console = Console(width=None if sys.stdout.isatty() else 160)
DEFAULT_STRATEGIES = "sample,self-consistency,self-refine,self-debug,reflexion"


def compare_command(
    strategies: Annotated[str, typer.Option(help="comma-separated strategies (NAME or NAME:key=value;key=value)")] = DEFAULT_STRATEGIES,
    suite: Annotated[str, typer.Option(help="humaneval, gsm, or a FILE.jsonl / FILE.py suite")] = "humaneval",
    model: Annotated[str, typer.Option(help="named model, GGUF path, or endpoint model name")] = DEFAULT_MODEL,
    split: Annotated[str, typer.Option(help="train, dev or test")] = "test",
    max_tokens: MaxTokens = 768,
    seed: Seed = 0,
    limit: Limit = None,
    max_rounds: Annotated[Optional[int], typer.Option(min=1, help="rounds of correcting strategies, the first answer included")] = None,
    n_votes: Annotated[Optional[int], typer.Option(min=1, help="samples for self-consistency, best-of-n, the disagreement gate")] = None,
    tau: Annotated[Optional[float], typer.Option(min=0.0, help="gated: correct only when confidence < tau")] = None,
    resample: Annotated[int, typer.Option(min=0, help="also run plain sampling with N samples per task (pass@k curve); 0: no")] = 0,
    base_url: Annotated[Optional[str], typer.Option(help="OpenAI-compatible endpoint URL")] = None,
    api_key: Annotated[Optional[str], typer.Option(help="endpoint key (default: $OPENAI_API_KEY)")] = None,
    concurrency: Concurrency = 8,
    threads: Threads = None,
    slots: Slots = None,
    cache: Annotated[bool, typer.Option("--cache/--no-cache", help="on-disk response cache (shared by all strategies)")] = True,
    runs: Annotated[Path, typer.Option(help="directory that holds run directories")] = Path("runs"),
) -> None:
    """Compare strategies at equal settings: accuracy, Δ over sample, CL, CS, tokens and seconds."""
    from ratchet.analysis.compare import resolve_strategies, run_comparison
    from ratchet.models.loading import load_model
    from ratchet.solvers.registry import check_solver, make_solver
    from ratchet.suites.registry import load_suite, suite_fingerprint

    names = [name.strip().replace(";", ",") for name in strategies.split(",") if name.strip()]
    if not names:
        raise UserError("--strategies needs at least one strategy, e.g. --strategies sample,self-debug")
    if resample == 1:
        raise UserError(f"--resample must be 0 (none) or at least 2 samples, got {resample}")
    specs = resolve_strategies(names, max_rounds=max_rounds, n=n_votes, tau=tau)
    loaded_suite = load_suite(suite)
    base = EvalConfig(suite=suite, model=model, split=split, limit=limit, base_url=base_url,
                      params=SamplingParams(temperature=0.0, max_tokens=max_tokens, seed=seed),
                      suite_sha256=suite_fingerprint(suite, loaded_suite), engine="xllamacpp" if slots else None)
    for spec in specs:
        check_solver(make_solver(spec), loaded_suite)  # before loading a model
    from ratchet.eval.runner import select_tasks

    select_tasks(loaded_suite, split, limit)
    check_run_dir(runs, "--runs")
    check_cache_home(cache)
    announce_run_dir(runs)
    with console.status(f"loading {model}"):
        loaded_model = load_model(model, base_url=base_url, api_key=api_key, cache=cache,
                                  max_concurrency=concurrency, n_threads=threads or default_threads(), slots=slots)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        with Progress(*columns, console=console) as progress:
            bars: dict[str, int] = {}

            def report(label: str, done: int, total: int) -> None:
                if label not in bars:
                    bars[label] = progress.add_task(label, total=total)
                progress.update(bars[label], completed=done, total=total)

            comparison = run_comparison(specs, base, loaded_suite, loaded_model, runs,
                                        resample=resample, progress=report)
    finally:
        close = getattr(loaded_suite, "close", None)
        if close:
            close()
    print_comparison(comparison.to_json())
    console.print(f"comparison directory: {comparison.path} (report.html, *.png, compare.json)", soft_wrap=True)


def print_comparison(data: dict) -> None:
    from ratchet.analysis.report import HEADERS, _title, table_rows

    table = Table(title=_title(data))
    for index, header in enumerate(HEADERS):
        table.add_column(header, justify="left" if index == 0 else "right")
    for row in table_rows(data):
        table.add_row(*row)
    console.print(table)
    console.print("CL = P(right after | right before), CS = P(right after | wrong before); "
                  "s/task of replayed (cached) calls is estimated from measured seconds per token.")
    console.print("Intervals are 95% (Wilson for pass@1, Newcombe for Δ); p is McNemar's exact two-sided test; "
                  "'n too small to decide': Δ's interval holds 0 or p > 0.05.")
