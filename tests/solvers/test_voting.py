import pytest

from ratchet.core import Split, SolverView, Status, Verdict
from ratchet.models import SamplingParams, ScriptedModel
from ratchet.solvers import AdaptiveConsistency, SelfConsistency
from ratchet.solvers.trace import SEED_STRIDE, inner_sample_params
from ratchet.solvers.voting import behaviour_key, leader_probability, normalize_answer, tally
from tests.solvers.fakes import TextAnswerSuite, VisibleAdditionSuite
from tests.toy import AdditionSuite

PARAMS = SamplingParams()


def first_task(suite):
    return suite.tasks(Split.TEST)[0]


def test_answers_normalise_numbers_code_and_text():
    assert normalize_answer("1,000") == normalize_answer(" 1000.0 ") == normalize_answer("$1000")
    assert normalize_answer("def f(x):\n    return x  # note") == normalize_answer("def f(x):\n  return (x)")
    assert normalize_answer("Paris.") == normalize_answer("  paris ")
    assert normalize_answer("41") != normalize_answer("42")


def test_behaviour_key_groups_equal_outputs_and_equal_crashes():
    fail = lambda text, status=Status.FAIL: Verdict.fail(text, status)  # noqa: E731
    assert behaviour_key(Verdict.ok()) == behaviour_key(Verdict.ok(seconds=3))
    same = "f(1) returned 3, expected 2"
    assert behaviour_key(fail(same)) == behaviour_key(fail(same))
    assert behaviour_key(fail(same)) != behaviour_key(fail("f(1) returned 4, expected 2"))
    crash_a = 'Traceback:\n  File "a.py", line 3\nZeroDivisionError: division by zero'
    crash_b = 'Traceback:\n  File "a.py", line 9\nZeroDivisionError: division by zero'
    assert behaviour_key(fail(crash_a, Status.ERROR)) == behaviour_key(fail(crash_b, Status.ERROR))


def test_tally_breaks_ties_by_first_seen_and_ignores_missing_answers():
    assert tally(["a", None, "b", "b", "a"]).winner == 0
    result = tally([None, "b", "a", "a"])
    assert (result.winner, result.top, result.second, result.voters) == (2, 2, 1, 3)
    assert tally([None, None]).winner is None


def test_leader_probability_matches_the_beta_posterior():
    assert leader_probability(3, 0) == pytest.approx(15 / 16)
    assert leader_probability(4, 0) == pytest.approx(31 / 32)
    assert leader_probability(2, 2) == pytest.approx(0.5)
    assert leader_probability(5, 1) > leader_probability(4, 1)


def test_inner_seeds_never_collide_between_runner_samples():
    seeds = {inner_sample_params(PARAMS.for_sample(s), j, 0.8, 0.95).seed for s in range(3) for j in range(10)}
    assert len(seeds) == 30
    assert inner_sample_params(PARAMS, 3, 0.8, 0.95).seed == 3  # sample 0 uses the eval seeds
    assert inner_sample_params(PARAMS.for_sample(1), 0, 0.8, 0.95).seed == SEED_STRIDE


def test_self_consistency_votes_on_normalised_answers_with_distinct_seeds():
    suite = TextAnswerSuite()
    task = first_task(suite)
    replies = ["41", "1,000", "1000.0", "7", "1000"]
    model = ScriptedModel(list(replies))
    solution = SelfConsistency(n=5).solve(task, SolverView(suite), model, PARAMS)
    assert solution.completion == "1,000"  # the first member of the winning group
    assert solution.stop_reason == "majority: 3/5 votes"
    assert len({params.seed for _, params in model.calls}) == 5
    assert all(params.temperature == 0.8 for _, params in model.calls)
    # after each sample, the current majority: 41, then tie (41 first), then 1,000 ...
    assert solution.round_completions == ("41", "41", "1,000", "1,000", "1,000")
    assert solution.rounds == 5 and solution.usage.calls == 5


def test_self_consistency_votes_by_visible_behaviour_when_the_suite_has_checks():
    suite = VisibleAdditionSuite()
    task = first_task(suite)
    # 3 and 5 behave the same on the visible check (both odd), 2, 4 and 6 do not agree: "even"
    model = ScriptedModel(["2", "3", "4", "5", "4"])
    solution = SelfConsistency(n=5).solve(task, SolverView(suite), model, PARAMS)
    assert solution.completion == "3"


def test_adaptive_consistency_stops_once_settled():
    suite = AdditionSuite()
    model = ScriptedModel(lambda messages, params: "9")
    solution = AdaptiveConsistency(n=10).solve(first_task(suite), SolverView(suite), model, PARAMS)
    assert len(model.calls) == 4  # unanimous: P = 31/32 >= 0.95 after four votes
    assert solution.stop_reason == "settled: 4/4 votes"


def test_adaptive_consistency_spends_its_budget_on_a_split_vote():
    suite = AdditionSuite()
    model = ScriptedModel(lambda messages, params: str(params.seed % 2))
    solution = AdaptiveConsistency(n=6).solve(first_task(suite), SolverView(suite), model, PARAMS)
    assert len(model.calls) == 6
    assert solution.stop_reason.startswith("budget: 3/6")


def test_no_answer_at_all_falls_back_to_the_first_sample():
    suite = AdditionSuite()
    model = ScriptedModel(lambda messages, params: "no idea")
    solution = SelfConsistency(n=3).solve(first_task(suite), SolverView(suite), model, PARAMS)
    assert solution.completion == "no idea" and "no sample had an answer" in solution.stop_reason
