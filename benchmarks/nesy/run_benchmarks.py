"""Accuracy per split for NSR and the seq2seq transformer baseline, with training time.

    python benchmarks/nesy/run_benchmarks.py --datasets scan pcfg hint --out runs/nesy-bench

Writes one NSR run directory (model.pt, report.json, curves.png) per split, plus results.json and
results.md (the table) under --out. Each split's row is appended as soon as it is done.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

from ratchet.nesy.baseline import Seq2SeqConfig, train_seq2seq
from ratchet.nesy.data import DATASETS, load_split
from ratchet.nesy.learner import NsrConfig
from ratchet.nesy.model import primitive_examples
from ratchet.nesy.report import write_report
from ratchet.nesy.train import set_threads, train_nsr


def run_split(dataset: str, split_name: str, args: argparse.Namespace) -> dict:
    split = load_split(dataset, split_name, args.seed)
    test = list(split.test)
    if args.max_test and len(test) > args.max_test:
        test = random.Random(args.seed).sample(test, args.max_test)
    row: dict = {"dataset": dataset, "split": split_name, "train": len(split.train), "test": len(test)}
    if not args.no_nsr:
        progress = (lambda log: print(json.dumps({"split": split_name, **vars(log)}), flush=True)) if args.verbose else None
        model = train_nsr(split, NsrConfig(seed=args.seed), progress, max_train=args.nsr_max_train)
        evaluation = model.evaluate(test)
        write_report(model, {split_name: evaluation}, args.out / f"{dataset}-{split_name}")
        model.save(args.out / f"{dataset}-{split_name}" / "model.pt")
        row.update(nsr_accuracy=evaluation.accuracy, nsr_train_s=round(model.train_seconds, 1),
                   nsr_eval_s=round(evaluation.seconds, 1), nsr_rounds=len(model.history))
    if dataset != "hint_image" and args.baseline_steps > 0:
        train = list(split.train) + primitive_examples(dataset, split.train)
        start = time.perf_counter()
        baseline = train_seq2seq(train, Seq2SeqConfig(steps=args.baseline_steps, seed=args.seed))
        row.update(seq2seq_accuracy=baseline.accuracy(test), seq2seq_train_s=round(baseline.train_seconds, 1),
                   seq2seq_total_s=round(time.perf_counter() - start, 1))
    return row


def table(rows: list[dict]) -> str:
    lines = ["| dataset | split | train / test | NSR | NSR train (s) | seq2seq | seq2seq train (s) |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        s2s = f"{r['seq2seq_accuracy']:.1%}" if "seq2seq_accuracy" in r else "—"
        s2s_t = f"{r['seq2seq_train_s']:.0f}" if "seq2seq_train_s" in r else "—"
        nsr = f"{r['nsr_accuracy']:.1%}" if "nsr_accuracy" in r else "—"
        nsr_t = f"{r['nsr_train_s']:.0f}" if "nsr_train_s" in r else "—"
        lines.append(f"| {r['dataset']} | {r['split']} | {r['train']} / {r['test']} | {nsr} | {nsr_t} | {s2s} | {s2s_t} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", nargs="+", default=["scan", "pcfg", "hint"], choices=sorted(DATASETS))
    parser.add_argument("--splits", nargs="*", default=None, help="only these splits")
    parser.add_argument("--out", type=Path, default=Path("runs/nesy-bench"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--nsr-max-train", type=int, default=None, help="distinct training examples NSR sees")
    parser.add_argument("--baseline-steps", type=int, default=2000)
    parser.add_argument("--max-test", type=int, default=None, help="score a seeded sample of the test set")
    parser.add_argument("--no-nsr", action="store_true", help="run the baseline only")
    parser.add_argument("--verbose", action="store_true", help="print every NSR round")
    args = parser.parse_args()
    set_threads()
    args.out.mkdir(parents=True, exist_ok=True)
    results = args.out / "results.json"
    rows = json.loads(results.read_text()) if results.exists() else []
    for dataset in args.datasets:
        for split_name in DATASETS[dataset]:
            if args.splits and split_name not in args.splits:
                continue
            row = run_split(dataset, split_name, args)
            rows = [r for r in rows if (r["dataset"], r["split"]) != (dataset, split_name)] + [row]
            results.write_text(json.dumps(rows, indent=2))
            (args.out / "results.md").write_text(table(rows) + "\n")
            print(json.dumps(row), flush=True)
    print(table(rows))


if __name__ == "__main__":
    main()
