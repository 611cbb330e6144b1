"""Figures for issue 4: every self-improvement strategy on HumanEval (test) and gsm (test).

Runs `ratchet compare` in phases, each resumable (rerun the same command and finished strategies
are read back from their run directories; the response cache replays every model call made
before). The figures recorded in docs/STRATEGIES.md come from this script.

    python benchmarks/strategies.py                       # every phase, at DEFAULT_LIMITS
    python benchmarks/strategies.py --phase humaneval-full --limit 20
    python benchmarks/strategies.py --dry-run             # print the commands only

Phases, most telling first (the machine behind the recorded figures had 2 cores shared with
other busy processes, about 2-15 tokens/s):
- humaneval-debug: sample and self-debug on the whole HumanEval test split (a repair is paid for
  only where the docstring examples fail);
- humaneval-intrinsic: sample, self-refine and logprob-gated self-refine, with self-debug read
  back, on the first 15 test tasks (the logprob gate's first answers need a second llama.cpp
  instance with all logits, several times slower here);
- humaneval-full: sample, best-of-n (visible checks), self-debug, reflexion and self-refine on
  the whole split (the headline table);
- gsm: sample, self-refine, self-consistency, adaptive-consistency and self-refine gated by
  sample disagreement (its probes are self-consistency's samples, replayed from the cache), with
  plain resampling (pass@k), on the first 15 gsm test tasks (no visible tests there: no
  self-debug, reflexion or visible best-of-n);
- humaneval-vote: sample, self-consistency, adaptive-consistency, best-of-n, disagreement-gated
  self-refine and plain resampling with 5 samples (the pass@k curve) on the first 15 test tasks.
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys

MODEL = "qwen2.5-coder-0.5b-instruct"
PHASES = {
    "humaneval-debug": ("humaneval", "sample,self-debug:max_rounds=3", []),
    "humaneval-intrinsic": (
        "humaneval",
        "sample,self-refine:max_rounds=2,gated:inner=self-refine;max_rounds=2,self-debug:max_rounds=3",
        [],
    ),
    "humaneval-full": (
        "humaneval",
        "sample,best-of-n:n=5,self-debug:max_rounds=3,reflexion:max_rounds=3,self-refine:max_rounds=2",
        [],
    ),
    "gsm": (
        "gsm",
        "sample,self-refine:max_rounds=2,self-consistency:n=5,adaptive-consistency:n=8,"
        "gated:gate=disagreement;inner=self-refine;max_rounds=2",
        ["--resample", "5"],
    ),
    "humaneval-vote": (
        "humaneval",
        "sample,self-consistency:n=5,adaptive-consistency:n=8,best-of-n:n=5,"
        "gated:gate=disagreement;inner=self-refine;max_rounds=2,self-refine:max_rounds=2",
        ["--resample", "5"],
    ),
}

#: Tasks per phase behind the recorded figures (None: the whole test split); --limit overrides.
DEFAULT_LIMITS = {"humaneval-debug": None, "humaneval-intrinsic": 15, "humaneval-full": None, "gsm": 15,
                  "humaneval-vote": 15}


def command(phase: str, limit: int | None, runs: str, model: str) -> list[str]:
    suite, strategies, extra = PHASES[phase]
    args = ["ratchet", "compare", "--suite", suite, "--split", "test", "--model", model,
            "--strategies", strategies, "--runs", runs, *extra]
    return args + (["--limit", str(limit)] if limit else [])


def run_in_process(cmd: list[str], threads: int) -> None:
    """What `ratchet compare` does for `cmd`, with a model loaded with `threads` threads."""
    from pathlib import Path

    from ratchet.analysis.compare import resolve_strategies, run_comparison
    from ratchet.cli.compare_cmd import console, print_comparison
    from ratchet.eval.config import EvalConfig
    from ratchet.models import load_model
    from ratchet.models.base import SamplingParams
    from ratchet.suites.registry import load_suite

    flags = dict(zip(cmd[2::2], cmd[3::2]))
    specs = resolve_strategies([s.replace(";", ",") for s in flags["--strategies"].split(",")])
    limit = int(flags["--limit"]) if "--limit" in flags else None
    base = EvalConfig(suite=flags["--suite"], model=flags["--model"], split=flags["--split"], limit=limit,
                      params=SamplingParams(temperature=0.0, max_tokens=768, seed=0))
    suite = load_suite(base.suite)
    model = load_model(base.model, n_threads=threads)

    def progress(label: str, done: int, total: int) -> None:
        if done == total or done % 10 == 0:
            console.print(f"{label}: {done}/{total}")

    try:
        comparison = run_comparison(specs, base, suite, model, Path(flags["--runs"]),
                                    resample=int(flags.get("--resample", 0)), progress=progress)
    finally:
        getattr(suite, "close", lambda: None)()
    print_comparison(comparison.to_json())
    console.print(f"comparison directory: {comparison.path}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--phase", choices=[*PHASES, "all"], default="all")
    parser.add_argument("--limit", type=int, default=None,
                        help=f"first N tasks of the test split in every phase (default: {DEFAULT_LIMITS})")
    parser.add_argument("--runs", default="runs/bench")
    parser.add_argument("--model", default=MODEL)
    parser.add_argument("--threads", type=int, default=1,
                        help="llama.cpp threads, in process (0: run the ratchet compare command instead)")
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args(argv)
    phases = list(PHASES) if args.phase == "all" else [args.phase]
    for phase in phases:
        cmd = command(phase, args.limit or DEFAULT_LIMITS[phase], args.runs, args.model)
        print("$", shlex.join(cmd), f"(in process, {args.threads} thread)" if args.threads else "", flush=True)
        if args.dry_run:
            continue
        if args.threads:
            run_in_process(cmd, args.threads)
        elif subprocess.run(cmd).returncode:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
