"""The interval formulas against published values, and the power calculation against simulation."""

import numpy as np
import pytest
from scipy.stats import binomtest

from ratchet.core import Attempt, Solution, Task, Verdict
from ratchet.eval.intervals import (
    TOO_SMALL,
    bootstrap_mean,
    compare_paired,
    mean_interval,
    newcombe_paired,
    pass_at_k_interval,
    paired_difference,
    tasks_needed,
    verdict,
    wilson,
)
from ratchet.eval.summary import summarize


@pytest.mark.parametrize("successes, low, high", [(0, 0.0, 0.2775), (5, 0.2366, 0.7634), (10, 0.7225, 1.0)])
def test_wilson_matches_the_published_values_for_n_10(successes, low, high):
    interval = wilson(successes, 10)
    assert (round(interval.low, 4), round(interval.high, 4)) == (low, high)
    assert interval.estimate == successes / 10 and interval.method == "wilson"


def test_wilson_textbook_example_81_of_263():
    # Newcombe (1998, Stat Med 17:857), example (a): 81/263 -> 0.2553 to 0.3662
    interval = wilson(81, 263)
    assert (round(interval.low, 4), round(interval.high, 4)) == (0.2553, 0.3662)


def test_newcombe_paired_matches_the_published_example():
    # Complete response before and after consolidation therapy (Cavo et al. 2012), as worked in
    # Fagerland, Lydersen & Laake, Statistical Analysis of Contingency Tables, ch. 8:
    # estimate -0.0621, 95% CI -0.1186 to -0.0046
    interval = newcombe_paired(59, 6, 16, 80)
    assert round(interval.estimate, 4) == -0.0621
    assert (round(interval.low, 4), round(interval.high, 4)) == (-0.1186, -0.0046)


def test_paired_difference_uses_newcombe_for_pass_fail_and_a_bootstrap_for_graded_scores():
    candidate, incumbent = [1, 1, 1, 0, 0, 1], [0, 1, 0, 0, 0, 1]
    binary = paired_difference(candidate, incumbent)
    assert binary.method == "newcombe" and binary.estimate == pytest.approx(2 / 6)
    assert binary == newcombe_paired(2, 2, 0, 2)
    graded = paired_difference([0.5, 1.0, 0.7, 0.2], [0.4, 0.6, 0.7, 0.1])
    assert graded.method == "paired-bootstrap" and graded.estimate == pytest.approx(0.15)
    assert graded.low <= graded.estimate <= graded.high
    assert graded == paired_difference([0.5, 1.0, 0.7, 0.2], [0.4, 0.6, 0.7, 0.1])  # seeded


def test_compare_paired_gives_mcnemar_exact_two_sided_and_a_verdict():
    candidate = [1] * 8 + [0] * 1 + [1] * 11
    incumbent = [0] * 8 + [1] * 1 + [1] * 11
    result = compare_paired(candidate, incumbent)
    assert (result.candidate_only, result.incumbent_only) == (8, 1)
    assert result.p_value == pytest.approx(binomtest(8, 9, 0.5).pvalue)  # 0.0391
    assert result.verdict == "better"
    small = compare_paired([1, 1, 0, 0], [0, 1, 0, 0])
    assert small.verdict == TOO_SMALL and small.difference.contains(0.0)
    assert verdict(paired_difference([0] * 30, [1] * 30)) == "worse"


def test_bootstrap_is_deterministic_and_covers_the_mean():
    values = [0.0, 0.5, 1.0, 1.0, 0.25] * 4
    first, second = bootstrap_mean(values), bootstrap_mean(values)
    assert first == second
    assert first.low < first.estimate < first.high
    spread = 1.96 * np.std(values) / np.sqrt(len(values))  # close to the normal interval here
    assert first.low == pytest.approx(first.estimate - spread, abs=0.03)
    assert first.high == pytest.approx(first.estimate + spread, abs=0.03)


def test_pass_at_k_interval_is_wilson_for_one_sample_and_a_bootstrap_otherwise():
    assert pass_at_k_interval([(1, 1)] * 5 + [(1, 0)] * 5, 1) == wilson(5, 10)
    several = pass_at_k_interval([(3, 1), (3, 0), (3, 3), (3, 2)] * 5, 2)
    assert several.method == "bootstrap" and several.estimate == pytest.approx((2 / 3 + 0 + 1 + 1) / 4)
    assert mean_interval([0.0, 1.0, 1.0]) == wilson(2, 3)


def test_tasks_needed_matches_connor_and_is_none_when_not_better():
    # 3 tasks gained, none lost, of 100: psi = delta = 0.03;
    # n = (1.6449 sqrt(.03) + 0.8416 sqrt(.03 - .0009))^2 / .0009 = 203.9
    candidate, incumbent = [1] * 3 + [0] * 7 + [1] * 90, [0] * 10 + [1] * 90
    assert tasks_needed(candidate, incumbent, level=0.05, power=0.8, sides=1) == 204
    assert tasks_needed(candidate, incumbent, sides=2) > 204
    assert tasks_needed(incumbent, candidate) is None and tasks_needed(candidate, candidate) is None


def test_at_the_needed_size_the_exact_mcnemar_test_has_about_the_promised_power():
    """Simulate paired outcomes with 20% discordant tasks, 15% for the candidate and 5% against;
    at the computed n, the one-sided exact McNemar test at 0.05 rejects about 80% of the time."""
    plan = [1] * 15 + [-1] * 5 + [0] * 80  # +1 candidate-only, -1 incumbent-only
    candidate = [1 if p == 1 else 0 for p in plan]
    incumbent = [1 if p == -1 else 0 for p in plan]
    n = tasks_needed(candidate, incumbent, level=0.05, power=0.8)
    rng = np.random.default_rng(0)
    draws = rng.multinomial(n, [0.15, 0.05, 0.80], size=2000)
    rejected = [binomtest(b, b + c, 0.5, alternative="greater").pvalue <= 0.05 if b + c else False
                for b, c, _ in draws]
    assert 0.72 <= np.mean(rejected) <= 0.88, (n, np.mean(rejected))


def test_summary_json_carries_an_interval_for_every_pass_at_k():
    tasks = [Task(f"t{i}", "p", difficulty=i % 2) for i in range(10)]
    attempts = [Attempt(f"t{i}", s, Solution("c", "a"), Verdict.ok() if (i + s) % 2 else Verdict.fail("x"))
                for i in range(10) for s in range(2)]
    summary = summarize(attempts, tasks, k=(1, 2), wall_seconds=1.0)
    assert set(summary["intervals"]) == {"pass@1", "pass@2"}
    one = summary["intervals"]["pass@1"]
    assert one["method"] == "bootstrap" and one["n"] == 10 and one["low"] <= 0.5 <= one["high"]
    assert summary["intervals"]["pass@2"]["estimate"] == 1.0
    single = summarize([a for a in attempts if a.sample == 0], tasks, k=(1,), wall_seconds=1.0)
    assert single["intervals"]["pass@1"] == wilson(5, 10).to_json()
    assert single["pass@1_by_difficulty"]["1"]["interval"]["method"] == "wilson"


@pytest.mark.parametrize("b, c", [(0, 0), (8, 1), (1, 8), (3, 3), (10, 2), (0, 5)])
def test_mcnemar_two_sided_matches_scipy_binomtest(b, c):
    from ratchet.eval.intervals import mcnemar_two_sided

    expected = binomtest(b, b + c, 0.5).pvalue if b + c else 1.0
    assert mcnemar_two_sided(b, c) == pytest.approx(expected)


def test_ratchet_eval_prints_pass_at_k_with_its_interval(tmp_path, capsys):
    from ratchet.cli.eval_cmd import print_result
    from ratchet.eval.config import EvalConfig
    from ratchet.eval.rundir import RunDir
    from ratchet.eval.runner import evaluate
    from ratchet.models import SamplingParams, ScriptedModel
    from ratchet.solvers import SampleSolver
    from tests.toy import AdditionSuite, solve_correctly

    config = EvalConfig(suite="addition", model="scripted", split="test", params=SamplingParams())
    result = evaluate(config, AdditionSuite(), ScriptedModel(solve_correctly), SampleSolver(), RunDir(tmp_path))
    print_result(result)
    n = result.summary["tasks_done"]
    low = wilson(n, n).low
    assert f"100.0% [{100 * low:.1f}, 100.0]" in capsys.readouterr().out


def test_the_verdict_waits_for_the_test_when_newcombe_alone_would_decide():
    four_of_four = compare_paired([1, 1, 1, 1], [0, 0, 0, 0])
    assert four_of_four.difference.low > 0 and four_of_four.p_value == 0.125
    assert four_of_four.verdict == TOO_SMALL
