import math

import pytest

from ratchet.errors import UserError
from ratchet.learn import gate, mcnemar_p


def scores(solved: int, total: int, offset: int = 0) -> dict[str, float]:
    return {f"t{i}": 1.0 if offset <= i < offset + solved else 0.0 for i in range(total)}


def test_mcnemar_matches_the_binomial_tail():
    assert mcnemar_p(0, 0) == 1.0
    assert mcnemar_p(5, 0) == pytest.approx(1 / 32)
    assert mcnemar_p(3, 1) == pytest.approx((math.comb(4, 3) + 1) / 16)


def test_a_clearly_better_candidate_is_accepted():
    decision = gate(scores(10, 40), scores(25, 40))
    assert decision.accept and decision.candidate_only == 15 and decision.incumbent_only == 0
    assert decision.p_value < 0.001


@pytest.mark.parametrize("test", ["mcnemar", "bootstrap"])
def test_a_worse_or_equal_candidate_is_never_accepted(test):
    assert not gate(scores(20, 40), scores(10, 40), level=0.99, test=test).accept
    assert not gate(scores(20, 40), scores(20, 40, offset=5), level=0.99, test=test).accept


def test_a_small_gain_is_not_significant():
    decision = gate(scores(10, 40), scores(11, 40))
    assert not decision.accept and "not significantly" in decision.reason


def test_bad_input():
    with pytest.raises(UserError):
        gate(scores(1, 4), scores(1, 5))
    with pytest.raises(UserError):
        gate(scores(1, 4), scores(2, 4), level=1.5)


def test_the_record_carries_intervals_and_says_when_dev_is_too_small_to_tell():
    decision = gate(scores(10, 40), scores(12, 40)).to_json()
    assert decision["incumbent_interval"]["method"] == "wilson"
    assert decision["incumbent_interval"]["low"] < 0.25 < decision["incumbent_interval"]["high"]
    assert decision["difference"]["method"] == "newcombe" and decision["difference"]["estimate"] == 0.05
    assert decision["difference"]["low"] < 0 < decision["difference"]["high"]
    assert decision["verdict"] == "n too small to decide"
    # 2 gained, none lost, of 40 (Connor): (1.645 sqrt(.05) + .8416 sqrt(.05 - .0025))^2 / .0025 = 121.7
    assert decision["tasks_needed"] == 122 and decision["power"] == 0.8
    assert "n too small to decide: ~122 dev tasks" in decision["reason"]
    clear = gate(scores(10, 40), scores(25, 40))
    assert clear.verdict == "better" and clear.tasks_needed < 40 and clear.difference["low"] > 0
    assert gate(scores(20, 40), scores(10, 40)).tasks_needed is None
