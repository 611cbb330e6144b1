"""The curations as pure functions: utilities, the kept set, the exploit step."""

from __future__ import annotations

from dataclasses import replace

from ratchet.learn.bootstrap import exemplar_utilities, exploit, kept_exemplars

from tests.experience.helpers import make_experience


def attempt(i: int, passed: bool, shown: tuple[str, ...]):
    return replace(make_experience(i, passed=passed), exemplar_ids=shown)


def test_utility_compares_success_when_shown_with_success_when_not():
    attempts = [attempt(0, False, ("bad",)), attempt(1, False, ("bad",)), attempt(2, False, ("bad", "good")),
                attempt(3, True, ("good",)), attempt(4, True, ("good",)), attempt(5, True, ())]
    u = exemplar_utilities(attempts, prior=0.0)
    assert (u["bad"].uses, u["bad"].successes) == (3, 0)
    assert u["bad"].utility == -1.0  # 0/3 when shown, 3/3 when not
    assert u["good"].utility == round(2 / 3 - 1 / 3, 4)
    smoothed = exemplar_utilities(attempts, prior=2.0)
    assert -1.0 < smoothed["bad"].utility < 0  # pulled towards zero by the prior


def test_kept_exemplars_spare_the_unproven():
    attempts = [attempt(i, False, ("bad",)) for i in range(3)] + [attempt(9, True, ("once",))] + \
        [attempt(i, True, ()) for i in range(10, 14)]
    u = exemplar_utilities(attempts)
    kept = kept_exemplars({"bad", "once", "never"}, u, min_uses=2, min_utility=-0.1)
    assert kept == {"once", "never"}


def test_exploit_gates_the_best_against_the_worst():
    best = {f"t{i}": 1.0 for i in range(10)}
    worst = {f"t{i}": 0.0 for i in range(10)}
    middling = {f"t{i}": float(i % 2) for i in range(10)}
    step = exploit([middling, best, worst], level=0.05)
    assert (step.worst, step.best) == (2, 1) and step.decision.accept
    close = dict(best, t0=0.0)
    step = exploit([best, close], level=0.05)
    assert (step.worst, step.best) == (1, 0) and not step.decision.accept  # 1 discordant task
    assert exploit([best], 0.05) is None and exploit([best, dict(best)], 0.05) is None
