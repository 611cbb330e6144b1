"""`ratchet train data` and `ratchet train fit`: training data from an experience store, and one
LoRA fit on it. Together: a Traj-Bootstrap database (or any store) -> verified examples or
preference pairs -> an adapter -> `ratchet eval --adapter`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ratchet.cli.lora_options import Alpha, BatchSize, Beta, Epochs, LearningRate, MaxLength, MaxSteps, Rank, TrainThreads
from ratchet.errors import UserError, unknown_name

console = Console()
DATA_KINDS = ("verified", "pairs", "corrections")
OBJECTIVES = ("auto", "sft", "dpo")


def register(train_app: typer.Typer) -> None:
    train_app.command("data")(data_command)
    train_app.command("fit")(fit_command)


def data_command(
    store: Annotated[str, typer.Argument(help="an experience store: STORE or STORE#collection")],
    out: Annotated[Path, typer.Option(help="the dataset file to write (JSON)")],
    suite: Annotated[str, typer.Option(help="the suite whose train tasks the attempts are at")] = "gsm",
    kind: Annotated[str, typer.Option(help="verified (SFT), pairs (DPO) or corrections (SFT)")] = "verified",
    model: Annotated[Optional[str], typer.Option(help="only attempts this model wrote (default: all)")] = None,
    max_per_task: Annotated[int, typer.Option(min=1, help="examples or pairs kept per task")] = 2,
) -> None:
    """Build SFT examples or preference pairs from a store's verified attempts at train tasks."""
    from ratchet.learn import data as builders
    from ratchet.learn.from_store import store_attempts
    from ratchet.suites.registry import load_suite

    if kind not in DATA_KINDS:
        raise unknown_name("kind", kind, DATA_KINDS)
    if max_per_task < 1:
        raise UserError(f"--max-per-task must be >= 1, got {max_per_task}")
    the_suite = load_suite(suite)
    found = store_attempts(store, the_suite, model=model)
    writer = ", ".join(m for m in found.models if m)  # the provenance's writing model(s)
    build = {"verified": lambda: builders.verified_examples(found.attempts, the_suite, max_per_task=max_per_task, model=writer),
             "pairs": lambda: builders.verified_pairs(found.attempts, the_suite, max_pairs_per_task=max_per_task, model=writer),
             "corrections": lambda: builders.correction_traces(found.attempts, the_suite, max_per_task=max_per_task, model=writer)}
    dataset = build[kind]()
    stats = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in dataset.stats.items())
    if not len(dataset):
        raise UserError(f"found 0 {kind} examples among {len(found.attempts)} stored attempts ({stats}): "
                        "the store needs train tasks with a passing attempt (and a failing one for pairs)")
    dataset.save(out)
    console.print(f"wrote {len(dataset)} {kind} examples to {out} (collection '{found.collection}', {stats}, "
                  f"sha256 {dataset.sha256()[:12]})")
    writers = [m for m in found.models if m]
    console.print(f"train on it:  ratchet train fit {out} --model {writers[0] if len(writers) == 1 else 'MODEL'} --out ADAPTER")


def fit_command(
    data: Annotated[Path, typer.Argument(help="a dataset file from `ratchet train data` (or a run's data.json)")],
    out: Annotated[Path, typer.Option(help="the adapter artifact directory to create")],
    model: Annotated[str, typer.Option(help="the base model: a named local model or a GGUF path")] = "smollm2-135m-instruct",
    objective: Annotated[str, typer.Option(help="auto (dpo for pairs, else sft), sft or dpo")] = "auto",
    rank: Rank = 8,
    alpha: Alpha = 16.0,
    learning_rate: LearningRate = None,
    epochs: Epochs = 2.0,
    max_steps: MaxSteps = None,
    batch_size: BatchSize = 4,
    max_length: MaxLength = 768,
    beta: Beta = 0.1,
    threads: TrainThreads = None,
    seed: Annotated[int, typer.Option(min=0, help="training seed")] = 0,
) -> None:
    """Train one LoRA adapter on a dataset and save it (PEFT + GGUF) as an artifact."""
    from ratchet.learn.adapters import BaseModelRef
    from ratchet.learn.data import Dataset, PreferencePair
    from ratchet.learn.train import TrainConfig, fit_dpo, fit_sft
    from ratchet.learn.train.hf import require_train_extra

    if objective not in OBJECTIVES:
        raise unknown_name("objective", objective, OBJECTIVES)
    if out.exists():
        raise UserError(f"{out} already exists: adapters are immutable, choose a new --out")
    try:
        dataset = Dataset.load(data)
    except FileNotFoundError:
        raise UserError(f"{data} does not exist: build one with `ratchet train data STORE --out {data}`") from None
    except (ValueError, KeyError, TypeError) as error:
        raise UserError(f"{data} is not a dataset file ({type(error).__name__}): build one with `ratchet train data`") from None
    pairs = sum(isinstance(e, PreferencePair) for e in dataset.examples)
    if objective == "auto":
        objective = "dpo" if pairs and pairs == len(dataset) else "sft"
    wanted = pairs if objective == "dpo" else len(dataset) - pairs
    if wanted == 0:
        raise UserError(f"{data} holds no {'preference pairs' if objective == 'dpo' else 'SFT examples'} "
                        f"for --objective {objective}")
    config = TrainConfig(rank=rank, alpha=alpha, learning_rate=learning_rate, epochs=epochs, max_steps=max_steps,
                         batch_size=batch_size, max_length=max_length, beta=beta, seed=seed, threads=threads)
    require_train_extra()
    base = BaseModelRef.resolve(model)
    fit = fit_dpo if objective == "dpo" else fit_sft
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("steps"),
               TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        bar = progress.add_task(f"training a LoRA ({objective}) on {wanted} examples for {base.name}", total=None)
        artifact = fit(dataset, base, out, config, method=objective,
                       progress=lambda done, total: progress.update(bar, completed=done, total=total))
    metrics = artifact.to_json().get("metrics", {})
    console.print(json.dumps(metrics))
    console.print(f"adapter: {artifact.path}  (serve it: ratchet eval --model {model} --adapter {artifact.path / 'adapter.gguf'})")
