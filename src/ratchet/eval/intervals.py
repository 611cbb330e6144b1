"""95% intervals for every accuracy Ratchet reports, and paired comparisons with their p-values.

- one proportion (pass@1 with one sample per task, any accuracy over tasks): Wilson's score
  interval;
- pass@k with k > 1, or several samples per task: a percentile bootstrap over tasks (seeded, so
  the same run always prints the same interval);
- the difference between two systems scored on the same tasks: Newcombe's square-and-add
  interval for paired proportions (method 10 of Newcombe 1998) when every score is 0 or 1, else a
  paired bootstrap over tasks; with McNemar's exact test, or a paired-bootstrap p-value;
- how many tasks a paired test needs to detect a difference at a given power (Connor 1987 for
  McNemar's test; the normal approximation for a mean of differences).

Eval sits below analysis and learn in the layers, so this module serves all three.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from ratchet.eval.passk import pass_at_k

CONFIDENCE = 0.95
RESAMPLES = 10_000
MAX_DRAWS = 24_000_000  # task draws per bootstrap: the cap on its time
TOO_SMALL = "n too small to decide"


@dataclass(frozen=True)
class Interval:
    """An estimate with its interval: `low <= estimate <= high` (a proportion or a difference)."""

    estimate: float
    low: float
    high: float
    method: str  # wilson, bootstrap, newcombe, paired-bootstrap
    n: int  # tasks behind it
    confidence: float = CONFIDENCE

    def to_json(self) -> dict:
        return {"estimate": round(self.estimate, 4), "low": round(self.low, 4), "high": round(self.high, 4),
                "method": self.method, "n": self.n, "confidence": self.confidence}

    @classmethod
    def from_json(cls, data: dict) -> Interval:
        return cls(data["estimate"], data["low"], data["high"], data["method"], data["n"],
                   data.get("confidence", CONFIDENCE))

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high

    def percent(self, signed: bool = False) -> str:
        """'52.0% [41.3, 62.5]' for a proportion, '+5.0 [-3.1, 13.2]' points for a difference."""
        if signed:
            return f"{100 * self.estimate:+.1f} [{100 * self.low:+.1f}, {100 * self.high:+.1f}]"
        return f"{100 * self.estimate:.1f}% [{100 * self.low:.1f}, {100 * self.high:.1f}]"


def _z(confidence: float) -> float:
    return NormalDist().inv_cdf(1 - (1 - confidence) / 2)


def mcnemar_two_sided(candidate_only: int, incumbent_only: int) -> float:
    """McNemar's exact two-sided p-value: twice the smaller binomial tail of the discordant
    tasks under Binomial(b + c, 1/2), capped at 1."""
    n = candidate_only + incumbent_only
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(max(candidate_only, incumbent_only), n + 1)) / 2**n
    return min(1.0, 2 * tail)


def wilson(successes: float, n: int, confidence: float = CONFIDENCE) -> Interval:
    """Wilson's score interval for `successes` out of `n` (Wilson 1927); never leaves [0, 1] and
    is not degenerate at 0/n or n/n, unlike the normal (Wald) interval."""
    if n <= 0:
        return Interval(0.0, 0.0, 1.0, "wilson", 0, confidence)
    z = _z(confidence)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    low = 0.0 if successes <= 0 else max(0.0, centre - half)
    high = 1.0 if successes >= n else min(1.0, centre + half)
    return Interval(p, low, high, "wilson", n, confidence)


def bootstrap_mean(values: Sequence[float], confidence: float = CONFIDENCE, resamples: int = RESAMPLES,
                   seed: int = 0) -> Interval:
    """Percentile bootstrap of the mean of per-task values (resampling tasks)."""
    data = np.asarray(values, float)
    if data.size == 0:
        return Interval(0.0, 0.0, 1.0, "bootstrap", 0, confidence)
    means = _resampled_means(data, resamples, seed)
    tail = 100 * (1 - confidence) / 2
    low, high = np.percentile(means, [tail, 100 - tail])
    return Interval(float(data.mean()), float(min(low, data.mean())), float(max(high, data.mean())),
                    "bootstrap", int(data.size), confidence)


def _resampled_means(data: np.ndarray, resamples: int, seed: int) -> np.ndarray:
    """Means of `resamples` resamples of `data` with replacement, drawn in blocks to bound memory;
    above 2,400 tasks fewer resamples (never under 2,000), so a summary stays under about a second."""
    resamples = max(min(resamples, 2_000), min(resamples, MAX_DRAWS // max(data.size, 1)))
    rng = np.random.default_rng(seed)
    block = max(1, 2_000_000 // max(data.size, 1))
    means = [data[rng.integers(0, data.size, size=(min(block, resamples - start), data.size))].mean(axis=1)
             for start in range(0, resamples, block)]
    return np.concatenate(means)


def pass_at_k_interval(counts: Sequence[tuple[int, int]], k: int, confidence: float = CONFIDENCE,
                       seed: int = 0) -> Interval:
    """The interval of mean pass@k over tasks given (samples, correct) per task: Wilson when it is
    a plain proportion (k = 1, one sample per task), else a bootstrap over tasks."""
    if k == 1 and all(n == 1 for n, _ in counts):
        return wilson(sum(c for _, c in counts), len(counts), confidence)
    return bootstrap_mean([pass_at_k(n, c, k) for n, c in counts], confidence, seed=seed)


def mean_interval(scores: Sequence[float], confidence: float = CONFIDENCE, seed: int = 0) -> Interval:
    """The interval of a mean score over tasks: Wilson when every score is 0 or 1, else a
    bootstrap over tasks."""
    data = np.asarray(scores, float)
    if is_binary(data):
        return wilson(int(data.sum()), int(data.size), confidence)
    return bootstrap_mean(data, confidence, seed=seed)


def newcombe_paired(both: int, first_only: int, second_only: int, neither: int,
                    confidence: float = CONFIDENCE) -> Interval:
    """Newcombe's (1998, method 10) interval for p1 - p2 from paired binary outcomes, where
    p1 = (both + first_only) / n and p2 = (both + second_only) / n: the Wilson intervals of
    the two proportions combined with the estimated correlation between them."""
    n = both + first_only + second_only + neither
    if n == 0:
        return Interval(0.0, -1.0, 1.0, "newcombe", 0, confidence)
    p1, p2 = (both + first_only) / n, (both + second_only) / n
    w1, w2 = wilson(both + first_only, n, confidence), wilson(both + second_only, n, confidence)
    margins = (both + first_only) * (second_only + neither) * (both + second_only) * (first_only + neither)
    cross = both * neither - first_only * second_only
    if margins == 0 or 0 <= cross <= n / 2:
        phi = 0.0
    else:  # Newcombe's continuity-corrected phi for positive association
        phi = (cross - n / 2 if cross > n / 2 else cross) / math.sqrt(margins)
    d1, u2 = p1 - w1.low, w2.high - p2
    d2, u1 = p2 - w2.low, w1.high - p1
    low = p1 - p2 - math.sqrt(max(0.0, d1 * d1 + u2 * u2 - 2 * phi * d1 * u2))
    high = p1 - p2 + math.sqrt(max(0.0, d2 * d2 + u1 * u1 - 2 * phi * d2 * u1))
    return Interval(p1 - p2, max(-1.0, low), min(1.0, high), "newcombe", n, confidence)


@dataclass(frozen=True)
class PairedComparison:
    """Candidate minus incumbent on the same tasks: the difference, its interval, a paired test."""

    difference: Interval
    p_value: float
    test: str  # mcnemar-exact (two-sided), paired-bootstrap (two-sided)
    candidate_only: int  # tasks the candidate solves and the incumbent does not
    incumbent_only: int

    @property
    def verdict(self) -> str:
        """The interval's verdict, and 'n too small to decide' as well when the test does not
        reject at the interval's level (Newcombe's interval is a little less conservative than
        the exact test at the extremes: 4 of 4 gained excludes 0, yet p = 0.125)."""
        decided = verdict(self.difference)
        return TOO_SMALL if self.p_value > 1 - self.difference.confidence else decided

    def to_json(self) -> dict:
        return {"difference": self.difference.to_json(), "p_value": round(self.p_value, 6), "test": self.test,
                "candidate_only": self.candidate_only, "incumbent_only": self.incumbent_only,
                "verdict": self.verdict}


def verdict(difference: Interval) -> str:
    """'better' or 'worse' when the interval of candidate − incumbent excludes 0, else
    'n too small to decide' (the interval straddles the incumbent)."""
    if difference.low > 0:
        return "better"
    if difference.high < 0:
        return "worse"
    return TOO_SMALL


def is_binary(*scores: np.ndarray) -> bool:
    return all(bool(np.isin(s, (0.0, 1.0)).all()) for s in scores)


def paired_difference(candidate: Sequence[float], incumbent: Sequence[float], confidence: float = CONFIDENCE,
                      seed: int = 0) -> Interval:
    """candidate − incumbent mean score, paired by task: Newcombe for 0/1 scores, else a paired
    bootstrap over tasks."""
    cand, inc = np.asarray(candidate, float), np.asarray(incumbent, float)
    if cand.shape != inc.shape:
        raise ValueError("paired scores need the same tasks on both sides")
    if is_binary(cand, inc):
        c, i = cand >= 1, inc >= 1
        return newcombe_paired(int((c & i).sum()), int((c & ~i).sum()), int((~c & i).sum()),
                               int((~c & ~i).sum()), confidence)
    interval = bootstrap_mean(cand - inc, confidence, seed=seed)
    return Interval(interval.estimate, interval.low, interval.high, "paired-bootstrap", interval.n, confidence)


def compare_paired(candidate: Sequence[float], incumbent: Sequence[float], confidence: float = CONFIDENCE,
                   seed: int = 0) -> PairedComparison:
    """The difference with its interval and a two-sided paired test: McNemar's exact test on the
    discordant tasks for 0/1 scores, else the paired bootstrap (twice the smaller tail)."""
    cand, inc = np.asarray(candidate, float), np.asarray(incumbent, float)
    difference = paired_difference(cand, inc, confidence, seed)
    b, c = int(((cand >= 1) & (inc < 1)).sum()), int(((inc >= 1) & (cand < 1)).sum())
    if is_binary(cand, inc):
        return PairedComparison(difference, mcnemar_two_sided(b, c), "mcnemar-exact", b, c)
    diff = cand - inc
    if diff.size == 0 or not diff.any():
        return PairedComparison(difference, 1.0, "paired-bootstrap", b, c)
    means = _resampled_means(diff, RESAMPLES, seed)
    p_value = min(1.0, 2 * min(float((means <= 0).mean()), float((means >= 0).mean())))
    return PairedComparison(difference, p_value, "paired-bootstrap", b, c)


def tasks_needed(candidate: Sequence[float], incumbent: Sequence[float], level: float = 0.05,
                 power: float = 0.8, sides: int = 1) -> int | None:
    """How many tasks a paired test at `level` needs to detect the observed difference with
    probability `power`, if the observed rates held: for 0/1 scores McNemar's test with the
    discordant share psi and difference delta (Connor 1987),
    n = (z_a sqrt(psi) + z_b sqrt(psi - delta^2))^2 / delta^2; for graded scores the normal
    approximation n = ((z_a + z_b) sd / delta)^2. None when the candidate is not better (no
    number of tasks shows a difference of zero or below)."""
    cand, inc = np.asarray(candidate, float), np.asarray(incumbent, float)
    diff = cand - inc
    if diff.size == 0 or diff.mean() <= 0:
        return None
    z_a, z_b = NormalDist().inv_cdf(1 - level / sides), NormalDist().inv_cdf(power)
    delta = float(diff.mean())
    if is_binary(cand, inc):
        psi = float((diff != 0).mean())
        n = (z_a * math.sqrt(psi) + z_b * math.sqrt(max(0.0, psi - delta * delta))) ** 2 / delta**2
    else:
        sd = float(diff.std(ddof=1)) if diff.size > 1 else 0.0
        n = ((z_a + z_b) * sd / delta) ** 2
    return max(1, math.ceil(n))
