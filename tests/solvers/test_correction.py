import pytest

from ratchet.core import Split, SolverView, Verdict
from ratchet.errors import UserError
from ratchet.models import SamplingParams, ScriptedModel
from ratchet.solvers import Reflexion, SelfDebug, SelfRefine
from tests.solvers.fakes import VisibleAdditionSuite
from tests.toy import AdditionSuite

PARAMS = SamplingParams()


def run(strategy, suite, responder):
    model = ScriptedModel(responder)
    task = suite.tasks(Split.TEST)[0]
    return strategy.solve(task, SolverView(suite), model, PARAMS), model


def asks(messages, word):
    return word in messages[-1]["content"]


# --- self-refine ---------------------------------------------------------------------------

def test_self_refine_stops_when_its_critique_finds_no_issues():
    solution, model = run(SelfRefine(), AdditionSuite(), lambda m, p: "**NO ISSUES**" if asks(m, "Review") else "4")
    assert solution.rounds == 1 and solution.round_completions == ("4",)
    assert solution.stop_reason.startswith("no issues")
    assert len(model.calls) == 2 and solution.usage.calls == 2


def test_self_refine_rewrites_until_max_rounds():
    replies = iter(["4", "too small", "6", "still wrong", "8"])
    solution, model = run(SelfRefine(max_rounds=3), AdditionSuite(), lambda m, p: next(replies))
    assert solution.round_completions == ("4", "6", "8")
    assert solution.completion == "8" and solution.stop_reason == "max rounds: 3"
    assert len(model.calls) == 5
    # the rewrite sees the task, its answer and the critique, never a verdict
    rewrite_messages = model.calls[2][0]
    assert [m["role"] for m in rewrite_messages] == ["user", "assistant", "user", "assistant", "user"]
    assert rewrite_messages[3]["content"] == "too small"


def test_self_refine_stops_when_an_answer_repeats():
    replies = iter(["4", "hmm", "6", "hmm", "4"])
    solution, _ = run(SelfRefine(max_rounds=5), AdditionSuite(), lambda m, p: next(replies))
    assert solution.round_completions == ("4", "6", "4")
    assert solution.stop_reason == "answer repeated: round 3"


def test_self_refine_keeps_the_previous_answer_when_the_rewrite_has_none():
    replies = iter(["4", "hmm", "I cannot"])
    solution, _ = run(SelfRefine(), AdditionSuite(), lambda m, p: next(replies))
    assert solution.completion == "4" and solution.rounds == 1
    assert solution.stop_reason.startswith("no answer")


def test_max_rounds_one_is_plain_sampling_and_zero_is_refused():
    solution, model = run(SelfRefine(max_rounds=1), AdditionSuite(), lambda m, p: "4")
    assert len(model.calls) == 1 and solution.stop_reason == "max rounds: 1"
    for strategy in (SelfRefine, SelfDebug, Reflexion):
        with pytest.raises(UserError, match="--max-rounds must be >= 1"):
            strategy(max_rounds=0)


# --- self-debug ----------------------------------------------------------------------------

def test_self_debug_stops_at_round_one_when_the_visible_tests_pass():
    solution, model = run(SelfDebug(), VisibleAdditionSuite(), lambda m, p: "5")
    assert len(model.calls) == 1
    assert solution.stop_reason == "visible tests pass: round 1" and solution.rounds == 1


def test_self_debug_feeds_the_visible_failure_back_and_fixes():
    solution, model = run(SelfDebug(), VisibleAdditionSuite(), lambda m, p: "4" if len(m) == 1 else "5")
    assert solution.round_completions == ("4", "5")
    assert solution.stop_reason == "visible tests pass: round 2"
    repair_request = model.calls[1][0][-1]["content"]
    assert "check(4) returned 'even', expected 'odd'" in repair_request


def test_a_stuck_greedy_repair_is_retried_sampling_then_stops():
    replies = iter(["4", "2", "6"])  # new code each time, but the same visible failure
    suite = VisibleAdditionSuite()
    suite.check_visible = lambda task, answer: Verdict.fail("f(1) returned 0, expected 1")
    solution, model = run(SelfDebug(max_rounds=5), suite, lambda m, p: next(replies))
    assert solution.round_completions == ("4", "2", "6")
    assert solution.stop_reason == "no improvement: round 3 fails the same way"
    assert [p.temperature for _, p in model.calls] == [0.0, 0.0, 0.8]  # the retry is sampled


def test_self_debug_respects_max_rounds_and_repeats():
    replies = iter(["4", "6", "8", "10"])
    solution, model = run(SelfDebug(max_rounds=3), VisibleAdditionSuite(), lambda m, p: next(replies))
    assert solution.round_completions == ("4", "6", "8") and solution.stop_reason == "max rounds: 3"
    replies = iter(["4", "6", "4", "6"])
    solution, model = run(SelfDebug(max_rounds=5), VisibleAdditionSuite(), lambda m, p: next(replies))
    assert solution.stop_reason == "answer repeated: round 4"
    assert len({p.seed for _, p in model.calls[3:]}) == 1 and model.calls[3][1].temperature == 0.8
    replies = iter(["4", "4"])
    solution, _ = run(SelfDebug(max_rounds=5, retry_temperature=0), VisibleAdditionSuite(), lambda m, p: next(replies))
    assert solution.stop_reason == "answer repeated: round 2"


def test_self_debug_and_reflexion_refuse_a_suite_without_visible_tests():
    for strategy in (SelfDebug(), Reflexion()):
        with pytest.raises(UserError, match="suite 'addition' has none"):
            run(strategy, AdditionSuite(), lambda m, p: "4")


def test_self_debug_handles_a_task_without_visible_examples():
    suite = VisibleAdditionSuite()
    suite.check_visible = lambda task, answer: None
    solution, model = run(SelfDebug(), suite, lambda m, p: "4")
    assert len(model.calls) == 1 and solution.stop_reason.startswith("no visible tests")


# --- reflexion -----------------------------------------------------------------------------

def test_reflexion_keeps_its_reflections_in_memory_and_shows_them_on_the_next_trial():
    def respond(messages, params):
        last = messages[-1]["content"]
        if "explain what went wrong" in last:
            return f"lesson {sum('lesson' in m['content'] for m in messages) + 1}"
        trial = last.count("\n1. ") + last.count("\n2. ")
        return ["4", "6", "7"][trial]

    solution, model = run(Reflexion(max_rounds=3), VisibleAdditionSuite(), respond)
    assert solution.round_completions == ("4", "6", "7")
    assert solution.stop_reason == "visible tests pass: trial 3"
    trial_prompts = [m for m, _ in model.calls if len(m) == 1]
    assert len(trial_prompts) == 3  # each trial starts afresh from the task prompt ...
    assert "1. lesson 1" in trial_prompts[1][0]["content"]  # ... with the memory so far
    assert "1. lesson 1" in trial_prompts[2][0]["content"] and "2. lesson" in trial_prompts[2][0]["content"]
    assert solution.usage.calls == 5  # 3 trials + 2 reflections
