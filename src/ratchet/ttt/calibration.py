"""How well a confidence predicts errors: AUROC, and accuracy against coverage.

`error_auroc(confidences, correct)`: the probability that a wrong answer gets a lower confidence
than a right one (ties count half) - the area under the ROC curve of "1 - confidence" as a
detector of errors. 0.5 is chance, 1.0 a perfect gate. None when all answers are right or all
wrong (no errors, or nothing to tell them from).

`accuracy_coverage(confidences, correct)`: answer only the most confident fraction of inputs;
for each coverage (1/n, 2/n, ..., 1), the accuracy on what is answered. A useful estimate gives
accuracy that falls as coverage grows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ratchet.errors import UserError


def _check(confidences: Sequence[float], correct: Sequence[bool]) -> None:
    if len(confidences) != len(correct):
        raise UserError(f"{len(confidences)} confidences for {len(correct)} outcomes: give one per answer")


def error_auroc(confidences: Sequence[float], correct: Sequence[bool]) -> float | None:
    """Mann-Whitney AUROC of low confidence as a predictor of a wrong answer."""
    _check(confidences, correct)
    wrong = [c for c, ok in zip(confidences, correct) if not ok]
    right = [c for c, ok in zip(confidences, correct) if ok]
    if not wrong or not right:
        return None
    # Rank-based: O(n log n), ties share their average rank.
    pairs = sorted((c, ok) for c, ok in zip(confidences, correct))
    ranks = [0.0] * len(pairs)
    i = 0
    while i < len(pairs):
        j = i
        while j + 1 < len(pairs) and pairs[j + 1][0] == pairs[i][0]:
            j += 1
        for position in range(i, j + 1):
            ranks[position] = (i + j) / 2 + 1
        i = j + 1
    rank_sum_right = sum(rank for rank, (_, ok) in zip(ranks, pairs) if ok)
    n_right, n_wrong = len(right), len(wrong)
    u_right = rank_sum_right - n_right * (n_right + 1) / 2
    return u_right / (n_right * n_wrong)


@dataclass(frozen=True)
class CoveragePoint:
    coverage: float
    accuracy: float
    threshold: float  # answer when confidence >= threshold


def accuracy_coverage(confidences: Sequence[float], correct: Sequence[bool]) -> list[CoveragePoint]:
    """Accuracy on the most confident k inputs, for k = 1..n (ties broken by input order)."""
    _check(confidences, correct)
    order = sorted(range(len(confidences)), key=lambda i: -confidences[i])
    points, right = [], 0
    for k, index in enumerate(order, start=1):
        right += bool(correct[index])
        points.append(CoveragePoint(k / len(order), right / k, confidences[index]))
    return points


def area_under_accuracy_coverage(points: Sequence[CoveragePoint]) -> float | None:
    """Mean accuracy over the coverage levels (higher: the confident answers are the right ones)."""
    return sum(p.accuracy for p in points) / len(points) if points else None


def summarise_estimate(confidences: Sequence[float], correct: Sequence[bool], levels=(0.25, 0.5, 0.75, 1.0)) -> dict:
    """AUROC, area under accuracy-coverage and accuracy at a few coverage levels, for a report."""
    points = accuracy_coverage(confidences, correct)
    at = {}
    for level in levels:
        eligible = [p for p in points if p.coverage >= level - 1e-9]
        if eligible:
            at[f"{level:.2f}"] = round(eligible[0].accuracy, 4)
    auroc = error_auroc(confidences, correct)
    area = area_under_accuracy_coverage(points)
    return {
        "n": len(correct),
        "errors": sum(not ok for ok in correct),
        "auroc": None if auroc is None else round(auroc, 4),
        "aucc": None if area is None else round(area, 4),
        "accuracy_at_coverage": at,
    }
