"""`ratchet train ...` (self-training that changes weights: STaR, ReST-EM, DPO, self-rewarding,
with LoRA adapters) and `ratchet judge ...` (LLM judges on pairs of attempts).

`register(app)` adds both groups to the main CLI. `WEIGHT_METHODS` and `run_weight_method` let
`ratchet improve --method star|rest-em|dpo|self-rewarding` dispatch here.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ratchet.cli.lora_options import Alpha, BatchSize, Beta, Epochs, LearningRate, MaxLength, MaxSteps, Rank
from ratchet.cli.common import (Threads, check_cache_home, check_run_dir, check_suite_unchanged, default_threads,
                                inside_unit_interval, suite_tag)
from ratchet.cli.supervisor import announce_run_dir
from ratchet.errors import UserError

console = Console()
train_app = typer.Typer(help="Self-training with LoRA adapters: STaR, ReST-EM, DPO, self-rewarding.", no_args_is_help=True)
judge_app = typer.Typer(help="LLM judges (naive, self-reference) on pairs of attempts.", no_args_is_help=True)
WEIGHT_METHODS = ("star", "rest-em", "dpo", "self-rewarding")


def register(app: typer.Typer) -> None:
    from ratchet.cli import train_data_cmd

    train_data_cmd.register(train_app)  # `ratchet train data`, `ratchet train fit`
    app.add_typer(train_app, name="train")
    app.add_typer(judge_app, name="judge")


def run_dir_for(config) -> str:
    data = config.to_json()
    data.pop("iterations")
    digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:10]
    model = config.model.rsplit("/", 1)[-1].removesuffix(".gguf")
    return f"improve-{config.method}-{config.suite}-{model}-{digest}"


def run_weight_method(config, *, run_dir: Path, cache: bool = True) -> dict:
    """Run (or resume) a weight-changing self-training method and print its report."""
    from ratchet.learn.backend import LoraBackend
    from ratchet.learn.loop import improve
    from ratchet.learn.train.hf import require_train_extra
    from ratchet.suites.registry import load_suite

    require_train_extra()
    suite = load_suite(config.suite)
    announce_run_dir(run_dir)
    with console.status(f"loading {config.model}"):
        backend = LoraBackend(config.model, cache=cache, threads=config.train.threads or default_threads())
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        bars: dict[str, int] = {}

        def report(phase: str, done: int, total: int) -> None:
            if phase not in bars:
                bars[phase] = progress.add_task(phase, total=total)
            progress.update(bars[phase], completed=done, total=total)

        result = improve(config, suite, backend, run_dir, progress=report)
    close = getattr(suite, "close", None)
    if close:
        close()
    print_report(result)
    console.print(f"run directory: {run_dir}  (report.md, report.json, report.png)", soft_wrap=True)
    return result


def print_report(report: dict) -> None:
    config = report["config"]
    table = Table(title=f"{config['method']} · {config['suite']} · {config['model']}")
    for column in ("iter", "train pass@1", "examples", "train s", "dev [95%] (incumbent)", "p", "accepted",
                   "dev tasks for 80% power", "test [95%]", "tokens"):
        table.add_column(column, justify="right")
    from ratchet.learn.loop_report import percent_with_interval

    pct = lambda v: "-" if v is None else f"{100 * v:.1f}%"  # noqa: E731
    for row in report["iterations"]:
        dev, test = percent_with_interval(row["dev"], row.get("dev_interval")), percent_with_interval(row["test"], row.get("test_interval"))
        if row["iteration"] == 0:
            table.add_row("base", "-", "-", "-", dev, "-", "-", "-", test, f"{row['tokens']:,}")
        else:
            table.add_row(str(row["iteration"]), pct(row["train_pass@1"]), str(row["examples"]), str(row["train_seconds"]),
                          f"{dev} ({pct(row['dev_incumbent'])})", f"{row['p_value']:.3g}",
                          "yes" if row["accepted"] else "no", str(row.get("tasks_needed") or "-"), test,
                          f"{row['tokens']:,}")
    console.print(table)
    for row in report["iterations"][1:]:
        if row.get("gate"):
            console.print(f"gate, iteration {row['iteration']}: {row['gate']}")


@train_app.command("improve")
def improve_command(
    method: Annotated[str, typer.Option(help="star, rest-em, dpo or self-rewarding")] = "star",
    suite: Annotated[str, typer.Option(help="a suite with a verifier (gsm, humaneval, ...)")] = "gsm",
    model: Annotated[str, typer.Option(help="named local model or GGUF path")] = "smollm2-135m-instruct",
    iterations: Annotated[int, typer.Option(min=1, help="sample → data → train → gate rounds")] = 3,
    train_limit: Annotated[Optional[int], typer.Option(min=1, help="train tasks sampled per iteration")] = 64,
    dev_limit: Annotated[Optional[int], typer.Option(min=1, help="dev tasks the gate scores")] = 100,
    test_limit: Annotated[Optional[int], typer.Option(min=1, help="test tasks, read once at the end")] = 200,
    samples: Annotated[Optional[int], typer.Option(min=1, help="samples per train task (default: star 1, others 4)")] = None,
    temperature: Annotated[Optional[float], typer.Option(min=0.0, help="sampling temperature (default: 0 for 1 sample, else 0.7)")] = None,
    max_tokens: Annotated[int, typer.Option(min=1, help="max new tokens per answer")] = 384,
    restart: Annotated[Optional[bool], typer.Option("--restart/--continue", help="train each adapter from the base (default for star, rest-em) or continue from the incumbent")] = None,
    data: Annotated[str, typer.Option(help="replace (this iteration's data) or accumulate (all so far)")] = "replace",
    max_per_task: Annotated[int, typer.Option(min=1, help="examples or pairs kept per task")] = 2,
    min_examples: Annotated[int, typer.Option(min=1, help="refuse to train on fewer")] = 4,
    rationalise: Annotated[bool, typer.Option("--rationalise/--no-rationalise", help="star: rationalise failures with the gold answer as a hint")] = True,
    judge: Annotated[str, typer.Option(help="self-rewarding: naive or self-reference")] = "self-reference",
    gate_level: Annotated[float, typer.Option(callback=inside_unit_interval,
                                              help="the gate's significance level, between 0 and 1")] = 0.05,
    gate_test: Annotated[str, typer.Option(help="mcnemar or bootstrap")] = "mcnemar",
    rank: Rank = 8,
    alpha: Alpha = 16.0,
    learning_rate: LearningRate = None,
    epochs: Epochs = 2.0,
    max_steps: MaxSteps = None,
    batch_size: BatchSize = 4,
    max_length: MaxLength = 768,
    beta: Beta = 0.1,
    threads: Annotated[Optional[int], typer.Option(min=1, help="CPU threads for llama.cpp and training (default: llama.cpp every core but one; 1 suits shared cores)")] = None,
    seed: Annotated[int, typer.Option(min=0, help="seed of samples and training")] = 0,
    cache: Annotated[bool, typer.Option("--cache/--no-cache", help="on-disk response cache")] = True,
    runs: Annotated[Path, typer.Option(help="directory that holds run directories")] = Path("runs"),
    run_dir: Annotated[Optional[Path], typer.Option(help="explicit run directory (to resume)")] = None,
) -> None:
    """Improve a local model's weights from its own verified (or judged) attempts, gated on dev."""
    from ratchet.learn.loop import ImproveConfig
    from ratchet.learn.train.config import TrainConfig

    train = TrainConfig(rank=rank, alpha=alpha, learning_rate=learning_rate, epochs=epochs, max_steps=max_steps,
                        batch_size=batch_size, max_length=max_length, beta=beta, seed=seed, threads=threads)
    config = ImproveConfig(
        method=method, suite=suite, model=model, iterations=iterations, train_limit=train_limit,
        dev_limit=dev_limit, test_limit=test_limit, samples=samples, temperature=temperature,
        max_tokens=max_tokens, restart=restart, data_mode=data, max_per_task=max_per_task,
        min_examples=min_examples, rationalise=rationalise, judge=judge, gate_level=gate_level,
        gate_test=gate_test, seed=seed, train=train,
    ).resolved()
    path = run_dir or runs / (run_dir_for(config) + suite_tag(suite))
    check_run_dir(path, "--run-dir" if run_dir else "--runs")
    check_suite_unchanged(path, suite)
    check_cache_home(cache)
    run_weight_method(config, run_dir=path, cache=cache)


@train_app.command("report")
def report_command(run_dir: Annotated[Path, typer.Argument(help="a self-training run directory")]) -> None:
    """Rebuild and print a run's report from its files."""
    from ratchet.learn.loop_report import write_report

    if not (run_dir / "config.json").is_file():
        raise UserError(f"{run_dir} is not a self-training run directory (no config.json)")
    print_report(write_report(run_dir))


@train_app.command("show")
def show_command(adapter: Annotated[Path, typer.Argument(help="an adapter artifact directory or its adapter.gguf")]) -> None:
    """Print an adapter's base model, method, training configuration, data and metrics."""
    from ratchet.learn.adapters import load_artifact

    artifact = load_artifact(adapter)
    console.print_json(json.dumps({"path": str(artifact.path), **artifact.to_json()}))


@train_app.command("export")
def export_command(
    adapter: Annotated[Path, typer.Argument(help="an adapter artifact directory (PEFT files)")],
    model: Annotated[str, typer.Option(help="the base model it was trained for")],
    out: Annotated[Optional[Path], typer.Option(help="GGUF file to write (default: ADAPTER/adapter.gguf)")] = None,
) -> None:
    """(Re-)export an adapter to llama.cpp's GGUF LoRA format, refusing another base model's."""
    from ratchet.learn.adapters import GGUF_FILE, BaseModelRef, check_adapter_base, export_gguf, load_artifact

    base = BaseModelRef.resolve(model)
    check_adapter_base(adapter, base)
    artifact = load_artifact(adapter)
    path = export_gguf(artifact.path, base, out or artifact.path / GGUF_FILE, method=artifact.method)
    console.print(f"wrote {path}: serve it with  ratchet eval --model {model} --adapter {path}")


@judge_app.command("compare")
def judge_command(
    run: Annotated[Path, typer.Argument(help="a run directory whose attempts hold several samples per task")],
    suite: Annotated[str, typer.Option(help="the suite the run was on")] = "gsm",
    model: Annotated[str, typer.Option(help="the judge model (named local model or GGUF path)")] = "smollm2-135m-instruct",
    judge: Annotated[str, typer.Option(help="naive, self-reference or both")] = "both",
    pairs: Annotated[int, typer.Option(min=1, help="pairs to judge (a passing and a failing attempt each)")] = 20,
    perplexity: Annotated[bool, typer.Option("--perplexity/--no-perplexity", help="grade strength by the candidates' perplexity")] = True,
    out: Annotated[Optional[Path], typer.Option(help="write the judgements and the report as JSON")] = None,
    threads: Threads = None,
) -> None:
    """Judge pairs of attempts (one passing, one failing) and report position-swap consistency and
    agreement with the verifier."""
    from ratchet.eval.rundir import RunDir
    from ratchet.learn.judges import make_judge
    from ratchet.learn.judges import judge_attempt_pairs, verified_contrast_pairs
    from ratchet.models.loading import load_model
    from ratchet.suites.registry import load_suite

    names = ("naive", "self-reference") if judge == "both" else (judge,)
    if not (run / "attempts.jsonl").is_file():
        raise UserError(f"{run} is not a run directory (no attempts.jsonl): run `ratchet eval --samples 4` first")
    the_suite = load_suite(suite)
    chosen = verified_contrast_pairs(RunDir(run).load_attempts(), the_suite, pairs)
    if not chosen:
        raise UserError(f"{run} holds no task with both a passing and a failing attempt: sample more (--samples)")
    judge_model = load_model(model, cache=True, n_threads=threads or default_threads())
    scorer = None
    if perplexity and "self-reference" in names:
        from ratchet.learn.scoring import llama_cpp_scorer

        scorer = llama_cpp_scorer(judge_model)
    results = {}
    for name in names:
        results[name] = judge_attempt_pairs(make_judge(name, judge_model, scorer=scorer), the_suite, chosen)
        console.print(f"[bold]{name}[/]: " + ", ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}"
                                                       for k, v in results[name]["report"].items()))
    if out:
        out.write_text(json.dumps(results, indent=2))
