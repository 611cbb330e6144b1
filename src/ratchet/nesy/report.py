"""A run's report: accuracy per split, learning curves and time, as JSON plus a PNG, written next
to the model. Reports are built from the saved model and evaluations only."""

from __future__ import annotations

import dataclasses
import json
import platform
from pathlib import Path
from typing import Any

from ratchet.eval.intervals import wilson
from ratchet.nesy.model import Evaluation, NsrModel


def report_dict(model: NsrModel, evaluations: dict[str, Evaluation], dev: Evaluation | None = None) -> dict[str, Any]:
    """`evaluations`: test sets by split name, each read once, after learning; `dev`: the
    split's dev set, for any choice made about the learner."""
    return {
        "dataset": model.dataset,
        "trained_on_split": model.split,
        "train_seconds": round(model.train_seconds, 2),
        "accuracy": {name: round(ev.accuracy, 4) for name, ev in evaluations.items()},
        "dev_accuracy": None if dev is None else round(dev.accuracy, 4),
        # 95% Wilson intervals of the accuracies above (docs/INTERVALS.md)
        "accuracy_interval": {name: wilson(ev.correct, ev.total).to_json() for name, ev in evaluations.items()},
        "dev_interval": None if dev is None else wilson(dev.correct, dev.total).to_json(),
        "test_reads": [{"split": name, "examples": ev.total, "when": "after learning"} for name, ev in evaluations.items()],
        "evaluations": {name: dataclasses.asdict(ev) for name, ev in evaluations.items()},
        "programs": [{"symbol": s, "program": p, "confidence": round(c, 3)} for s, p, c in model.program_table()],
        "rounds": [dataclasses.asdict(h) for h in model.history],
        "config": dataclasses.asdict(model.config),
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
    }


def plot_curves(model: NsrModel, path: Path) -> None:
    """Deduction accuracy and abduction success per round, with the curriculum stage."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rounds = [h.round for h in model.history]
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(rounds, [h.accuracy for h in model.history], marker="o", label="deduction accuracy (batch)")
    ax.plot(rounds, [h.abduced for h in model.history], marker=".", label="abduction found a revision")
    ax.set_xlabel("round")
    ax.set_ylabel("share of batch")
    ax.set_ylim(-0.02, 1.02)
    stage_ax = ax.twinx()
    stage_ax.step(rounds, [h.stage for h in model.history], where="mid", color="grey", alpha=0.4)
    stage_ax.set_ylabel("curriculum: longest input")
    ax.set_title(f"NSR on {model.dataset}/{model.split} ({model.train_seconds:.0f} s)")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def write_report(model: NsrModel, evaluations: dict[str, Evaluation], directory: Path,
                 dev: Evaluation | None = None) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    out = directory / "report.json"
    out.write_text(json.dumps(report_dict(model, evaluations, dev), indent=2, default=str))
    plot_curves(model, directory / "curves.png")
    return out
