"""Self-training figures (METHODS.md card 6): test accuracy for the base model and after each
iteration of STaR, ReST-EM and DPO; training time per iteration; restart-from-base versus
continue; accumulate versus replace. Every run is a resumable `improve` run directory under
--out-dir; rerunning the command resumes; each finished run is added to (or replaces its entry in) the
out-dir's summary.json / summary.md, so several processes can share one out-dir.

    nice -n 10 python benchmarks/self_training.py --model smollm2-135m-instruct --suite gsm \
        --methods star,rest-em,dpo --variants default --iterations 3 --train-limit 32 \
        --dev-limit 40 --test-limit 80 --out-dir /tmp/self-training

A variant is `default` (the method's own restart and data settings), `accumulate`, `continue`
(continue from the incumbent) or `restart` (train from the base each iteration). Iteration 1 of
a variant that differs from the default only in `accumulate` or `continue` is the default's by
construction (one iteration's data is all the data; the incumbent is still the base), so when
the default run has it, it is copied instead of recomputed (the summary says where from).
`--max-difficulty N` keeps gsm tasks of at most N steps (the splits stay the suite's own).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

from ratchet.errors import UserError
from ratchet.learn.backend import LoraBackend
from ratchet.learn.loop import ImproveConfig, improve
from ratchet.learn.train.config import TrainConfig
from ratchet.suites.registry import load_suite


class DifficultySubset:
    """A suite restricted to tasks of at most `max_difficulty`, keeping the suite's own splits."""

    def __init__(self, suite, max_difficulty: int) -> None:
        self._suite = suite
        self.name = suite.name
        self.max_difficulty = max_difficulty

    def tasks(self, split=None):
        return [t for t in self._suite.tasks(split) if t.difficulty is None or t.difficulty <= self.max_difficulty]

    def __getattr__(self, attr):
        return getattr(self._suite, attr)


VARIANTS = {"default": {}, "accumulate": {"data_mode": "accumulate"}, "continue": {"restart": False},
            "restart": {"restart": True}}


def run_one(args, method: str, variant: str, suite, train: TrainConfig) -> dict:
    suite_label = args.suite + (f":max_difficulty={args.max_difficulty}" if args.max_difficulty else "")
    config = ImproveConfig(
        method=method, suite=suite_label, model=args.model, iterations=args.iterations,
        train_limit=args.train_limit, dev_limit=args.dev_limit, test_limit=args.test_limit,
        samples=args.samples if method != "star" else None, max_tokens=args.max_tokens,
        min_examples=args.min_examples, gate_level=args.gate_level, seed=args.seed, train=train,
        **VARIANTS[variant],
    )
    run_dir = args.out_dir / f"{method}-{variant}"
    shared = share_first_iteration(args.out_dir / f"{method}-default", run_dir, method, variant)
    backend = LoraBackend(args.model, cache=True, n_ctx=2048, threads=args.threads)
    start = time.perf_counter()

    def progress(phase: str, done: int, total: int) -> None:
        if done == total or done % 10 == 0:
            print(f"[{method}/{variant}] {phase}: {done}/{total}  ({time.perf_counter() - start:.0f} s)", flush=True)

    try:
        report = improve(config, suite, backend, run_dir, progress=progress)
        return {"method": method, "variant": variant, "run_dir": str(run_dir), "report": report,
                **({"note": f"iteration 1 copied from {shared}"} if shared else {})}
    except UserError as error:  # e.g. too little verified data: recorded, not hidden
        print(f"[{method}/{variant}] stopped: {error}", flush=True)
        partial = None
        if (run_dir / "config.json").exists():
            from ratchet.learn.loop_report import build_report

            partial = build_report(run_dir)
        return {"method": method, "variant": variant, "run_dir": str(run_dir), "error": str(error), "report": partial}


def share_first_iteration(default: Path, run_dir: Path, method: str, variant: str) -> str | None:
    """Copy the default run's base and iteration 1 into a new `accumulate` / `continue` run
    directory, where they are the same by construction; the source directory if copied (now or
    before, as recorded in `shared-iter-01.json`), else None."""
    restarts_by_default = ImproveConfig(method=method, samples=None if method == "star" else 4).resolved().restart
    same_first = variant == "accumulate" or (variant == "continue" and restarts_by_default)
    marker = run_dir / "shared-iter-01.json"
    if (run_dir / "iter-01" / "gate.json").exists():
        return json.loads(marker.read_text())["copied_from"] if marker.exists() else None
    if not same_first or run_dir.exists() or not (default / "iter-01" / "gate.json").exists():
        return None
    import shutil

    run_dir.mkdir(parents=True)
    for name in ("iter-00", "iter-01"):  # dev-side only: this run reads its own test split, once, at its end
        if (default / name).exists():
            shutil.copytree(default / name, run_dir / name)
    marker.write_text(json.dumps({"copied_from": str(default)}))
    return str(default)



def summary_markdown(results: list[dict]) -> str:
    lines = ["| method | variant | base test % | test % after iterations 1..N | dev p-values (accepted) | train s / iteration | examples | note |",
             "|---|---|---|---|---|---|---|---|"]
    pct = lambda v: "-" if v is None else f"{100 * v:.1f}"  # noqa: E731
    for result in results:
        report = result.get("report") or {"iterations": []}
        rows = report["iterations"]
        base = rows[0]["test"] if rows else None
        tests = ", ".join(pct(r["test"]) for r in rows[1:])
        gates = ", ".join(f"{r['p_value']:.2g}{'✓' if r['accepted'] else ''}" for r in rows[1:])
        seconds = ", ".join(str(r["train_seconds"]) for r in rows[1:])
        examples = ", ".join(str(r["examples"]) for r in rows[1:])
        lines.append(f"| {result['method']} | {result['variant']} | {pct(base)} | {tests} | {gates} | {seconds} | {examples} | "
                     f"{result.get('error', '') or result.get('note', '')} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="smollm2-135m-instruct")
    parser.add_argument("--suite", default="gsm")
    parser.add_argument("--methods", default="star,rest-em,dpo")
    parser.add_argument("--variants", default="default")
    parser.add_argument("--runs", default=None, help="method:variant pairs instead of --methods x --variants, "
                        "e.g. star:default,star:accumulate,dpo:default")
    parser.add_argument("--iterations", type=int, default=3)
    parser.add_argument("--train-limit", type=int, default=32)
    parser.add_argument("--dev-limit", type=int, default=40)
    parser.add_argument("--test-limit", type=int, default=80)
    parser.add_argument("--samples", type=int, default=4)
    parser.add_argument("--max-tokens", type=int, default=256)
    parser.add_argument("--max-difficulty", type=int, default=None)
    parser.add_argument("--min-examples", type=int, default=4)
    parser.add_argument("--gate-level", type=float, default=0.05)
    parser.add_argument("--learning-rate", type=float, default=5e-4)
    parser.add_argument("--epochs", type=float, default=2.0)
    parser.add_argument("--rank", type=int, default=16)
    parser.add_argument("--threads", type=int, default=1, help="llama.cpp and torch threads")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out-dir", type=Path, required=True)
    args = parser.parse_args()

    suite = load_suite(args.suite)
    if args.max_difficulty:
        suite = DifficultySubset(suite, args.max_difficulty)
    train = TrainConfig(rank=args.rank, alpha=2.0 * args.rank, learning_rate=args.learning_rate, epochs=args.epochs,
                        batch_size=4, max_length=640, seed=args.seed, threads=args.threads)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    runs = ([tuple(run.split(":")) for run in args.runs.split(",")] if args.runs else
            [(m, v) for m in args.methods.split(",") for v in args.variants.split(",")])
    for method, variant in runs:
        write_summary(args.out_dir, run_one(args, method, variant, suite, train))


def write_summary(out_dir: Path, result: dict) -> None:
    """Add one run's result to the out-dir's summary, replacing an earlier entry for the same
    method and variant: several benchmark processes (e.g. one per core) share one summary."""
    result = {**result, "command": "python " + " ".join(sys.argv)}  # each run names the command that made it
    path = out_dir / "summary.json"
    earlier = json.loads(path.read_text())["results"] if path.exists() else []
    key = (result["method"], result["variant"])
    results = [r for r in earlier if (r["method"], r["variant"]) != key] + [result]
    summary = {"date": time.strftime("%Y-%m-%d"), "machine": f"{platform.machine()}, 2 cores shared with other jobs",
               "results": results}
    path.write_text(json.dumps(summary, indent=2))
    (out_dir / "summary.md").write_text(summary_markdown(results))
    print(summary_markdown(results), flush=True)


if __name__ == "__main__":
    main()
