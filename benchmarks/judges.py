"""Judges on verifiable attempt pairs: position-swap consistency and agreement with the verifier,
naive versus self-reference (METHODS.md card 3).

Pairs come from run directories (attempts.jsonl): per task, a passing and a failing attempt. Where
a task has failing attempts only, a reference solution is the passing candidate (source "gold":
gsm's worked solution, HumanEval's canonical solution); the report counts pairs by source. The passing answer is
shown first in half the pairs and second in the other half.

    python benchmarks/judges.py --suite gsm --runs RUN [RUN ...] --judge-model smollm2-135m-instruct \
        --pairs 16 --out /tmp/judges-gsm.json
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from collections import defaultdict
from pathlib import Path

from ratchet.eval.rundir import RunDir
from ratchet.learn.judges import judge_attempt_pairs, make_judge
from ratchet.learn.backend import LoraBackend
from ratchet.suites.registry import load_suite


def gold_solution(suite, task) -> str | None:
    """A reference solution written as a model would answer: gsm's worked solution, or HumanEval's
    canonical solution in a code block."""
    if hasattr(suite, "worked_solution"):
        return suite.worked_solution(task)
    problems = getattr(suite, "_problems", None)
    if problems and task.id in problems:
        problem = problems[task.id]
        return f"```python\n{problem['prompt']}{problem['canonical_solution']}```"
    return None


def build_pairs(suite, runs: list[Path], limit: int, gold_fallback: bool) -> list[dict]:
    attempts = defaultdict(list)
    for run in runs:
        for attempt in RunDir(run).load_attempts():
            attempts[attempt.task_id].append(attempt)
    tasks = {task.id: task for task in suite.tasks()}
    pairs = []
    for task_id in sorted(attempts):
        if task_id not in tasks:
            continue
        group = attempts[task_id]
        good = next((a.solution.completion for a in group if a.passed), None)
        source = "attempt"
        bad = next((a.solution.completion for a in group if not a.passed and a.solution.completion.strip()), None)
        if good is None and gold_fallback:
            good, source = gold_solution(suite, tasks[task_id]), "gold"
        if good is None or bad is None:
            continue
        swap = len(pairs) % 2 == 1
        a, b = (bad, good) if swap else (good, bad)
        pairs.append({"task_id": task_id, "messages": suite.messages(tasks[task_id]), "a": a, "b": b,
                      "truth": "b" if swap else "a", "source": source})
    # Prefer pairs of two real attempts, then gold-backed ones.
    pairs.sort(key=lambda p: p["source"] != "attempt")
    return pairs[:limit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--suite", default="gsm")
    parser.add_argument("--runs", nargs="+", type=Path, required=True)
    parser.add_argument("--judge-model", default="smollm2-135m-instruct")
    parser.add_argument("--judges", default="naive,self-reference")
    parser.add_argument("--pairs", type=int, default=16)
    parser.add_argument("--no-gold", action="store_true", help="use only pairs of real attempts")
    parser.add_argument("--no-perplexity", action="store_true")
    parser.add_argument("--threads", type=int, default=1, help="llama.cpp threads (1 suits shared cores)")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()

    suite = load_suite(args.suite)
    pairs = build_pairs(suite, args.runs, args.pairs, not args.no_gold)
    backend = LoraBackend(args.judge_model, n_ctx=4096, threads=args.threads)
    model = backend.policy(None)
    scorer = None if args.no_perplexity else backend.scorer(None)
    result = {
        "command": "python benchmarks/judges.py " + " ".join(
            f"--{k.replace('_', '-')} {' '.join(map(str, v)) if isinstance(v, list) else v}" for k, v in vars(args).items()),
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, 2 cores shared with other agents",
        "judge_model": args.judge_model, "suite": args.suite,
        "pairs": len(pairs), "sources": {s: sum(p["source"] == s for p in pairs) for s in ("attempt", "gold")},
        "judges": {},
    }
    for name in args.judges.split(","):
        start = time.perf_counter()
        outcome = judge_attempt_pairs(make_judge(name, model, scorer=scorer), suite, pairs)
        outcome["seconds"] = round(time.perf_counter() - start, 1)
        result["judges"][name] = outcome
        report = outcome["report"]
        print(f"{args.suite} {name}: consistency={report['position_swap_consistency']:.2f} "
              f"agreement={report['agreement']:.2f} ties={report['ties']} tokens={report['tokens']} "
              f"seconds={outcome['seconds']}", flush=True)
        args.out.write_text(json.dumps(result, indent=2))
    close = getattr(suite, "close", None)
    if close:
        close()


if __name__ == "__main__":
    main()
