"""`ratchet improve`: run a self-improvement method and write its report.

This module runs `--method traj-bootstrap` (docs/METHODS.md card 1); the weight-changing methods
(`--method star|rest-em|dpo|self-rewarding`, card 6) are routed by `ratchet.cli.main.route` to
`ratchet train improve`, which holds their options. Rerunning the same command resumes the same
run directory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ratchet.cli.common import (Concurrency, MaxTokens, Slots, Threads, check_cache_home, check_run_dir,
                                check_suite_unchanged, default_threads, suite_tag)
from ratchet.cli.supervisor import announce_run_dir
from ratchet.errors import UserError, unknown_name
from ratchet.models.base import SamplingParams
from ratchet.models.catalog import DEFAULT_MODEL

console = Console()
METHODS = ("traj-bootstrap",)


def parse_curation(text: str) -> tuple[str, ...]:
    parts = tuple(p.strip() for p in text.split(",") if p.strip())
    return () if parts in ((), ("none",), ("naive",)) else parts


def improve_command(
    method: Annotated[str, typer.Option(help="traj-bootstrap (the options below), or star, rest-em, dpo, "
                                             "self-rewarding (options: ratchet train improve --help)")] = "traj-bootstrap",
    curation: Annotated[str, typer.Option(help="none, db, exemplar or db,exemplar")] = "none",
    suite: Annotated[str, typer.Option(help="humaneval, gsm, an environment (sql, wordcraft, textworld, "
                                            "sciworld; with --solver react), or a suite file")] = "gsm",
    model: Annotated[str, typer.Option(help="named model, GGUF path, or endpoint model name")] = DEFAULT_MODEL,
    solver: Annotated[str, typer.Option("--solver", "--strategy", help="base agent: sample, react, ... (a strategy spec)")] = "sample",
    initial: Annotated[Optional[str], typer.Option(help="start from the successes of a database (STORE or STORE#collection)")] = None,
    iterations: Annotated[int, typer.Option(min=1, help="passes over the train split")] = 1,
    shots: Annotated[int, typer.Option(min=1, help="exemplars shown per prompt")] = 3,
    train_limit: Annotated[Optional[int], typer.Option(min=1, help="only the first N train tasks")] = None,
    dev_limit: Annotated[Optional[int], typer.Option(min=1, help="only the first N dev tasks")] = None,
    test_limit: Annotated[Optional[int], typer.Option(min=1, help="only the first N test tasks")] = None,
    checkpoints: Annotated[int, typer.Option(min=1, help="held-out evaluations along the growth")] = 4,
    curve_on_test: Annotated[bool, typer.Option(
        "--curve-on-test", help="also score test at every checkpoint (stamps the run test_seen)")] = False,
    population: Annotated[int, typer.Option(min=1, help="databases under db curation")] = 3,
    base_samples: Annotated[int, typer.Option(min=1, help="base samples per test task (pass@1..N)")] = 3,
    max_tokens: MaxTokens = 512,
    temperature: Annotated[float, typer.Option(min=0.0, help="sampling temperature while growing")] = 0.7,
    seed: Annotated[int, typer.Option(min=0, help="seed of the task orders and samples")] = 0,
    base_url: Annotated[Optional[str], typer.Option(help="OpenAI-compatible endpoint URL")] = None,
    api_key: Annotated[Optional[str], typer.Option(help="endpoint key (default: $OPENAI_API_KEY)")] = None,
    concurrency: Concurrency = 8,
    threads: Threads = None,
    slots: Slots = None,
    cache: Annotated[bool, typer.Option("--cache/--no-cache", help="on-disk response cache")] = True,
    runs: Annotated[Path, typer.Option(help="directory that holds run directories")] = Path("runs"),
    run_dir: Annotated[Optional[Path], typer.Option(help="explicit run directory (to resume)")] = None,
) -> None:
    """Grow an experience database on train and measure it on dev/test (Traj-Bootstrap)."""
    if method not in METHODS:
        from ratchet.cli.train_cmd import WEIGHT_METHODS

        raise unknown_name("method", method, METHODS + WEIGHT_METHODS)
    from ratchet.learn.bootstrap import BootstrapConfig

    config = BootstrapConfig(
        suite=suite, model=model, curation=parse_curation(curation), solver=solver, initial=initial,
        iterations=iterations,
        shots=shots, train_limit=train_limit, dev_limit=dev_limit, test_limit=test_limit,
        checkpoints=checkpoints, curve_on_test=curve_on_test, population=population,
        base_samples=base_samples, seed=seed, base_url=base_url,
        train_params=SamplingParams(temperature=temperature, top_p=0.95, max_tokens=max_tokens, seed=seed),
        eval_params=SamplingParams(max_tokens=max_tokens, seed=seed),
        sampled_params=SamplingParams(temperature=0.8, top_p=0.95, max_tokens=max_tokens, seed=seed),
    )
    path = run_dir or runs / (config.run_name() + suite_tag(suite))
    check_run_dir(path, "--run-dir" if run_dir else "--runs")
    check_suite_unchanged(path, suite)
    result = run_bootstrap(config, path, api_key=api_key, cache=cache, concurrency=concurrency, threads=threads,
                           slots=slots)
    print_result(result.to_json(), path)


def run_bootstrap(config, path: Path, *, api_key=None, cache=True, concurrency=8, threads=None,  # noqa: ANN001, ANN201
                  slots=None):
    from ratchet.learn.bootstrap import traj_bootstrap
    from ratchet.learn.bootstrap.report import write_report
    from ratchet.models.loading import load_model
    from ratchet.suites.registry import load_suite

    from ratchet.solvers.registry import check_solver, make_solver

    suite = load_suite(config.suite)
    base = make_solver(config.solver)
    check_solver(base, suite)  # before loading a model
    if not suite.tasks("train"):
        raise UserError(f"suite '{config.suite}' has no train tasks to bootstrap from")
    check_cache_home(cache)
    announce_run_dir(path)
    with console.status(f"loading {config.model}"):
        model = load_model(config.model, base_url=config.base_url, api_key=api_key, cache=cache,
                           max_concurrency=concurrency, n_threads=threads or default_threads(), slots=slots)
    columns = (TextColumn("{task.description:<22}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        bars: dict[str, int] = {}

        def report(phase: str, done: int, total: int) -> None:
            if phase not in bars:
                bars[phase] = progress.add_task(phase, total=total)
            progress.update(bars[phase], completed=done, total=total)

        result = traj_bootstrap(config, suite, model, path, progress=report, base=base)
    close = getattr(suite, "close", None)
    if close:
        close()
    write_report(path)
    return result


def print_result(result: dict, path: Path) -> None:
    from ratchet.learn.bootstrap.report import before_after_rows, compare_on_test
    from ratchet.learn.gate import describe

    config = result["config"]
    table = Table(title=f"Traj-Bootstrap · {config['suite']} · {config['model']}")
    for name in ("metric", "base agent", "with the database"):
        table.add_column(name, justify="left" if name == "metric" else "right")
    for row in before_after_rows(result, compare_on_test(path)):
        table.add_row(*row)
    cost = result["cost"]
    table.add_row("train attempts (successes)", "", f"{cost['train_attempts']} ({cost['train_successes']})")
    replayed = cost.get("replayed_tokens", 0)
    table.add_row("bootstrap tokens generated (replayed)", "",
                  f"{cost['prompt_tokens'] + cost['completion_tokens'] - replayed:,} ({replayed:,})")
    console.print(table)
    decision = result["decision"]
    console.print(f"gate on dev: {'kept' if decision['kept'] else 'not kept'} ({decision['reason']})")
    console.print(f"  {describe(decision)}")
    console.print(f"database: {result['database']}", soft_wrap=True)  # paths stay whole
    console.print(f"report: {path / 'report.html'}", soft_wrap=True)
