"""The confidence/critique decomposition of self-correction (card 2 of docs/METHODS.md).

For each attempt, "before" is the verdict of round 1 and "after" the verdict of the final answer
(an attempt with one round is unchanged: before = after). Then

    Acc1 = P(right before)          Acc2 = P(right after)          Δ = Acc2 - Acc1
    CL   = P(right after | right before)   (confidence level: keeping right answers right)
    CS   = P(right after | wrong before)   (critique score: turning wrong answers right)

and Acc2 = Acc1·CL + (1 - Acc1)·CS exactly (a conditional probability's law of total
probability over four counts). CL is undefined when nothing was right before, CS when nothing was
wrong; both are None then, and their term of the identity is zero.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from ratchet.core import Attempt
from ratchet.eval.intervals import mcnemar_two_sided, newcombe_paired, verdict


def before_after(attempt: Attempt) -> tuple[bool, bool]:
    """(right after round 1, right at the end) for one attempt."""
    before = attempt.round_verdicts[0].passed if attempt.round_verdicts else attempt.passed
    return before, attempt.passed


@dataclass(frozen=True)
class CorrectionStats:
    right_right: int
    right_wrong: int
    wrong_right: int
    wrong_wrong: int

    @property
    def n(self) -> int:
        return self.right_right + self.right_wrong + self.wrong_right + self.wrong_wrong

    @property
    def right_before(self) -> int:
        return self.right_right + self.right_wrong

    @property
    def wrong_before(self) -> int:
        return self.wrong_right + self.wrong_wrong

    def exact(self) -> dict[str, Fraction | None]:
        """Acc1, Acc2, CL and CS as exact fractions (for the identity)."""
        n = self.n or 1
        return {
            "acc1": Fraction(self.right_before, n),
            "acc2": Fraction(self.right_right + self.wrong_right, n),
            "cl": Fraction(self.right_right, self.right_before) if self.right_before else None,
            "cs": Fraction(self.wrong_right, self.wrong_before) if self.wrong_before else None,
        }

    @property
    def acc1(self) -> float:
        return float(self.exact()["acc1"])

    @property
    def acc2(self) -> float:
        return float(self.exact()["acc2"])

    @property
    def delta(self) -> float:
        return self.acc2 - self.acc1

    @property
    def cl(self) -> float | None:
        value = self.exact()["cl"]
        return None if value is None else float(value)

    @property
    def cs(self) -> float | None:
        value = self.exact()["cs"]
        return None if value is None else float(value)

    def decomposed_acc2(self) -> Fraction:
        """Acc1·CL + (1 - Acc1)·CS, with an undefined term counted as zero (its weight is zero)."""
        e = self.exact()
        return e["acc1"] * (e["cl"] or 0) + (1 - e["acc1"]) * (e["cs"] or 0)

    def delta_interval(self) -> dict:
        """Δ = Acc2 − Acc1 paired by task: Newcombe's 95% interval, McNemar's exact two-sided p
        on the wrong→right against right→wrong tasks, and the verdict."""
        interval = newcombe_paired(self.right_right, self.wrong_right, self.right_wrong, self.wrong_wrong)
        return {**interval.to_json(), "p_value": round(mcnemar_two_sided(self.wrong_right, self.right_wrong), 6),
                "verdict": verdict(interval)}

    def to_json(self) -> dict:
        return {
            "n": self.n, "right_right": self.right_right, "right_wrong": self.right_wrong,
            "wrong_right": self.wrong_right, "wrong_wrong": self.wrong_wrong,
            "acc1": self.acc1, "acc2": self.acc2, "delta": self.delta, "cl": self.cl, "cs": self.cs,
            "delta_interval": self.delta_interval(),
        }


def correction_stats(attempts: Sequence[Attempt]) -> CorrectionStats:
    counts = Counter(before_after(attempt) for attempt in attempts)
    return CorrectionStats(
        right_right=counts[(True, True)],
        right_wrong=counts[(True, False)],
        wrong_right=counts[(False, True)],
        wrong_wrong=counts[(False, False)],
    )


def accuracy_by_round(attempts: Sequence[Attempt]) -> list[float]:
    """Accuracy after round r (r = 1, 2, ...); an attempt that stopped earlier keeps its last
    verdict. Empty without attempts."""
    if not attempts:
        return []
    rounds = max(len(a.round_verdicts) or 1 for a in attempts)
    curve = []
    for r in range(rounds):
        right = 0
        for attempt in attempts:
            verdicts = attempt.round_verdicts or (attempt.verdict,)
            right += verdicts[min(r, len(verdicts) - 1)].passed
        curve.append(right / len(attempts))
    return curve


def stop_reasons(attempts: Sequence[Attempt]) -> dict[str, int]:
    """How many attempts stopped for each reason category (the text before ':')."""
    counts = Counter(a.solution.stop_reason.split(":", 1)[0].strip() for a in attempts)
    return dict(counts.most_common())
