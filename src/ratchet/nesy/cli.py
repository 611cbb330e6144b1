"""`ratchet nesy`: train, evaluate and inspect Neural-Symbolic Recursive Machines."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Optional, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ratchet.errors import MissingExtraError, UserError

app = typer.Typer(
    help="Neural-Symbolic Recursive Machine: learn perception, syntax and semantics from "
    "input/output pairs (SCAN, PCFG SET, HINT) and print the programs it found.",
    no_args_is_help=True,
)
console = Console()
T = TypeVar("T")


def _guard(action: Callable[[], T]) -> T:
    """Print a user mistake as one line and exit 2, never a traceback."""
    try:
        return action()
    except UserError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


def _need_torch() -> None:
    try:
        import sklearn  # noqa: F401
        import torch  # noqa: F401
    except ImportError:
        raise MissingExtraError("ratchet nesy", "nesy", "torch==2.13.0 scikit-learn") from None


@app.command()
def train(
    dataset: str = typer.Option(..., help="scan, pcfg, hint or hint_image"),
    split: str = typer.Option(..., help="e.g. simple, length, addprim_jump (scan); systematicity (pcfg); iid (hint)"),
    out: Path = typer.Option(Path("runs/nesy"), help="directory for model.pt, report.json and curves.png"),
    seed: int = typer.Option(0, help="data and learning seed"),
    max_train: Optional[int] = typer.Option(None, help="learn from only this many distinct training examples"),
    batch_size: int = typer.Option(1200, help="examples per round of deduction and abduction"),
) -> None:
    """Learn NSR on a split's training set; score it on the dev set (for your choices) and, once,
    on the test set; write model and report."""

    def run() -> None:
        _need_torch()
        from ratchet.nesy.data import load_split
        from ratchet.nesy.learner import NsrConfig
        from ratchet.nesy.report import write_report
        from ratchet.nesy.train import train_nsr

        data = load_split(dataset, split, seed)
        config = NsrConfig(seed=seed, batch_size=batch_size)
        with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[info]}"), TimeElapsedColumn(), console=console) as bar:
            task = bar.add_task(f"learning {dataset}/{split}", total=None, info="")

            def tick(log) -> None:  # noqa: ANN001
                bar.update(task, advance=1, info=f"round {log.round} · length ≤ {log.stage} · deduction {log.accuracy:.1%}")

            model = train_nsr(data, config, tick, max_train)
            bar.update(task, description=f"evaluating on {len(data.dev)} dev and {len(data.test)} test inputs")
            dev = model.evaluate(data.dev) if data.dev else None
            evaluation = model.evaluate(data.test)
        model.save(out / "model.pt")
        report = write_report(model, {split: evaluation}, out, dev=dev)
        if dev is not None:
            console.print(f"dev accuracy on {dataset}/{split}: {dev.accuracy:.2%} {_interval(dev)} ({dev.correct}/{dev.total})")
        console.print(f"test accuracy on {dataset}/{split}: [bold]{evaluation.accuracy:.2%}[/bold] {_interval(evaluation)} "
                      f"({evaluation.correct}/{evaluation.total}); trained in {model.train_seconds:.0f} s")
        console.print(f"model: {out / 'model.pt'}   report: {report}   curves: {out / 'curves.png'}")

    _guard(run)


@app.command("eval")
def evaluate(
    model: Path = typer.Option(..., help="a model.pt (or the directory holding it)"),
    dataset: Optional[str] = typer.Option(None, help="refuse a model trained on another dataset"),
    split: Optional[str] = typer.Option(None, help="test split to score (default: the model's own)"),
    input: Optional[str] = typer.Option(None, "--input", help="one input to run instead, e.g. 'jump twice'"),
    seed: int = typer.Option(0, help="data seed (must match training for generated splits)"),
) -> None:
    """Score a saved model on a test split, or run it on one input."""

    def run() -> None:
        _need_torch()
        from ratchet.nesy.data import check_dataset, load_split
        from ratchet.nesy.data.example import Example
        from ratchet.nesy.model import NsrModel
        from ratchet.nesy.train import set_threads

        set_threads()
        if dataset is not None:
            check_dataset(dataset)
        loaded = NsrModel.load(model, expect_dataset=dataset)
        if input is not None:
            if loaded.dataset == "hint_image":
                raise UserError("image models read images, not text; evaluate them with --split")
            value = loaded.predict([Example(tuple(input.split()), None)])[0]
            console.print(" ".join(value) if isinstance(value, tuple) else str(value), highlight=False)
            return
        name = split or loaded.split
        check_dataset(loaded.dataset, name)
        result = loaded.evaluate(load_split(loaded.dataset, name, seed).test)
        console.print(f"{loaded.dataset}/{name}: [bold]{result.accuracy:.2%}[/bold] {_interval(result)} ({result.correct}/{result.total}, "
                      f"{result.unknown_inputs} with unseen tokens) in {result.seconds:.1f} s")
        path = Path(model if Path(model).is_dir() else Path(model).parent) / f"eval_{name}.json"
        path.write_text(json.dumps(result.__dict__, indent=2))

    _guard(run)


@app.command()
def show(path: Path = typer.Argument(..., help="a model.pt (or the directory holding it)")) -> None:
    """Print the learned symbol → program table and the training summary."""

    def run() -> None:
        _need_torch()
        from ratchet.nesy.model import NsrModel

        loaded = NsrModel.load(path)
        table = Table(title=f"NSR · {loaded.dataset}/{loaded.split} · {len(loaded.history)} rounds · {loaded.train_seconds:.0f} s")
        table.add_column("symbol")
        table.add_column("program")
        table.add_column("explains", justify="right")
        for symbol, program, confidence in loaded.program_table():
            table.add_row(symbol, program, f"{confidence:.0%}")
        Console(width=max(console.width, 120), file=sys.stdout).print(table)

    _guard(run)


def _interval(evaluation) -> str:  # noqa: ANN001
    """'[95%: 41.3, 62.5]': the accuracy's Wilson interval, in percent."""
    from ratchet.eval.intervals import wilson

    interval = wilson(evaluation.correct, evaluation.total)
    return f"[95%: {100 * interval.low:.1f}, {100 * interval.high:.1f}]"
