"""The gsm generator: enough varied templates, deterministic instances, answers that check out."""

import re
import time
from collections import Counter
from fractions import Fraction
from random import Random

import pytest

from ratchet.suites.gsm.generate import generate
from ratchet.suites.gsm.template import Step, Template, span
from ratchet.suites.gsm.templates import TEMPLATES

STEP = re.compile(r"(\d+)(%)? (of|[-+*/]) (\d+) = (\d+)")
CONSTANTS = {1, 2, 3, 4, 12, 40, 60, 1000}  # numbers a solution may bring in (hours, dozens...)


@pytest.fixture(scope="module")
def instances():
    return generate(3000, seed=0)


def test_there_are_at_least_30_distinct_templates_over_many_topics():
    names = [template.name for template in TEMPLATES]
    assert len(names) >= 30
    assert len(set(names)) == len(names)
    assert len({template.topic for template in TEMPLATES}) >= 8


def test_difficulty_is_the_step_count_and_spread_evenly(instances):
    assert {instance.difficulty for instance in instances} == {2, 3, 4, 5, 6}
    per_difficulty = Counter(instance.difficulty for instance in instances)
    assert min(per_difficulty.values()) >= 0.15 * len(instances)
    for instance in instances:
        assert len(instance.steps) == instance.difficulty


def test_same_seed_same_problems_other_seed_other_problems(instances):
    assert generate(3000, seed=0) == instances
    other = {instance.id: instance.problem for instance in generate(3000, seed=1)}
    changed = sum(other[instance.id] != instance.problem for instance in instances)
    assert changed > 0.95 * len(instances)


def test_an_instance_does_not_depend_on_how_many_are_generated(instances):
    by_id = {instance.id: instance for instance in instances}
    for instance in generate(200, seed=0):
        assert by_id[instance.id] == instance


def test_every_problem_is_distinct_and_fully_written(instances):
    problems = [instance.problem for instance in instances]
    assert len(set(problems)) == len(problems)
    for problem in problems:
        assert problem.endswith("?") and "{" not in problem and "}" not in problem


def _recompute(left: int, percent: bool, op: str, right: int) -> Fraction:
    if percent:
        return Fraction(left * right, 100)
    return {"+": Fraction(left + right), "-": Fraction(left - right),
            "*": Fraction(left * right), "/": Fraction(left, right)}[op]


def test_every_worked_solution_recomputes_to_the_integer_answer(instances):
    for instance in instances:
        known = {int(n) for n in re.findall(r"\d+", instance.problem)} | CONSTANTS
        result = None
        for line in instance.steps:
            left, percent, op, right, result = STEP.search(line).groups()
            left, right, result = int(left), int(right), int(result)
            assert _recompute(left, bool(percent), op, right) == result, (instance.id, line)
            assert {left, right} <= known, f"{instance.id}: {line} uses a number from nowhere"
            known.add(result)
        assert isinstance(instance.answer, int) and instance.answer == result > 0


def test_3000_instances_take_under_a_second():
    started = time.perf_counter()
    generate(3000, seed=7)
    assert time.perf_counter() - started < 1.0


def _template(**changes) -> Template:
    fields = dict(
        name="apples", topic="shopping", story="{name} has {a} bags of {b}. How many?",
        numbers={"a": span(2, 5), "b": span(2, 5)}, words={"name": ("Ana", "Ben")},
        steps=(Step("total", "a * b", "{calc}."), Step("more", "total + 1", "{calc}.")),
    )
    return Template(**{**fields, **changes})


def test_a_template_with_a_typo_fails_when_defined_not_when_drawn():
    _template()
    with pytest.raises(ValueError, match="unknown"):
        _template(steps=(Step("total", "a * c", "{calc}."), Step("more", "total + 1", "{calc}.")))
    with pytest.raises(ValueError, match="one operation"):
        _template(steps=(Step("total", "a * b + 1", "{calc}."), Step("x", "total + 1", "{calc}.")))
    with pytest.raises(ValueError, match="steps"):
        _template(steps=(Step("total", "a * b", "{calc}."),))


def test_draws_that_break_a_rule_are_drawn_again():
    # a - b is negative half the time and a / b is rarely exact: neither may reach a problem.
    template = _template(steps=(Step("d", "a - b", "{calc}."), Step("q", "d / b", "{calc}.")))
    solved = [template.draw(Random(i)) for i in range(50)]
    for instance in solved:
        a, b = instance.values["a"], instance.values["b"]
        assert a > b and (a - b) % b == 0 and instance.answer == (a - b) // b
