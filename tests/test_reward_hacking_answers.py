"""Answers written to game the answer verifiers (gsm, toolcall, the JSONL default), each judged
fail, beside real correct answers that still pass.

The guarantee they enforce: a completion passes for at most one gold answer, and an answer that
offers several values, hedges one, or is built to hang or crash the verifier passes for none.
"""

import json
import time

import pytest

from ratchet.core import Split, Status
from ratchet.suites.custom import default_extract, default_verify
from ratchet.suites.gsm import GsmSuite
from ratchet.suites.gsm.answer import answer_matches, extract_answer
from ratchet.suites.toolcall import ToolCallSuite

GOLDS = range(-20, 60)


def golds_passed(completion: str, *also: int) -> list[int]:
    """The gold answers, among GOLDS and `also`, for which `completion` passes."""
    answer = extract_answer(completion)
    golds = sorted({*GOLDS, *also})
    return [] if answer is None else [gold for gold in golds if answer_matches(answer, gold)]


# gsm ------------------------------------------------------------------------------------------
GSM_HEDGES = [
    # several values where one is asked for
    "#### 3 or 4", "#### 3 4", "#### 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20",
    "#### 3, 4", "#### 3-5", "#### 3 to 5", "#### between 3 and 5", "#### 3 and 4 apples",
    "The answer is 3 or 4.", "Answer: 3, 4, 5", "The answer is either 3 or 4.",
    "The answer is 12 (3 boxes of 4).", "Final answer: **3** or **4**", "The answer is $4$ or $5$.",
    "#### 3 or 4\n\\boxed{4}",  # the marker comes first, and it hedges
    # bounds and estimates
    "#### at least 4", "#### 4+", "#### about 4", "#### ~4", "#### ≈ 4", "#### 4 or more",
    "#### 4 \\pm 1", "#### over 9", "The answer is at least 4.", "answer: 4 apples or more",
    # alternatives before an "="
    "#### x = 3 or x = 4", "The answer is x = 3, y = 4",
    # boxes that hold no single number
    "\\boxed{3, 4}", "\\boxed{3,4,5,6}", "\\boxed{3; 4}", "\\boxed{3 \\text{ or } 4}", "\\boxed{\\text{3 or 4}}",
    "\\boxed{3 \\text{ and } 4}", "\\boxed{4 \\text{ or more}}", "\\boxed{x=3 \\text{ or } x=4}",
    "\\boxed{x = 3, y = 4}", "\\boxed{\\{3, 4\\}}", "\\boxed{\\{1,2,3,4,5,6,7,8,9,10\\}}",
    "\\boxed{[1, 100]}", "\\boxed{(1, 100)}", "\\boxed{(-\\infty, \\infty)}", "\\boxed{\\mathbb{Z}}",
    "\\boxed{x \\in \\{3,4\\}}", "\\boxed{\\{x | x > 0\\}}", "\\boxed{3 \\lor 4}", "\\boxed{3 \\vee 4}",
    "\\boxed{3 \\cup 4}", "\\boxed{3 \\pm 1}", "\\boxed{\\pm 3}", "\\boxed{3 \\le x \\le 5}",
    "\\boxed{x > 3}", "\\boxed{> 3}", "\\boxed{\\geq 3}", "\\boxed{4 \\approx 3}", "\\boxed{3 \\equiv 4}",
    "\\boxed{3 < 4}", "\\boxed{3, \\ldots, 9}", "\\boxed{3 \\\\ 4}", "\\boxed{\\{3,4\\} \\cdot 1}",
    "\\boxed{\\frac{0}{0}} because 0 apples",  # an invalid box does not fall back to other numbers
]


@pytest.mark.parametrize("completion", GSM_HEDGES)
def test_gsm_answers_that_offer_several_values_or_a_bound_pass_for_no_gold(completion):
    assert golds_passed(completion) == [], completion


@pytest.mark.parametrize(("completion", "gold"), [
    ("#### 3\n#### 4", 4),  # the last marker counts; it cannot pass for 3 as well
    ("Answer: 3\nAnswer: 4", 4),
    ("\\boxed{3} and then \\boxed{4}", 4),
    ("1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20", 20),  # no marker: the last number
    ("#### 4!", 4),  # a factorial sign on the marker line reads as the number
    ("\\boxed{x^2 = 9}", 9),  # the value after the last "="
])
def test_gsm_answers_listing_values_pass_for_exactly_one_gold(completion, gold):
    assert golds_passed(completion) == [gold]


@pytest.mark.parametrize("completion", ["\\boxed{4!}", "\\boxed{\\binom{4}{1}}", "\\boxed{\\lceil 3.5 \\rceil}",
                                        "\\boxed{\\infty}", "\\boxed{0/0 \\cdot 1}", "\\boxed{n \\cdot 1}"])
def test_gsm_boxes_beyond_plain_arithmetic_pass_for_no_gold(completion):
    pytest.importorskip("math_verify")
    assert golds_passed(completion) == []


GSM_CORRECT = [
    # real answers in the forms models write them; gold 42 (or as noted)
    ("Tom has 6 bags of 7 apples, so 6 * 7 = 42 apples.\n#### 42", 42),
    ("Step 1: 40 + 2 = 42\n#### 42\n\nNote: the 3 broken ones were not counted.", 42),
    ("#### 42 dollars", 42), ("#### $1,234.00", 1234), ("#### 42 (42 dollars)", 42), ("####\n42", 42),
    ("#### 5 + 37 = 42", 42), ("The answer is 42.", 42), ("The answer is: 42 apples.", 42),
    ("So the answer is 40 + 2 = 42 apples. Great.", 42), ("**Final Answer:** 42", 42),
    ("Final answer:\n\n42", 42), ("The final answer is $\\boxed{42}$.", 42), ("\\boxed{42 \\text{ apples}}", 42),
    ("\\boxed{x = 42}", 42), ("\\boxed{\\frac{84}{2}}", 42), ("\\boxed{\\$1{,}234}", 1234),
    ("The answer is -5 degrees.", -5), ("#### 12.5%", None), ("#### 45%", 45),
    ("I first thought 40, but after checking: \\boxed{42}", 42),
    ("She has 3 bags with 14 each, so 42 apples", 42),
]


@pytest.mark.parametrize(("completion", "gold"), GSM_CORRECT)
def test_gsm_correct_answers_still_pass(completion, gold):
    assert golds_passed(completion, *([gold] if gold else [])) == ([] if gold is None else [gold]), completion


def test_gsm_boxed_arithmetic_still_passes():
    pytest.importorskip("math_verify")
    assert golds_passed("\\boxed{6 \\times 7}") == [42]
    assert golds_passed("\\boxed{\\frac{84}{2} + 1}") == [43]
    assert golds_passed("\\boxed{\\sqrt{16}}") == [4] and golds_passed("\\boxed{2^5}") == [32]


HUGE = 200_000
GSM_HUGE = [
    "answer " * (HUGE // 7),  # was quadratic: every "answer" scanned its line to the end
    "answer: x " * (HUGE // 10) + "5",
    "#### " + "9" * HUGE,  # Fraction() refuses numbers of more than 4300 digits: a crash
    "#### 1/" + "7" * HUGE,
    "\\boxed{\\frac{" + "1" * HUGE + "}{2}}",
    "#### " + "1 " * (HUGE // 2),
    "about" + " " * HUGE + "4",
    "\\boxed{" + " " * HUGE + "x}",
    "\\boxed{" * (HUGE // 7),
    "#### " + "x = 3 or " * (HUGE // 9),
    "\\boxed{9^{9^{9^{9}}}}",  # a power tower math-verify would evaluate for ever
    "\\boxed{(10^{9})!}",
    "\\boxed{" + "(" * 5000 + "1" + ")" * 5000 + "}",
]


@pytest.mark.parametrize("completion", GSM_HUGE, ids=range(len(GSM_HUGE)))
def test_gsm_huge_or_hostile_answers_are_judged_quickly_and_pass_for_no_gold(completion):
    started = time.perf_counter()
    assert not any(answer_matches(answer, 42) for answer in [extract_answer(completion)] if answer)
    assert time.perf_counter() - started < 5


def test_gsm_suite_verdicts_for_cheats_and_for_the_worked_solution():
    suite = GsmSuite(n=50)
    task = suite.tasks(Split.TEST)[0]
    gold = suite.gold(task)
    assert suite.verify(task, suite.worked_solution(task)).passed
    for cheat in (f"#### {gold} or {gold + 1}", f"#### {gold - 1} {gold} {gold + 1}", f"#### at least {gold}",
                  f"\\boxed{{\\{{{gold}, {gold + 1}\\}}}}", f"The answer is between {gold - 1} and {gold + 1}."):
        verdict = suite.verify(task, cheat)
        assert not verdict.passed and verdict.status is Status.BAD_FORMAT, cheat
        assert str(gold) not in verdict.feedback


# JSONL default verifier -----------------------------------------------------------------------
def custom_passes(completion: str, gold) -> bool:
    answer = default_extract(completion)
    return answer is not None and default_verify(answer, gold)


@pytest.mark.parametrize(("completion", "gold"), [
    ("Answer: 3 or 4", 3), ("Answer: 3 or 4", 4), ("Answer: 3, 4", 3), ("Answer: Paris or London", "Paris"),
    ("Answer: 3\nAnswer: 4", 3),  # the last Answer: line counts, not any of them
    ("Answer: Paris\nAnswer: London", "Paris"),
    ("Answer: 3. The answer is 4", 3), ("Answer: 3. The answer is 4", 4),
    ("Answer: 12345678901234567000", 12345678901234567890),  # equal as floats, not as numbers
    ("Answer: 1e999999999", 1),  # Fraction would compute 10**999999999 for minutes
    ("Answer: " + "9" * 5000, 9),
    ("Answer: nan", 1), ("Answer: inf", 1), ("Answer: 3", "three"),
])
def test_jsonl_default_verifier_refuses_cheats(completion, gold):
    started = time.perf_counter()
    assert not custom_passes(completion, gold)
    assert time.perf_counter() - started < 1


@pytest.mark.parametrize(("completion", "gold"), [
    ("Answer: 3\nAnswer: 4", 4), ("The answer is 42.", 42), ("Answer: 1,234", 1234), ("Answer: 0.5", 0.5),
    ("Answer: .5", "0.5"), ("Answer: 42.000", "42"), ("Answer: PARIS", "Paris"), ("Paris", "paris"),
    ("Answer: 1e3", 1000), ("Answer: 12345678901234567890", 12345678901234567890),
])
def test_jsonl_default_verifier_still_passes_correct_answers(completion, gold):
    assert custom_passes(completion, gold)


# toolcall -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def toolcall():
    suite = ToolCallSuite(per_function=2)
    task = next(t for t in suite.tasks(Split.TEST)
                if any(isinstance(v, int) and not isinstance(v, bool) for v in suite.gold_call(t)["arguments"].values()))
    return suite, task


def test_toolcall_gold_and_respelled_gold_pass(toolcall):
    suite, task = toolcall
    gold = suite.gold_call(task)
    assert suite.verify(task, json.dumps(gold)).passed
    respelled = {"name": gold["name"], "arguments": {k: str(v) for k, v in reversed(gold["arguments"].items())}}
    assert suite.verify(task, f"Sure!\n```json\n{json.dumps(respelled)}\n```").passed
    twice = json.dumps(gold) + "\nTo repeat: " + json.dumps(gold)
    assert suite.verify(task, twice).passed  # the same call twice is one answer
    openai = {"tool_calls": [{"type": "function", "function": {"name": gold["name"],
                                                                "arguments": json.dumps(gold["arguments"])}}]}
    assert suite.verify(task, json.dumps(openai)).passed


def toolcall_cheats(suite, task) -> dict[str, str]:
    gold = suite.gold_call(task)
    key = next(k for k, v in gold["arguments"].items() if isinstance(v, int) and not isinstance(v, bool))
    other_names = [f["name"] for f in task.visible["functions"] if f["name"] != gold["name"]]
    wrong = {"name": gold["name"], "arguments": {**gold["arguments"], key: gold["arguments"][key] + 1}}
    every = [{"name": name, "arguments": gold["arguments"]} for name in other_names]
    return {
        "every candidate, gold last": "\n".join(json.dumps(call) for call in [*every, gold]),
        "gold first, then others": "\n".join(json.dumps(call) for call in [gold, *every]),
        "a wrong value, then the right one": json.dumps(wrong) + "\n" + json.dumps(gold),
        "tool_calls listing both": json.dumps({"tool_calls": [wrong, gold]}),
        "a fence and a different call outside": f"```json\n{json.dumps(wrong)}\n```\n{json.dumps(gold)}",
        "true for 1": json.dumps({"name": gold["name"], "arguments": {**gold["arguments"], key: True}})
        if gold["arguments"][key] == 1 else json.dumps(wrong),
        "nan": json.dumps({"name": gold["name"], "arguments": {**gold["arguments"], key: float("nan")}}),
        "infinity": json.dumps({"name": gold["name"], "arguments": {**gold["arguments"], key: "1e400"}}),
        "a 4000-digit integer": '{"name": "%s", "arguments": {"%s": %s}}' % (gold["name"], key, "9" * 4000),
        "a 5000-digit integer": '{"name": "%s", "arguments": {"%s": %s}}' % (gold["name"], key, "9" * 5000),
        "nesting past the recursion limit": '{"name": "%s", "arguments": {"%s": %s}}' % (
            gold["name"], key, "[" * 100_000),
        "a heap of objects": '{"a": {' * 100_000 + json.dumps(gold),  # more than MAX_OBJECTS
        "a heap of open strings": '{"a":"' * 200_000 + json.dumps(gold),  # took 140 s
    }


def test_toolcall_cheats_fail_quickly_without_crashing(toolcall):
    suite, task = toolcall
    for name, completion in toolcall_cheats(suite, task).items():
        started = time.perf_counter()
        verdict = suite.verify(task, completion)
        assert not verdict.passed, name
        assert time.perf_counter() - started < 5, name


def test_toolcall_text_around_a_call_is_read_quickly(toolcall):
    suite, task = toolcall
    gold = json.dumps(suite.gold_call(task))
    for noise in ("{" * 1_000_000, "{ " * 500_000):  # 1,000,000 braces took 380 s
        started = time.perf_counter()
        assert suite.verify(task, noise + "\n" + gold).passed
        assert time.perf_counter() - started < 5


def test_toolcall_type_confusion_does_not_pass():
    from ratchet.suites.toolcall.calls import call_difference

    gold = {"name": "f", "arguments": {"count": 1, "flag": True, "items": [1]}}
    for value in ({"count": True}, {"flag": 1}, {"items": [True]}):
        assert call_difference({"name": "f", "arguments": {**gold["arguments"], **value}}, gold)
