"""Building training data from attempts: what is kept, what is refused, and the provenance."""

from __future__ import annotations

import pytest

from ratchet.core import Attempt, Solution, Split, Status, Turn, Verdict
from ratchet.errors import UserError
from ratchet.learn.data import (
    Dataset,
    correction_traces,
    judge_pairs,
    require_enough,
    star_rationalisations,
    verified_examples,
    verified_pairs,
)
from ratchet.learn.judges import NaiveJudge

from .fakes import GoldAdditionSuite, policy_for, task_index


def attempt(task_id, sample, text, passed, status=None, **solution) -> Attempt:
    verdict = Verdict.ok() if passed else Verdict.fail("wrong", status or Status.FAIL)
    return Attempt(task_id, sample, Solution(text, text, **solution), verdict)


@pytest.fixture
def suite():
    return GoldAdditionSuite(n=100)


def train_ids(suite, n=3):
    return [t.id for t in suite.tasks(Split.TRAIN)[:n]]


def test_verified_examples_keep_distinct_passing_attempts_of_train_tasks_only(suite):
    a, b, _ = train_ids(suite)
    test_id = suite.tasks(Split.TEST)[0].id
    attempts = [attempt(a, 0, "right", True), attempt(a, 1, "right", True), attempt(a, 2, "also right", True),
                attempt(a, 3, "third", True), attempt(b, 0, "wrong", False), attempt(test_id, 0, "leak", True)]
    data = verified_examples(attempts, suite, max_per_task=2, model="m", iteration=1)
    assert [e.completion for e in data.examples] == ["right", "also right"]
    assert data.stats["dropped_not_train"] == 1 and data.stats["tasks_with_a_pass"] == 1
    first = data.examples[0]
    assert first.prompt == (Turn("user", suite.tasks(Split.TRAIN)[0].prompt),)
    assert first.provenance.kind == "verified" and first.provenance.attempts == (f"{a}#0",)
    assert first.provenance.model == "m" and first.provenance.iteration == 1


def test_verified_pairs_contrast_a_pass_with_a_failure_at_the_same_task(suite):
    a, b, _ = train_ids(suite)
    attempts = [attempt(a, 0, "no answer", False, Status.BAD_FORMAT), attempt(a, 1, "wrong 4", False),
                attempt(a, 2, "right 3", True), attempt(b, 0, "right only", True)]
    data = verified_pairs(attempts, suite, max_pairs_per_task=1)
    assert len(data) == 1
    pair = data.examples[0]
    assert (pair.chosen, pair.rejected) == ("right 3", "wrong 4")  # a wrong answer before no answer
    assert pair.provenance.attempts == (f"{a}#2", f"{a}#1")
    assert data.stats["tasks_with_both"] == 1


def test_judge_pairs_follow_the_judge_and_report_agreement_with_the_verifier(suite):
    task = suite.tasks(Split.TRAIN)[0]
    i = task_index(task.prompt)
    right, wrong = f"The sum is {2 * i + 1}", f"The sum is {2 * i + 2}"
    attempts = [attempt(task.id, 0, wrong, False), attempt(task.id, 1, right, True)]
    data, judged = judge_pairs(attempts, suite, NaiveJudge(policy_for(0.5)))
    assert len(data) == 1 and data.examples[0].chosen == right
    assert data.examples[0].provenance.kind == "judge-pair" and data.usage.calls == 2
    judgement, truth = judged[0]
    assert truth == "b" and judgement.preferred == "b"


def test_star_keeps_only_rationales_that_verify_without_the_hint(suite):
    tasks = suite.tasks(Split.TRAIN)[:3]
    attempts = [attempt(t.id, 0, "wrong", False) for t in tasks]

    replies = iter(["Adding gives {gold}", "Using the hint, the answer is {gold}", "It is 0"])

    def respond(messages, params):
        gold = int(messages[-1]["content"].split("correct final answer is ")[1].split(".")[0])
        return next(replies).format(gold=gold)

    from ratchet.models.scripted import ScriptedModel

    data = star_rationalisations(attempts, suite, ScriptedModel(respond))
    assert len(data) == 1 and data.examples[0].provenance.kind == "star-rationale"
    assert "Hint" not in data.examples[0].prompt[-1].content  # trained without the hint
    assert data.stats["rationales_refused_hint"] == 1 and data.stats["rationales_refused_wrong"] == 1
    assert data.usage.calls == 3


def test_star_needs_gold_answers(suite):
    from tests.toy import AdditionSuite

    with pytest.raises(UserError, match="exposes no gold answers"):
        star_rationalisations([], AdditionSuite(), policy_for(0.5))


def test_correction_traces_from_own_rounds_and_from_paired_samples(suite):
    a, b, _ = train_ids(suite)
    prompt = Turn("user", "q")
    rounds = attempt(a, 0, "fixed", True, rounds=2, round_completions=("bad", "fixed"),
                     trajectory=(prompt, Turn("assistant", "bad"), Turn("user", "test failed"), Turn("assistant", "fixed")))
    rounds = Attempt(rounds.task_id, 0, rounds.solution, rounds.verdict, "self-refine", (Verdict.fail(), Verdict.ok()))
    paired = [attempt(b, 0, "bad b", False), attempt(b, 1, "good b", True)]
    data = correction_traces([rounds, *paired], suite)
    by_task = {e.provenance.task_id: e for e in data.examples}
    own = by_task[a]
    assert [t.content for t in own.prompt] == ["q", "bad", "test failed"] and own.completion == "fixed"
    joined = by_task[b]
    assert [t.role for t in joined.prompt][-2:] == ["assistant", "user"] and joined.completion == "good b"
    assert "not correct" in joined.prompt[-1].content


def test_datasets_hash_their_content_and_round_trip(tmp_path, suite):
    a, b, _ = train_ids(suite)
    one = verified_examples([attempt(a, 0, "x", True)], suite, model="m1")
    same_text = verified_examples([attempt(a, 3, "x", True)], suite, model="m2")
    assert one.sha256() == same_text.sha256()  # provenance does not change the hash
    both = one + verified_pairs([attempt(b, 0, "y", True), attempt(b, 1, "z", False)], suite)
    both.save(tmp_path / "d.json")
    loaded = Dataset.load(tmp_path / "d.json")
    assert loaded.sha256() == both.sha256() and loaded.kinds() == {"verified": 1, "verified-pair": 1}


def test_not_enough_data_names_found_and_needed():
    with pytest.raises(UserError) as error:
        require_enough(Dataset(()), 8, "verified examples", "sample more")
    assert str(error.value) == "found 0 verified examples, need at least 8: sample more"
