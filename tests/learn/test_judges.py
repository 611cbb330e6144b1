"""Judges' control flow with scripted models: what each asks, how orderings are aggregated, and
the consistency / agreement report."""

from __future__ import annotations

import pytest

from ratchet.learn.judges import (
    Judgement,
    NaiveJudge,
    SelfReferenceJudge,
    _aggregate,
    judge_report,
    make_judge,
    parse_choice,
)
from ratchet.errors import UserError
from ratchet.models.scripted import ScriptedModel

QUESTION = [{"role": "user", "content": "What is 2 + 3?"}]


@pytest.mark.parametrize("text, choice", [
    ("A", "A"), ("[[B]]", "B"), ("Response B is better.", "B"), ("B. Because", "B"),
    ("I think A is right", "A"), ("neither", "?"), ("(A)", "A"),
])
def test_parse_choice(text, choice):
    assert parse_choice(text) == choice


def always(letter):
    return ScriptedModel(lambda messages, params: letter)


def test_the_naive_judge_keeps_the_first_ordering_and_measures_the_swap():
    judgement = NaiveJudge(always("A")).judge(QUESTION, "5", "6")
    assert judgement.first == "a" and judgement.swapped == "b"  # always "A": position bias
    assert judgement.preferred == "a" and not judgement.consistent


def test_the_self_reference_judge_answers_criticises_then_decides_both_orderings():
    calls = []

    def respond(messages, params):
        text = messages[-1]["content"]
        calls.append(text)
        if len(calls) == 1:
            return "2 + 3 = 5"
        if "candidate answer" in text:
            return "matches" if "candidate answer:\n5" in text else "wrong: should be 5"
        first_response = text.split("Response A:\n")[1].split("\n")[0]
        return "A" if first_response == "5" else "B"

    judge = SelfReferenceJudge(ScriptedModel(respond))
    judgement = judge.judge(QUESTION, "6", "5")
    assert calls[0] == "What is 2 + 3?"  # step 1: the judge answers the question itself
    assert "Your own answer (the reference):\n2 + 3 = 5" in calls[1] and "A candidate answer:\n6" in calls[1]
    assert "Critique of response A:\nwrong: should be 5" in calls[3]  # decisions see the critiques
    assert len(calls) == 5
    assert judgement.preferred == "b" and judgement.consistent and judgement.strength == 1.0
    assert judgement.notes["reference"] == "2 + 3 = 5"


def test_disagreeing_orderings_are_a_tie_unless_perplexity_breaks_it():
    biased = always("A")  # says A in both orderings: the votes cancel
    assert SelfReferenceJudge(biased).judge(QUESTION, "5", "6").preferred == "tie"
    scorer = lambda messages, text: -0.2 if text == "5" else -2.0  # noqa: E731
    judgement = SelfReferenceJudge(always("A"), scorer=scorer).judge(QUESTION, "6", "5")
    assert judgement.preferred == "b" and 0 < judgement.strength < 0.5
    assert judgement.logprob_margin == pytest.approx(1.8)


def test_strength_grows_with_the_vote_margin_and_the_perplexity_margin():
    assert _aggregate({"a": 2, "b": 0}, None) == ("a", 1.0, 1.0)
    _, _, agreeing = _aggregate({"a": 2, "b": 0}, 2.0)
    _, _, against = _aggregate({"a": 2, "b": 0}, -2.0)
    assert agreeing > 0.9 and against < 0.1
    _, share, split = _aggregate({"a": 3, "b": 1}, None)
    assert share == 0.75 and split == pytest.approx(0.5)


def test_judge_report():
    right_consistent = Judgement("a", "a", "a", 1.0)
    wrong_inconsistent = Judgement("b", "b", "a", 1.0)
    tie = Judgement("tie", "a", "b", 0.0)
    report = judge_report([(right_consistent, "a"), (wrong_inconsistent, "a"), (tie, None)])
    assert report["pairs"] == 3 and report["position_swap_consistency"] == pytest.approx(1 / 3)
    assert report["agreement"] == 0.5 and report["pairs_with_truth"] == 2 and report["ties"] == 1
    # 1 of 2: Wilson [0.0945, 0.9055], far too few pairs to rank judges
    assert (report["agreement_low"], report["agreement_high"]) == (0.0945, 0.9055)


def test_make_judge_names():
    assert make_judge("naive", always("A")).name == "naive"
    with pytest.raises(UserError, match="did you mean 'naive'"):
        make_judge("naiv", always("A"))
