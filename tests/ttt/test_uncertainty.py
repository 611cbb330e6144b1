import math

import pytest

from ratchet.core import Split, SolverView
from ratchet.errors import UserError
from ratchet.models import Completion, SamplingParams, ScriptedModel, TokenLogprob
from ratchet.suites.toolcall import ToolCallSuite
from ratchet.ttt.calibration import accuracy_coverage, error_auroc, summarise_estimate
from ratchet.ttt.uncertainty import (
    agreement,
    candidate_distribution,
    check_tau,
    estimate,
    margin,
    sample_distribution,
    softmax,
)

SUITE = ToolCallSuite(per_function=2)
TASK = SUITE.tasks(Split.TEST)[0]
VIEW = SolverView(SUITE)
GOLD = SUITE.reference_completion(TASK)


def test_softmax_and_margin():
    assert softmax([0.0, 0.0]) == [0.5, 0.5]
    assert sum(softmax([-1.0, -2.0, -30.0])) == pytest.approx(1.0)
    assert margin([0.7, 0.2, 0.1]) == pytest.approx(0.5)
    assert margin([1.0]) == 1.0 and margin([]) == 0.0


def test_sum_scoring_keeps_the_evidence_that_a_mean_dilutes():
    # The right name costs one unsure token; the wrong one a very unlikely first token, then
    # tokens that are certain once it is chosen.
    scored = [("right", -0.05, 5), ("wrong", -5.0, 5)]
    by_sum = candidate_distribution(scored, normalise=False)
    by_mean = candidate_distribution(scored, normalise=True)
    assert by_sum[0][0] == "right" and margin([p for _, p in by_sum]) > 0.98
    assert margin([p for _, p in by_mean]) < 0.5


def test_agreement():
    assert agreement("a", ["a", "a", "b", None]) == 0.5
    assert agreement(None, ["a"]) == 0.0


def completion(text: str, logprob: float) -> Completion:
    return Completion(text, logprobs=tuple(TokenLogprob(t, logprob) for t in text.split()))


def test_sampled_candidates_are_distinct_answers():
    other = '{"name": "something_else", "arguments": {}}'
    distribution = sample_distribution(TASK, VIEW, [completion(GOLD, -0.1), completion(GOLD, -0.3), completion(other, -2.0)])
    assert len(distribution) == 2 and distribution[0][1] > distribution[1][1]
    assert sample_distribution(TASK, VIEW, [Completion(GOLD)]) is None


def test_estimates_with_a_scripted_model():
    steady = ScriptedModel(lambda messages, params: GOLD, logprob=-0.05)
    params = SamplingParams(max_tokens=32)
    agree = estimate("agreement", TASK, VIEW, steady, params, n=4)
    assert agree.confidence == 1.0 and agree.answer.completion == GOLD
    logprob = estimate("logprob", TASK, VIEW, steady, params)
    assert logprob.confidence == pytest.approx(math.exp(-0.05))
    sampled = estimate("margin", TASK, VIEW, steady, params, n=3)  # no scorer: candidates from samples
    assert sampled.source == "samples" and sampled.confidence == 1.0
    scored = estimate("margin", TASK, VIEW, steady, params, scorer=lambda m, c: [(-0.1, 3)] + [(-4.0, 3)] * (len(c) - 1))
    assert scored.source == "task" and scored.confidence > 0.9
    assert scored.candidates[0][0] == TASK.visible["candidates"][0]


def test_tau_must_be_a_probability():
    check_tau(0.0)
    check_tau(1.0)
    with pytest.raises(UserError, match="between 0 and 1"):
        check_tau(1.01)


def test_auroc():
    assert error_auroc([0.9, 0.8, 0.2, 0.1], [True, True, False, False]) == 1.0
    assert error_auroc([0.1, 0.2, 0.8, 0.9], [True, True, False, False]) == 0.0
    assert error_auroc([0.5, 0.5, 0.5, 0.5], [True, False, True, False]) == 0.5
    assert error_auroc([0.9, 0.4, 0.6, 0.1], [True, True, False, False]) == 0.75
    assert error_auroc([0.3, 0.4], [True, True]) is None
    with pytest.raises(UserError):
        error_auroc([0.1], [True, False])


def test_accuracy_coverage():
    points = accuracy_coverage([0.9, 0.1, 0.5, 0.7], [True, False, False, True])
    assert [p.accuracy for p in points] == [1.0, 1.0, pytest.approx(2 / 3), 0.5]
    assert [p.coverage for p in points] == [0.25, 0.5, 0.75, 1.0]
    summary = summarise_estimate([0.9, 0.1, 0.5, 0.7], [True, False, False, True])
    assert summary["auroc"] == 1.0 and summary["accuracy_at_coverage"]["0.50"] == 1.0 and summary["errors"] == 2
