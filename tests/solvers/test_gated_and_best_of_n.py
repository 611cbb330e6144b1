import pytest

from ratchet.core import Split, SolverView
from ratchet.errors import UserError
from ratchet.models import Completion, SamplingParams, ScriptedModel, TokenLogprob
from ratchet.solvers import BestOfN, Gated, check_solver
from ratchet.solvers.gated import low_margin
from tests.solvers.fakes import LogprobModel, NoLogprobModel, VisibleAdditionSuite
from tests.toy import AdditionSuite

PARAMS = SamplingParams()


def first_task(suite):
    return suite.tasks(Split.TEST)[0]


# --- best-of-n -----------------------------------------------------------------------------

def test_best_of_n_stops_at_the_first_sample_that_passes_the_visible_checks():
    suite = VisibleAdditionSuite()
    model = ScriptedModel(["4", "6", "7", "9"])
    solution = BestOfN(n=4).solve(first_task(suite), SolverView(suite), model, PARAMS)
    assert solution.completion == "7" and len(model.calls) == 3
    assert solution.stop_reason == "visible tests pass: sample 3 of 3"
    assert model.calls[0][1] == PARAMS  # the plain answer first, sample's own request
    assert [p.temperature for _, p in model.calls[1:]] == [0.8, 0.8]
    assert solution.round_completions == ("4", "4", "7")  # the best so far after each candidate


def test_best_of_n_keeps_the_plain_answer_of_a_task_without_visible_examples():
    suite = VisibleAdditionSuite()
    suite.check_visible = lambda task, answer: None
    model = ScriptedModel(["4", "5"])
    solution = BestOfN(n=4).solve(first_task(suite), SolverView(suite), model, PARAMS)
    assert solution.completion == "4" and len(model.calls) == 1
    assert solution.stop_reason.startswith("no visible tests")


def test_best_of_n_prefers_answers_over_none_when_nothing_passes():
    suite = VisibleAdditionSuite()
    model = ScriptedModel(["no idea", "6", "8"])
    solution = BestOfN(n=3).solve(first_task(suite), SolverView(suite), model, PARAMS)
    assert solution.completion == "6" and solution.stop_reason.startswith("best of n")


def test_best_of_n_by_logprob_keeps_the_most_likely_sample():
    suite = AdditionSuite()
    replies = ["4", "5", "6"]
    model = LogprobModel(list(replies), {"4": (-2.0, -2.5), "5": (-0.1, -3.0), "6": (-1.0, -1.2)})
    solution = BestOfN(n=3, rank_by="logprob").solve(first_task(suite), SolverView(suite), model, PARAMS)
    assert solution.completion == "5"
    assert all(params.logprobs == 0 for _, params in model.calls)


def test_best_of_n_refuses_what_it_cannot_rank():
    with pytest.raises(UserError, match="has none"):
        check_solver(BestOfN(), AdditionSuite())
    with pytest.raises(UserError, match="backends with them: llama.cpp"):
        check_solver(BestOfN(rank_by="logprob"), AdditionSuite(), NoLogprobModel(["1"]))
    with pytest.raises(UserError, match="rank_by"):
        BestOfN(rank_by="judge")


# --- gated ---------------------------------------------------------------------------------

def test_confidence_is_the_mean_margin_of_the_least_sure_tokens():
    model = LogprobModel(["a b"], {"a b": (0.0, -100.0)})
    completion = model.complete([{"role": "user", "content": "x"}], SamplingParams(logprobs=2))
    assert low_margin(completion) == pytest.approx(1.0)
    sure, unsure = TokenLogprob("x", 0.0, (("x", 0.0),)), TokenLogprob("y", -0.69, (("y", -0.69), ("z", -0.7)))
    mixed = Completion("text", logprobs=(sure,) * 18 + (unsure,) * 2)
    assert low_margin(mixed) == pytest.approx(0.0, abs=0.01)  # the two hard choices decide
    assert low_margin(ScriptedModel(["a"]).complete([{"role": "user", "content": "x"}], PARAMS)) is None


def test_a_confident_first_answer_is_left_alone():
    suite = AdditionSuite()
    model = LogprobModel(["4"], {"4": (-0.01, -9.0)})
    solution = Gated(inner="self-refine").solve(first_task(suite), SolverView(suite), model, PARAMS)
    assert len(model.calls) == 1 and model.calls[0][1].logprobs == 2
    assert solution.stop_reason.startswith("confident: logprob")
    assert solution.round_completions == ("4",)


def test_an_unsure_first_answer_is_corrected_by_the_inner_strategy():
    suite = AdditionSuite()
    replies = iter(["4", "the sum is off by one", "5", "NO ISSUES"])
    model = LogprobModel(lambda m, p: next(replies), {"4": (-0.7, -0.8)})
    solution = Gated(inner="self-refine", max_rounds=3).solve(first_task(suite), SolverView(suite), model, PARAMS)
    assert solution.round_completions == ("4", "5")
    assert solution.stop_reason.startswith("no issues") and "unsure: logprob" in solution.stop_reason
    assert solution.usage.calls == 4


def test_the_disagreement_gate_samples_and_corrects_when_samples_disagree():
    suite = VisibleAdditionSuite()
    # greedy says 4 (even); the probes disagree with it; self-debug then fixes it
    def respond(messages, params):
        if len(messages) > 1:
            return "5"
        return "4" if params.temperature == 0 else str(params.seed + 1)

    model = ScriptedModel(respond)
    solution = Gated(inner="self-debug", gate="disagreement", n=4).solve(
        first_task(suite), SolverView(suite), model, PARAMS)
    assert solution.round_completions == ("4", "5")
    assert "unsure: disagreement 0.250" in solution.stop_reason
    assert solution.usage.calls == 1 + 4 + 1


def test_the_disagreement_gate_trusts_an_answer_the_samples_agree_with():
    suite = VisibleAdditionSuite()
    model = ScriptedModel(lambda m, p: "4")
    solution = Gated(inner="self-debug", gate="disagreement", n=3).solve(
        first_task(suite), SolverView(suite), model, PARAMS)
    assert solution.stop_reason.startswith("confident: disagreement 1.000")
    assert len(model.calls) == 4


def test_the_logprob_gate_needs_a_backend_with_logprobs():
    with pytest.raises(UserError, match="needs token log-probabilities.*backends with them"):
        check_solver(Gated(), AdditionSuite(), NoLogprobModel(["4"]))
    with pytest.raises(UserError, match="needs token log-probabilities"):
        Gated().solve(first_task(AdditionSuite()), SolverView(AdditionSuite()), NoLogprobModel(["4"]), PARAMS)
    check_solver(Gated(gate="disagreement"), AdditionSuite(), NoLogprobModel(["4"]))  # fine


def test_gated_passes_on_its_inner_strategys_requirements_and_validates_options():
    with pytest.raises(UserError, match="self-debug needs visible tests"):
        check_solver(Gated(inner="self-debug"), AdditionSuite(), ScriptedModel(["4"]))
    with pytest.raises(UserError, match="gate must be one of"):
        Gated(gate="vibes")
    with pytest.raises(UserError, match="inner must be one of"):
        Gated(inner="best-of-n")
    with pytest.raises(UserError, match="--tau"):
        Gated(tau=1.5)
