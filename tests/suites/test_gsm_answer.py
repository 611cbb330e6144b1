"""Answer extraction from realistic model outputs, and comparison with the gold integer."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from ratchet.suites.gsm.answer import answer_matches, extract_answer

OUTPUTS = [
    # GSM8K marker, in the forms models write it
    ("She has 7 * 10 = 70 apples, minus 4 is 66.\n#### 66", "66"),
    ("#### $1,234", "1234"),
    ("So the change is 58 dollars.\n\n####   58 dollars", "58"),
    ("#### 12.0", "12"),
    ("Step 1: 3 + 4 = 7\n#### 7\nLet me know if you need more help!", "7"),
    ("#### 66\n\nNote: the 4 eaten apples are not counted.", "66"),
    # "the answer is"
    ("The answer is 42.", "42"),
    ("The answer is 5 + 3 = 8 apples. Great.", "8"),
    ("**Final Answer:** 18 dollars", "18"),
    ("Therefore, the final answer is $1,234.00.", "1234"),
    ("The answer to how many 3 friends ate is 12", "12"),
    ("answer is 12.50 dollars", "12.5"),
    ("The answer is -5.", "-5"),
    ("The answer is 42. It took 3 steps to get there.", "42"),
    # LaTeX boxes
    ("Final answer: $\\boxed{42}$", "42"),
    ("\\[ \\boxed{1{,}234} \\]", "1234"),
    ("\\boxed{\\$56}", "56"),
    ("\\boxed{42 \\text{ apples}}", "42"),
    ("\\boxed{\\text{42 apples}}", "42"),
    ("\\boxed{x = 17}", "17"),
    ("\\boxed{\\frac{7}{2}}", "3.5"),
    ("\\boxed{\\dfrac{84}{2}}", "42"),
    ("\\boxed{6 \\times 7}", "6 \\times 7"),
    ("I think 40, but \\boxed{41}", "41"),
    ("So \\boxed{41}, which I checked 2 times.", "41"),
    # last number fallback
    ("She has 3 bags with 4 each, so 12 apples", "12"),
    ("The temperature drops to −7 degrees.", "-7"),
    ("10 - 4", "4"),
    ("so 45% of them", "45"),
    ("It costs $ 1,050 in total", "1050"),
    ("1/3 of the cake", "1/3"),
    ("Pages 3-4 of the book", "4"),
    # nothing to extract
    ("I cannot solve this problem.", None),
    ("", None),
    ("#### <integer>", None),
    ("\\boxed{}", None),
]


@pytest.mark.parametrize(("output", "expected"), OUTPUTS)
def test_extracts_the_final_answer(output, expected):
    assert extract_answer(output) == expected


@pytest.mark.parametrize(
    ("answer", "gold", "matches"),
    [
        ("42", 42, True), ("42.0", 42, True), ("84/2", 42, True), ("-42", 42, False),
        ("42.5", 42, False), ("41", 42, False), ("1234", 1234, True),
    ],
)
def test_numbers_compare_exactly(answer, gold, matches):
    assert answer_matches(answer, gold) is matches


def test_boxed_expressions_are_evaluated_by_math_verify():
    pytest.importorskip("math_verify")
    assert answer_matches("6 \\times 7", 42)
    assert answer_matches("\\frac{84}{2} + 1", 43)
    assert not answer_matches("6 \\times 7", 41)


def test_math_verify_also_works_off_the_main_thread(caplog):
    # its signal-based timeout only works in the main thread; a thread pool must still verify
    pytest.importorskip("math_verify")
    with ThreadPoolExecutor(2) as pool:
        assert all(pool.map(answer_matches, ["6 \\times 7"] * 4, [42] * 4))
    assert "Timeout is disabled" not in caplog.text
