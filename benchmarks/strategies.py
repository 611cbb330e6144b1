"""Figures for issue 4: every self-improvement strategy on HumanEval (test) and gsm (test).

Runs `ratchet compare` in phases, each resumable (rerun the same command and finished strategies
are read back from their run directories; the response cache replays every model call made
before). The figures recorded in docs/STRATEGIES.md come from this script.

    python benchmarks/strategies.py                       # every phase, at DEFAULT_LIMITS
    python benchmarks/strategies.py --phase humaneval-repair --limit 20
    python benchmarks/strategies.py --dry-run             # print the commands only

Phases (cheapest, most telling first; the machine behind the recorded figures had 2 shared cores):
- humaneval-repair: sample, best-of-n (visible checks), self-debug and reflexion on the HumanEval
  test split; they spend extra only where the visible examples fail, so this runs on the whole
  split;
- humaneval-intrinsic: sample, self-refine and gated self-refine (every task pays for a
  critique), with self-debug and reflexion read back from the phase above;
- humaneval-vote: sample, self-consistency, adaptive-consistency, best-of-n (read back) and plain
  resampling with 5 samples (the pass@k curve), the costliest phase;
- gsm: sample, self-refine, gated self-refine, self-consistency and adaptive-consistency on gsm
  test (no visible tests there, so no self-debug, reflexion or visible best-of-n).
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys

MODEL = "qwen2.5-coder-0.5b-instruct"
PHASES = {
    "humaneval-repair": ("humaneval", "sample,best-of-n:n=5,self-debug:max_rounds=3,reflexion:max_rounds=3", []),
    "humaneval-intrinsic": (
        "humaneval",
        "sample,self-refine:max_rounds=2,gated:inner=self-refine;max_rounds=2,"
        "self-debug:max_rounds=3,reflexion:max_rounds=3",
        [],
    ),
    "humaneval-vote": (
        "humaneval",
        "sample,self-consistency:n=5,adaptive-consistency:n=8,best-of-n:n=5",
        ["--resample", "5"],
    ),
    "gsm": (
        "gsm",
        "sample,self-refine:max_rounds=2,gated:inner=self-refine;max_rounds=2,self-consistency:n=5,"
        "adaptive-consistency:n=8",
        [],
    ),
}

#: Tasks per phase behind the recorded figures (None: the whole test split); --limit overrides.
DEFAULT_LIMITS = {"humaneval-repair": None, "humaneval-intrinsic": 30, "humaneval-vote": 20, "gsm": 20}


def command(phase: str, limit: int | None, runs: str, model: str) -> list[str]:
    suite, strategies, extra = PHASES[phase]
    args = ["ratchet", "compare", "--suite", suite, "--split", "test", "--model", model,
            "--strategies", strategies, "--runs", runs, *extra]
    return args + (["--limit", str(limit)] if limit else [])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--phase", choices=[*PHASES, "all"], default="all")
    parser.add_argument("--limit", type=int, default=None,
                        help=f"first N tasks of the test split in every phase (default: {DEFAULT_LIMITS})")
    parser.add_argument("--runs", default="runs/bench")
    parser.add_argument("--model", default=MODEL)
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args(argv)
    phases = list(PHASES) if args.phase == "all" else [args.phase]
    status = 0
    for phase in phases:
        limit = args.limit or DEFAULT_LIMITS[phase]
        cmd = command(phase, limit, args.runs, args.model)
        print("$", shlex.join(cmd), flush=True)
        if not args.dry_run:
            status = subprocess.run(cmd).returncode or status
    return status


if __name__ == "__main__":
    sys.exit(main())
