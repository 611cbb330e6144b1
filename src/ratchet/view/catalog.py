"""What a runs directory holds, read from the logs alone (never written to):

- an evaluation run: config.json + attempts.jsonl (+ summary.json), as `ratchet eval` writes it,
  also the evaluations nested inside improvement runs;
- a Traj-Bootstrap run: result.json (the gate's decision, the database replacements);
- a self-training run: iter-NN/gate.json, one gate record per iteration;
- a comparison: compare.json.

A run is named by its path relative to the runs directory; a name given back by a browser is
looked up among the runs found, never joined to a path, so it cannot reach outside the directory.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ratchet.core import Attempt
from ratchet.eval.intervals import pass_at_k_interval
from ratchet.eval.rundir import RunDir

MAX_DEPTH = 5  # runs nest: RUNS/improve-run/evals/base-test


@dataclass(frozen=True)
class EvalRun:
    """An evaluation run's configuration and pass@k with 95% intervals."""

    name: str
    path: Path
    config: dict
    pass_at_k: dict  # "pass@k" -> Interval.to_json()
    tasks: int
    attempts: int
    statuses: dict

    @property
    def label(self) -> str:
        return f"{self.config.get('solver', '?')} · {self.config.get('model', '?')}"


@dataclass(frozen=True)
class ImproveRun:
    """A self-improvement run: its kind, configuration and the gate's decisions, in order."""

    name: str
    path: Path
    kind: str  # traj-bootstrap or self-training
    config: dict
    decisions: tuple[dict, ...]  # {"step": ..., "decision": gate record, "split": dev or test}
    plots: tuple[str, ...]  # PNG files the run wrote (report.png, growth.png)


@dataclass(frozen=True)
class Catalog:
    root: Path
    evals: tuple[EvalRun, ...]
    improvements: tuple[ImproveRun, ...]
    comparisons: tuple[str, ...]  # names of comparison directories

    def eval_run(self, name: str) -> EvalRun | None:
        return next((run for run in self.evals if run.name == name), None)

    def improve_run(self, name: str) -> ImproveRun | None:
        return next((run for run in self.improvements if run.name == name), None)


def _read_json(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def scan(root: Path) -> Catalog:
    """Every run under `root` (to MAX_DEPTH levels), sorted by name."""
    root = Path(root)
    evals, improvements, comparisons = [], [], []
    for directory, subdirs, files in os.walk(root):
        here = Path(directory)
        depth = len(here.relative_to(root).parts)
        subdirs[:] = sorted(d for d in subdirs if not d.startswith(".")) if depth < MAX_DEPTH else []
        name = here.relative_to(root).as_posix() if depth else "."
        if "attempts.jsonl" in files and "config.json" in files:
            run = load_eval(here, name)
            if run is not None:
                evals.append(run)
        if "compare.json" in files:
            comparisons.append(name)
        improve = load_improve(here, name, files, subdirs)
        if improve is not None:
            improvements.append(improve)
    return Catalog(root, tuple(evals), tuple(improvements), tuple(comparisons))


def load_eval(path: Path, name: str) -> EvalRun | None:
    config = _read_json(path / "config.json")
    if config is None or "suite" not in config:
        return None
    summary = _read_json(path / "summary.json") or {}
    intervals = summary.get("intervals")
    attempts = None
    if not intervals:  # a run killed before its summary, or written before intervals existed
        attempts = RunDir(path).load_attempts()
        intervals = _intervals(attempts, config.get("k") or [1])
    return EvalRun(
        name=name, path=path, config=config, pass_at_k=intervals,
        tasks=summary.get("tasks_done", len({a.task_id for a in attempts or []})),
        attempts=summary.get("attempts", len(attempts or [])),
        statuses=summary.get("statuses") or dict(Counter(a.verdict.status.value for a in attempts or [])),
    )


def _intervals(attempts: list[Attempt], ks: list[int]) -> dict:
    counts: dict[str, list[int]] = {}
    for attempt in attempts:
        tally = counts.setdefault(attempt.task_id, [0, 0])
        tally[0] += 1
        tally[1] += int(attempt.passed)
    pairs = [tuple(c) for c in counts.values()]
    return {f"pass@{k}": pass_at_k_interval([p for p in pairs if p[0] >= k], k).to_json() for k in ks}


def load_improve(path: Path, name: str, files: list[str], subdirs: list[str]) -> ImproveRun | None:
    plots = tuple(f for f in sorted(files) if f in ("report.png", "growth.png"))
    if "result.json" in files:
        result = _read_json(path / "result.json")
        if result is None or "decision" not in result:
            return None
        decisions = [{"step": f"segment {e.get('segment')}: database {e.get('worst')} ← copy of {e.get('best')}",
                      "decision": e.get("decision", {}), "split": "dev"} for e in result.get("replacements", [])]
        decisions.append({"step": "final: saved database vs the base agent", "decision": result["decision"],
                          "split": "dev"})
        return ImproveRun(name, path, "traj-bootstrap", result.get("config", {}), tuple(decisions), plots)
    iterations = sorted(d for d in subdirs if d.startswith("iter-") and (path / d / "gate.json").exists())
    if not iterations:
        return None
    decisions = []
    for label in iterations:
        record = _read_json(path / label / "gate.json") or {}
        decisions.append({"step": f"{label} vs {record.get('incumbent_before', '?')}",
                          "decision": record.get("decision", {}), "split": "dev"})
    test = _read_json(path / "test.json") or {}
    if test.get("final_vs_base"):
        decisions.append({"step": f"test: {test.get('final_incumbent')} vs base", "decision": test["final_vs_base"],
                          "split": "test"})
    return ImproveRun(name, path, "self-training", _read_json(path / "config.json") or {}, tuple(decisions), plots)


def load_attempts(run: EvalRun) -> list[Attempt]:
    return RunDir(run.path).load_attempts()


def flips(first: list[Attempt], second: list[Attempt]) -> dict[str, list[str]]:
    """Tasks by outcome of their first sample in two runs: fixed (fail → pass), broken
    (pass → fail), both, neither, and the tasks only one run has."""
    a = {t.task_id: t.passed for t in first if t.sample == 0}
    b = {t.task_id: t.passed for t in second if t.sample == 0}
    shared = sorted(set(a) & set(b), key=natural)
    return {
        "fixed": [t for t in shared if not a[t] and b[t]],
        "broken": [t for t in shared if a[t] and not b[t]],
        "both": [t for t in shared if a[t] and b[t]],
        "neither": [t for t in shared if not a[t] and not b[t]],
        "only_first": sorted(set(a) - set(b), key=natural),
        "only_second": sorted(set(b) - set(a), key=natural),
    }


def natural(task_id: str) -> list:
    """Sort key that puts add/5 before add/19."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", task_id)]
