"""The ratchet: a candidate replaces the incumbent only if it beats it on dev, significantly.

Both are scored on the same dev tasks, so the comparison is paired: McNemar's exact test on the
discordant pairs (tasks one solves and the other does not) for pass/fail outcomes, or a paired
bootstrap of the mean score difference for graded outcomes. The decision, the p-value and both
scores are returned for the run log.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass

import numpy as np

from ratchet.errors import UserError


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
    if not better:
        reason = f"not better than the incumbent on {split}"
    elif accept:
        reason = f"better on {split} with p={p_value:.3g} <= {level}"
    else:
        reason = f"better on {split} but not significantly (p={p_value:.3g} > {level})"
    return GateDecision(accept, float(inc.mean()), float(cand.mean()), p_value, test, level,
                        len(tasks), b, c, reason)
