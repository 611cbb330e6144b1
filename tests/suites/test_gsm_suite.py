"""The gsm suite: tasks that hide the gold, fixed splits, a verifier that does not leak."""

from collections import Counter

import pytest

from ratchet.core import Split, Status, Suite, Task
from ratchet.errors import UserError
from ratchet.suites.gsm import GsmSuite


@pytest.fixture(scope="module")
def suite():
    return GsmSuite()


def test_is_a_suite_with_3000_tasks_named_by_template(suite):
    assert isinstance(suite, Suite)
    tasks = suite.tasks()
    assert len(tasks) == 3000
    for task in tasks:
        template = task.visible["template"]
        assert task.id.startswith(f"gsm/{template}/")
        assert dict(task.visible) == {"template": template}  # no gold, no solution
        assert task.difficulty in {2, 3, 4, 5, 6}


def test_splits_are_40_20_40_and_stable(suite):
    sizes = {split: len(suite.tasks(split)) for split in Split}
    assert sizes == {Split.TRAIN: 1200, Split.DEV: 600, Split.TEST: 1200}
    again = GsmSuite()
    assert [t.id for t in again.tasks(Split.TEST)] == [t.id for t in suite.tasks(Split.TEST)]
    assert Counter(t.difficulty for t in suite.tasks(Split.TEST)).keys() == {2, 3, 4, 5, 6}


def test_seed_changes_the_problems():
    first, second = GsmSuite(n=100, seed=0), GsmSuite(n=100, seed=1)
    assert [t.prompt for t in first.tasks()] != [t.prompt for t in second.tasks()]
    assert [t.prompt for t in first.tasks()] == [t.prompt for t in GsmSuite(n=100).tasks()]


def test_prompt_asks_for_the_gsm8k_final_line(suite):
    task = suite.tasks()[0]
    system, user = suite.messages(task)
    assert system["role"] == "system" and user["role"] == "user"
    assert task.prompt in user["content"] and "#### <integer>" in user["content"]


def test_the_worked_solution_of_every_task_verifies(suite):
    for task in suite.tasks():
        verdict = suite.verify(task, suite.worked_solution(task))
        assert verdict.passed and verdict.status is Status.OK, task.id
        assert suite.solution_steps(task) and len(suite.solution_steps(task)) == task.difficulty


def test_a_wrong_answer_fails_without_revealing_the_gold(suite):
    task = suite.tasks()[5]
    gold = suite.gold(task)
    verdict = suite.verify(task, f"Let me think.\n#### {gold + 1}")
    assert not verdict.passed and verdict.status is Status.FAIL and verdict.score == 0.0
    assert verdict.feedback == "wrong answer" and str(gold) not in verdict.feedback


@pytest.mark.parametrize("completion", ["", "I don't know.", "#### <integer>"])
def test_no_number_is_a_format_failure(suite, completion):
    verdict = suite.verify(suite.tasks()[0], completion)
    assert verdict.status is Status.BAD_FORMAT and verdict.feedback == "no answer found"
    assert suite.extract(suite.tasks()[0], completion) is None


def test_answers_in_other_formats_verify(suite):
    task = suite.tasks()[1]
    gold = suite.gold(task)
    for completion in (f"The answer is {gold}.", f"$\\boxed{{{gold}}}$", f"#### {gold}.00"):
        assert suite.verify(task, completion).passed, completion


def test_user_mistakes_raise_user_errors(suite):
    with pytest.raises(UserError, match="n >= 1"):
        GsmSuite(n=0)
    with pytest.raises(UserError, match="not in gsm"):
        suite.gold(Task(id="gsm/nope/0", prompt="?"))
