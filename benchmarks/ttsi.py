"""Figures for issue 7 (card 4): base, TT-SI, TT-D and ordinary LoRA SFT on the same `toolcall`
test items, and how well each confidence estimate predicts the base model's errors.

    nohup nice -n 10 python benchmarks/ttsi.py --out /tmp/ttsi-bench > /tmp/ttsi-bench.log 2>&1 &
    python benchmarks/ttsi.py --out /tmp/ttsi-bench --phase report

Phases, each resumable (results are appended per item under --out; the response cache replays
model calls made before):
- dev-gate: the margin on the first --dev-limit dev items; tau = their --tau-quantile quantile
  (chosen on dev, never on test), unless --tau is given;
- gate: on the first --limit test items, the greedy base answer and three confidences: the margin
  over the listed functions, agreement of 4 samples, exp(mean token log-probability);
- tt-si, tt-d: the strategies on the same items (TT-D's teacher: qwen2.5-coder-1.5b-instruct);
- sft: a LoRA fitted on the gold calls of the first --sft-examples train items, then the same
  test items answered with it;
- report: the four-way table and the AUROCs as markdown (also written to report.md / .json).

Models run in process with one llama.cpp thread and one torch thread: on a machine whose 2 cores
other processes keep busy, two threads wait on each other at every layer and run many times slower.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

MODEL = "qwen2.5-coder-0.5b-instruct"
TEACHER = "qwen2.5-coder-1.5b-instruct"
PHASES = ("dev-gate", "gate", "tt-si", "tt-d", "sft", "report")


def local_model(name: str, adapter: str | None = None, n_ctx: int = 2048):
    from ratchet.models.cache import CachedModel, ResponseCache
    from ratchet.models.catalog import CATALOG, ratchet_home, resolve_weights
    from ratchet.models.llamacpp import LlamaCppModel

    model = LlamaCppModel(resolve_weights(name), name, CATALOG[name].sha256, n_ctx=n_ctx, n_threads=1,
                          adapter=Path(adapter) if adapter else None)
    return CachedModel(model, ResponseCache(ratchet_home() / "cache.sqlite"))


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []


def append_jsonl(path: Path, row: dict) -> None:
    with open(path, "a") as handle:
        handle.write(json.dumps(row) + "\n")


# ---------------------------------------------------------------------------------------------


def margins(suite, tasks, model, out: Path, with_free_form: bool) -> list[dict]:
    """Per task: greedy answer, verdict, and the confidence estimates (appended to `out`)."""
    from ratchet.core import SolverView
    from ratchet.models.base import SamplingParams
    from ratchet.ttt.scoring import LlamaCppCandidateScorer
    from ratchet.ttt.uncertainty import estimate

    view, scorer = SolverView(suite), LlamaCppCandidateScorer(model)
    params = SamplingParams(max_tokens=160)
    done = {row["task_id"] for row in read_jsonl(out)}
    for task in tasks:
        if task.id in done:
            continue
        started = time.perf_counter()
        margin = estimate("margin", task, view, model, params, scorer=scorer)
        greedy_seconds = margin.answer.usage.seconds
        verdict = suite.verify(task, margin.answer.completion)
        row = {"task_id": task.id, "shift": suite.shift_of(task), "passed": verdict.passed,
               "error": verdict.feedback if not verdict.passed else "", "margin": margin.confidence,
               "top": margin.candidates[0][0], "greedy_seconds": round(greedy_seconds, 2),
               "answer": margin.answer.completion}
        if with_free_form:
            row["agreement"] = estimate("agreement", task, view, model, params, n=4).confidence
            row["logprob"] = estimate("logprob", task, view, model, params).confidence
        row["seconds"] = round(time.perf_counter() - started, 2)
        append_jsonl(out, row)
        print(json.dumps({k: row[k] for k in ("task_id", "passed", "margin", "seconds")}), flush=True)
    return read_jsonl(out)


def choose_tau(out: Path, quantile: float) -> float:
    values = sorted(row["margin"] for row in read_jsonl(out / "dev-gate.jsonl"))
    if not values:
        raise SystemExit("run --phase dev-gate first (or pass --tau)")
    return round(values[min(len(values) - 1, int(quantile * len(values)))], 4)


def run_strategy(spec: str, suite, tasks_limit: int, model, out: Path, parts: dict) -> None:
    from ratchet.eval.config import EvalConfig
    from ratchet.eval.rundir import RunDir
    from ratchet.eval.runner import evaluate
    from ratchet.models.base import SamplingParams
    from ratchet.solvers.registry import make_solver, solver_spec

    solver = make_solver(spec).with_parts(**parts)
    config = EvalConfig(suite="toolcall", model=MODEL, split="test", limit=tasks_limit, solver=solver_spec(solver),
                        params=SamplingParams(max_tokens=160))
    evaluate(config, suite, model, solver, RunDir(out), progress=lambda done, total: print(f"{done}/{total}", flush=True))


def run_sft(suite, args, out: Path) -> None:
    import torch

    from ratchet.core import Split, Turn
    from ratchet.eval.config import EvalConfig
    from ratchet.eval.rundir import RunDir
    from ratchet.eval.runner import evaluate
    from ratchet.learn.adapters import BaseModelRef, load_artifact
    from ratchet.learn.data import Provenance, SftExample
    from ratchet.learn.train import TrainConfig, fit_sft
    from ratchet.models.base import SamplingParams
    from ratchet.solvers.sample import SampleSolver

    artifact_dir = out / "sft-adapter"
    if not artifact_dir.exists():
        torch.set_num_threads(1)
        examples = [
            SftExample(tuple(Turn(m["role"], m["content"]) for m in suite.messages(task)),
                       suite.reference_completion(task), Provenance("gold", suite.name, task.id))
            for task in suite.tasks(Split.TRAIN)[: args.sft_examples]
        ]
        config = TrainConfig(epochs=1.0, batch_size=4, learning_rate=2e-4, max_length=512, precision="fp32")
        started = time.perf_counter()
        fit_sft(examples, BaseModelRef.resolve(MODEL), artifact_dir, config)
        (out / "sft-train.json").write_text(json.dumps({"seconds": round(time.perf_counter() - started, 1),
                                                        "examples": len(examples)}))
    artifact = load_artifact(artifact_dir)
    model = local_model(MODEL, adapter=str(artifact.gguf))
    config = EvalConfig(suite="toolcall", model=MODEL, split="test", limit=args.limit, solver="sample",
                        params=SamplingParams(max_tokens=160), adapter=str(artifact.gguf))
    evaluate(config, suite, model, SampleSolver(), RunDir(out / "runs-sft"))


# ---------------------------------------------------------------------------------------------


def report(out: Path) -> str:
    """The tables, on the test items every finished method answered (a run stopped early is
    compared on the items it reached)."""
    from ratchet.core import Attempt
    from ratchet.ttt.calibration import summarise_estimate
    from ratchet.ttt.report import summarise_items

    gate = read_jsonl(out / "gate.jsonl")
    runs = {name: [Attempt.from_json(json.loads(line)) for line in _lines(out / f"runs-{name}" / "attempts.jsonl")]
            for name in ("tt-si", "tt-d", "sft")}
    common = {row["task_id"] for row in gate}
    for attempts in runs.values():
        if attempts:
            common &= {a.task_id for a in attempts}
    gate = [row for row in gate if row["task_id"] in common]
    runs = {name: [a for a in attempts if a.task_id in common] for name, attempts in runs.items()}
    passed = [row["passed"] for row in gate]
    lines = [f"test items: {len(gate)} (shift: " + ", ".join(
        f"{s}={sum(r['shift'] == s for r in gate)}" for s in ("none", "phrasing", "domain")) + ")", ""]
    lines += ["| estimate | AUROC (base errors) | AUROC (wrong-function errors) | acc@50% coverage | acc@100% |",
              "|---|---|---|---|---|"]
    for key in ("margin", "agreement", "logprob"):
        rows = [r for r in gate if key in r]
        if not rows:
            continue
        summary = summarise_estimate([r[key] for r in rows], [r["passed"] for r in rows])
        function = summarise_estimate([r[key] for r in rows], [r["error"] != "wrong function" for r in rows])
        lines.append(f"| {key} | {summary['auroc']} | {function['auroc']} | "
                     f"{summary['accuracy_at_coverage'].get('0.50')} | {summary['accuracy_at_coverage'].get('1.00')} |")
    base_seconds = statistics.mean(r["greedy_seconds"] for r in gate) if gate else 0.0
    lines += ["", "| method | accuracy | training samples | seconds per test item | notes |", "|---|---|---|---|---|",
              f"| base | {sum(passed)}/{len(passed)} = {_pct(passed)} | 0 | {base_seconds:.1f} | greedy |"]
    for name in ("tt-si", "tt-d"):
        attempts = runs[name]
        if not attempts:
            continue
        items = summarise_items(attempts)
        ok = [a.passed for a in attempts]
        fallback = f", teacher fallbacks {items['teacher_fallbacks']}" if items["teacher_fallbacks"] else ""
        lines.append(f"| {name} | {sum(ok)}/{len(ok)} = {_pct(ok)} | {items['training_samples']} | "
                     f"{items['seconds_per_item']:.1f} (+ base answer) | adapted {items['outcomes']['adapted']}, "
                     f"unadapted {items['outcomes']['unadapted']}, certain {items['outcomes']['certain']}; "
                     f"wrong→right {items['wrong_to_right']}, right→wrong {items['right_to_wrong']}{fallback} |")
    if runs["sft"]:
        train = json.loads((out / "sft-train.json").read_text())
        ok = [a.passed for a in runs["sft"]]
        answer_seconds = statistics.mean(a.solution.usage.seconds for a in runs["sft"])
        lines.append(f"| LoRA SFT on train | {sum(ok)}/{len(ok)} = {_pct(ok)} | {train['examples']} | "
                     f"{answer_seconds:.1f} (+ {train['seconds']:.0f} s training once) | 1 epoch, gold calls |")
    text = "\n".join(lines)
    (out / "report.md").write_text(text + "\n")
    return text


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text().splitlines() if line.strip()] if path.exists() else []


def _pct(values) -> str:
    return f"{100 * sum(values) / len(values):.1f}%" if values else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--phase", choices=PHASES, action="append", help="default: all, in order")
    parser.add_argument("--limit", type=int, default=20, help="test items")
    parser.add_argument("--dev-limit", type=int, default=12)
    parser.add_argument("--tau", type=float, default=None, help="default: chosen on dev")
    parser.add_argument("--tau-quantile", type=float, default=0.35)
    parser.add_argument("--k", type=int, default=4)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--layers", type=int, default=8, help="adapt the last N blocks (0: all)")
    parser.add_argument("--sft-examples", type=int, default=48)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    from ratchet.core import Split
    from ratchet.suites.toolcall import ToolCallSuite

    suite = ToolCallSuite()
    phases = args.phase or list(PHASES)
    model = local_model(MODEL) if set(phases) - {"report", "sft"} else None
    if "dev-gate" in phases:
        margins(suite, suite.tasks(Split.DEV)[: args.dev_limit], model, args.out / "dev-gate.jsonl", with_free_form=False)
    if "gate" in phases:
        margins(suite, suite.tasks(Split.TEST)[: args.limit], model, args.out / "gate.jsonl", with_free_form=True)
    tau = args.tau if args.tau is not None else (choose_tau(args.out, args.tau_quantile) if {"tt-si", "tt-d"} & set(phases) else None)
    spec = f"k={args.k},steps={args.steps},lr={args.lr},layers={args.layers},threads=1,tau={tau}"
    if "tt-si" in phases:
        run_strategy(f"tt-si:{spec}", suite, args.limit, model, args.out / "runs-tt-si", {})
    if "tt-d" in phases:
        teacher = local_model(TEACHER)
        run_strategy(f"tt-d:{spec},teacher={TEACHER}", suite, args.limit, model, args.out / "runs-tt-d", {"teacher": teacher})
    if "sft" in phases:
        run_sft(suite, args, args.out)
    if "report" in phases:
        if tau is not None:
            print(f"tau = {tau}")
        print(report(args.out))


if __name__ == "__main__":
    main()
