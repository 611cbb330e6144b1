from fractions import Fraction
from itertools import product

import pytest

from ratchet.analysis import accuracy_by_round, correction_stats, stop_reasons
from ratchet.analysis.correction import CorrectionStats
from ratchet.core import Attempt, Solution, Verdict


def attempt(*rounds: bool, stop: str = "max rounds: 3", task: str = "t") -> Attempt:
    verdicts = tuple(Verdict.ok() if r else Verdict.fail("x") for r in rounds)
    solution = Solution(completion="c", answer="a", stop_reason=stop, rounds=len(rounds),
                        round_completions=tuple("c" for _ in rounds))
    return Attempt(task, 0, solution, verdicts[-1], "self-refine", verdicts if len(rounds) > 1 else ())


def test_the_four_transitions_and_the_metrics():
    attempts = [attempt(True, True), attempt(True, False), attempt(False, True), attempt(False, False),
                attempt(False, True), attempt(True, True), attempt(True)]
    stats = correction_stats(attempts)
    assert (stats.right_right, stats.right_wrong, stats.wrong_right, stats.wrong_wrong) == (3, 1, 2, 1)
    assert stats.acc1 == pytest.approx(4 / 7) and stats.acc2 == pytest.approx(5 / 7)
    assert stats.delta == pytest.approx(1 / 7)
    assert stats.cl == pytest.approx(3 / 4) and stats.cs == pytest.approx(2 / 3)
    # Δ paired by task: Newcombe's interval, McNemar on 2 wrong→right against 1 right→wrong
    delta = stats.delta_interval()
    assert delta["method"] == "newcombe" and delta["low"] < 1 / 7 < delta["high"]
    assert delta["p_value"] == 1.0 and delta["verdict"] == "n too small to decide"


def test_a_middle_round_does_not_count_only_first_and_last():
    stats = correction_stats([attempt(False, True, False), attempt(True, False, True)])
    assert (stats.right_right, stats.wrong_wrong) == (1, 1)


@pytest.mark.parametrize("counts", list(product(range(3), repeat=4)))
def test_acc2_decomposes_exactly_into_confidence_and_critique(counts):
    stats = CorrectionStats(*counts)
    if stats.n == 0:
        return
    exact = stats.exact()
    assert stats.decomposed_acc2() == exact["acc2"]  # exact, in fractions
    cl, cs = stats.cl or 0.0, stats.cs or 0.0
    assert stats.acc1 * cl + (1 - stats.acc1) * cs == pytest.approx(stats.acc2, abs=1e-12)


def test_undefined_confidence_or_critique_is_none():
    assert CorrectionStats(0, 0, 1, 1).cl is None
    assert CorrectionStats(1, 1, 0, 0).cs is None
    assert CorrectionStats(0, 0, 1, 1).decomposed_acc2() == Fraction(1, 2)


def test_accuracy_after_each_round_carries_early_stops_forward():
    attempts = [attempt(False, True, True), attempt(True), attempt(False, False)]
    assert accuracy_by_round(attempts) == pytest.approx([1 / 3, 2 / 3, 2 / 3])


def test_stop_reasons_are_counted_by_category():
    attempts = [attempt(True, stop="visible tests pass: round 1"), attempt(True, stop="visible tests pass: round 2"),
                attempt(False, stop="max rounds: 3")]
    assert stop_reasons(attempts) == {"visible tests pass": 2, "max rounds": 1}
