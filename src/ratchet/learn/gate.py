"""The ratchet: a candidate replaces the incumbent only if it beats it on dev, significantly.

Both are scored on the same dev tasks, so the comparison is paired: McNemar's exact test on the
discordant pairs (tasks one solves and the other does not) for pass/fail outcomes, or a paired
bootstrap of the mean score difference for graded outcomes. The decision, the p-value, both
scores with their 95% intervals, the difference with its interval, and how many dev tasks the test
would need to detect the observed difference at 80% power are returned for the run log: a refusal
with an interval straddling zero and a need far above the dev split's size means "too small to
tell", not "no better".
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass

import numpy as np

from ratchet.errors import UserError
from ratchet.eval.intervals import TOO_SMALL, Interval, mean_interval, paired_difference, tasks_needed

POWER = 0.8


@dataclass(frozen=True)
class GateDecision:
    accept: bool
    incumbent_score: float
    candidate_score: float
    p_value: float
    test: str
    level: float
    tasks: int
    candidate_only: int  # tasks the candidate solves and the incumbent does not
    incumbent_only: int
    reason: str
    # 95% intervals (Wilson, or a bootstrap for graded scores) and candidate − incumbent with its
    # interval (Newcombe for pass/fail, else a paired bootstrap), as Interval.to_json() dicts
    incumbent_interval: dict | None = None
    candidate_interval: dict | None = None
    difference: dict | None = None
    verdict: str = ""  # better (accepted), worse (interval below 0), or "n too small to decide"
    # tasks the same one-sided test at `level` needs to detect the observed difference with 80%
    # power; None when the candidate is not better
    tasks_needed: int | None = None
    power: float = POWER

    def to_json(self) -> dict:
        return asdict(self)


def mcnemar_p(candidate_only: int, incumbent_only: int) -> float:
    """One-sided exact McNemar p-value that the candidate is better: P(X >= b) for
    X ~ Binomial(b + c, 1/2), with b = candidate-only wins and c = incumbent-only wins."""
    n = candidate_only + incumbent_only
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(candidate_only, n + 1))
    return min(1.0, tail / 2**n)


def paired_bootstrap_p(
    candidate: np.ndarray, incumbent: np.ndarray, resamples: int = 10_000, seed: int = 0
) -> float:
    """One-sided paired-bootstrap p-value that the candidate's mean is not above the incumbent's:
    the share of resamples whose mean difference is <= 0."""
    diff = np.asarray(candidate, float) - np.asarray(incumbent, float)
    if diff.size == 0:
        return 1.0
    rng = np.random.default_rng(seed)
    means = diff[rng.integers(0, diff.size, size=(resamples, diff.size))].mean(axis=1)
    return float((means <= 0).mean())


def gate(
    incumbent: Mapping[str, float],
    candidate: Mapping[str, float],
    level: float = 0.05,
    test: str = "mcnemar",
    split: str = "dev",
) -> GateDecision:
    """Decide whether `candidate` replaces `incumbent`, from per-task dev scores (1.0 = solved).
    `split` names the scores' split in the reason (the final report compares on test).

    Accept only when the candidate's mean is strictly higher and the one-sided p-value is at most
    `level`. A worse or equal candidate is never accepted, whatever the level.
    """
    if not 0 < level < 1:
        raise UserError(f"the gate's level must be in (0, 1), got {level}")
    if set(incumbent) != set(candidate):
        raise UserError(f"incumbent and candidate must be scored on the same {split} tasks")
    tasks = sorted(incumbent)
    if not tasks:
        raise UserError(f"the gate needs at least one {split} task")
    inc = np.array([incumbent[t] for t in tasks], float)
    cand = np.array([candidate[t] for t in tasks], float)
    b = int(((cand >= 1) & (inc < 1)).sum())
    c = int(((inc >= 1) & (cand < 1)).sum())
    if test == "mcnemar":
        p_value = mcnemar_p(b, c)
    elif test == "bootstrap":
        p_value = paired_bootstrap_p(cand, inc)
    else:
        raise UserError(f"unknown gate test '{test}': choose mcnemar or bootstrap")
    better = cand.mean() > inc.mean()
    accept = bool(better and p_value <= level)
    difference = paired_difference(cand, inc)
    needed = tasks_needed(cand, inc, level=level, power=POWER, sides=1)
    if not better:
        reason = f"not better than the incumbent on {split}"
    elif accept:
        reason = f"better on {split} with p={p_value:.3g} <= {level}"
    else:
        reason = (f"better on {split} but not significantly (p={p_value:.3g} > {level}); "
                  f"{_need_text(needed, len(tasks), split)}")
    return GateDecision(accept, float(inc.mean()), float(cand.mean()), p_value, test, level,
                        len(tasks), b, c, reason,
                        incumbent_interval=mean_interval(inc).to_json(), candidate_interval=mean_interval(cand).to_json(),
                        difference=difference.to_json(), verdict=_verdict(accept, difference), tasks_needed=needed)


def _verdict(accept: bool, difference: Interval) -> str:
    """'better' exactly when the gate accepts; 'worse' when the interval lies below 0; else the
    dev split is too small to tell."""
    if accept:
        return "better"
    return "worse" if difference.high < 0 else TOO_SMALL


def _need_text(needed: int | None, tasks: int, split: str) -> str:
    if needed is None:
        return TOO_SMALL
    if needed > tasks:
        return f"{TOO_SMALL}: ~{needed} {split} tasks would detect this difference at {POWER:.0%} power"
    return f"{needed} {split} tasks would detect this difference at {POWER:.0%} power"


def describe(decision: Mapping, split: str = "dev") -> str:
    """One line for a report or the terminal: the difference with its 95% interval, the p-value,
    and the tasks the test needs at 80% power (a record written before intervals: the scores)."""
    difference = decision.get("difference")
    if difference is None:
        return (f"{100 * decision['incumbent_score']:.1f}% → {100 * decision['candidate_score']:.1f}% on {split}, "
                f"p = {decision['p_value']:.3g}")
    needed = decision.get("tasks_needed")
    power = f"{decision.get('power', POWER):.0%}"
    need = (f"no number of {split} tasks would show a gain" if needed is None
            else f"~{needed} {split} tasks needed for {power} power")
    return (f"Δ = {100 * difference['estimate']:+.1f} points [95%: {100 * difference['low']:+.1f}, "
            f"{100 * difference['high']:+.1f}] on {decision['tasks']} {split} tasks, "
            f"p = {decision['p_value']:.3g} (one-sided {decision['test']}): {decision.get('verdict', '')}; {need}")
