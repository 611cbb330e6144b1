"""Foundation figures for docs/BENCHMARKS.md: the default model on HumanEval and gsm.

Runs, through the public CLI (so the figures are what a user gets):
  1. HumanEval test split, greedy pass@1;
  2. HumanEval test split, 5 samples at temperature 0.8: pass@1/3/5;
  3. gsm test split (first --gsm-limit tasks), greedy accuracy by difficulty.
Each run's summary.json is collected into one JSON report.

    python benchmarks/baseline.py --out benchmarks/results/baseline.json [--samples-limit 15]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path


def run(args: list[str], runs: Path) -> dict:
    command = [sys.executable, "-m", "ratchet.cli.main", "eval", *args, "--runs", str(runs)]
    print("$ ratchet eval " + " ".join(args), flush=True)
    subprocess.run(command, check=True)
    newest = max(runs.iterdir(), key=lambda p: (p / "summary.json").stat().st_mtime
                 if (p / "summary.json").exists() else 0)
    return {"command": "ratchet eval " + " ".join(args), "summary": json.loads((newest / "summary.json").read_text())}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="qwen2.5-coder-0.5b-instruct")
    parser.add_argument("--gsm-limit", type=int, default=100)
    parser.add_argument("--samples-limit", type=int, default=None,
                        help="only the first N test tasks for the 5-sample run")
    parser.add_argument("--runs", type=Path, default=Path("runs/benchmarks"))
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/baseline.json"))
    parser.add_argument("--skip-samples", action="store_true", help="skip the 5-sample HumanEval run")
    options = parser.parse_args()
    options.runs.mkdir(parents=True, exist_ok=True)
    model = ["--model", options.model]
    results = [run(["--suite", "humaneval", "--split", "test", *model], options.runs)]
    results.append(run(["--suite", "gsm", "--split", "test", "--limit", str(options.gsm_limit), *model], options.runs))
    if not options.skip_samples:
        limit = ["--limit", str(options.samples_limit)] if options.samples_limit else []
        results.append(run(["--suite", "humaneval", "--split", "test", "--samples", "5", "-k", "1,3,5",
                            "--temperature", "0.8", *limit, *model], options.runs))
    report = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "model": options.model,
        "runs": results,
    }
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
