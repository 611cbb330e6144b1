"""TT-SI / TT-D with scripted models: the gate, the reset hash check, the bookkeeping, fallbacks."""

from __future__ import annotations

import json
import re

import pytest

from ratchet.core import Split
from ratchet.errors import BackendError, UserError
from ratchet.eval.config import EvalConfig
from ratchet.eval.rundir import RunDir
from ratchet.eval.runner import evaluate
from ratchet.models import ScriptedModel, SamplingParams
from ratchet.solvers.registry import check_solver, make_solver, solver_spec
from ratchet.suites.toolcall import ToolCallSuite
from ratchet.ttt import ResetError, ScriptedSession, TestTimeDistillation, TestTimeSelfImprovement
from ratchet.ttt.augment import first_line, rewrite_prompt
from ratchet.ttt.report import item_records_of, summarise_items

SUITE = ToolCallSuite(per_function=2)
TASKS = SUITE.tasks(Split.TEST)[:4]
WRONG = '{"name": "nothing_useful", "arguments": {}}'


def request_of(messages) -> str:
    return messages[-1]["content"].rsplit("Request: ", 1)[-1]


def gold_for(request: str) -> str:
    task = next(t for t in TASKS if t.prompt == request)
    return SUITE.reference_completion(task)


def rewrite(messages, params) -> str:
    """Rewrites 0 and 1 keep the request's meaning (their answers agree), rewrite 2 drifts into
    something the model cannot answer."""
    original = messages[-1]["content"].removeprefix("Request: ")
    index = params.seed % 1000
    return f"{original} (variant {index})" if index < 2 else "something else entirely"


def base_responder(messages, params):
    """The base model: rewrites requests, answers its rewrites right, gets the tests wrong."""
    if messages[0]["content"].startswith("You rewrite"):
        return rewrite(messages, params)
    request = request_of(messages)
    match = re.match(r"(.*) \(variant \d+\)$", request)
    if match:
        return gold_for(match.group(1))
    if request in {t.prompt for t in TASKS}:
        return WRONG
    return "I am not sure"


def adapted_responder(messages, params):
    return gold_for(request_of(messages))


def flat(messages, candidates):
    return [(-1.0, 1)] * len(candidates)  # every candidate equally likely: margin 0, unsure


def peaked(messages, candidates):
    return [(-0.01, 1)] + [(-9.0, 1)] * (len(candidates) - 1)  # one candidate dominates: sure


def run(solver, tmp_path, model=None, n_tasks=4):
    config = EvalConfig(suite="toolcall", model="scripted", split="test", limit=n_tasks, solver=solver_spec(solver),
                        params=SamplingParams(max_tokens=64))
    suite = ToolCallSuite(per_function=2)
    return evaluate(config, suite, model or ScriptedModel(base_responder), solver, RunDir(tmp_path))


def test_uncertain_inputs_are_adapted_and_reset(tmp_path):
    session = ScriptedSession(adapted=ScriptedModel(adapted_responder))
    solver = TestTimeSelfImprovement(tau=0.5, k=3).with_parts(session=session, scorer=flat)
    result = run(solver, tmp_path)
    assert all(a.passed for a in result.attempts)  # the adapted model answers
    assert all(not a.round_verdicts[0].passed for a in result.attempts)  # the base did not
    assert len(session.trained_on) == 4
    assert all(len(examples) == 2 for examples in session.trained_on)  # the unreadable one dropped
    assert session.digest() == session.initial_digest
    summary = summarise_items(result.attempts)
    assert summary["outcomes"] == {"certain": 0, "adapted": 4, "unadapted": 0}
    assert summary["training_samples"] == 8 and summary["wrong_to_right"] == 4
    # 4 of 4 gained against the base answers: +100 points, Newcombe, McNemar p = 2 / 2**4
    assert summary["vs_base"]["difference"]["estimate"] == 1.0 and summary["vs_base"]["p_value"] == 0.125
    # Newcombe's interval excludes 0, but the exact test does not reject: too small to decide
    assert summary["vs_base"]["difference"]["low"] > 0 and summary["vs_base"]["verdict"] == "n too small to decide"
    assert summary["accuracy_interval"]["method"] == "wilson"
    record = item_records_of(result.attempts)[0]
    assert record["written"] == 3 and record["kept"] == 2 and record["dropped"] == {"inconsistent answers": 1}


def test_certain_inputs_are_answered_directly(tmp_path):
    session = ScriptedSession(adapted=ScriptedModel(adapted_responder))
    solver = TestTimeSelfImprovement(tau=0.5).with_parts(session=session, scorer=peaked)
    result = run(solver, tmp_path)
    assert session.trained_on == []
    assert all(not a.passed and a.solution.rounds == 1 for a in result.attempts)
    assert summarise_items(result.attempts)["outcomes"]["certain"] == 4


def test_the_threshold_splits_inputs(tmp_path):
    def mixed(messages, candidates):  # the first two test requests are unsure, the rest sure
        return flat(messages, candidates) if request_of(messages) in {t.prompt for t in TASKS[:2]} else peaked(messages, candidates)

    session = ScriptedSession(adapted=ScriptedModel(adapted_responder))
    result = run(TestTimeSelfImprovement(tau=0.3).with_parts(session=session, scorer=mixed), tmp_path)
    outcomes = {r["task_id"]: r["outcome"] for r in item_records_of(result.attempts)}
    assert outcomes == {t.id: "adapted" if i < 2 else "certain" for i, t in enumerate(TASKS)}
    assert all(r["confidence"] < 0.3 for r in item_records_of(result.attempts) if r["outcome"] == "adapted")


def test_a_failed_reset_is_caught_by_the_hash(tmp_path):
    session = ScriptedSession(adapted=ScriptedModel(adapted_responder), forget_to_reset=True)
    solver = TestTimeSelfImprovement().with_parts(session=session, scorer=flat)
    with pytest.raises(ResetError, match="weights changed"):
        run(solver, tmp_path, n_tasks=1)


def test_no_kept_example_means_the_base_answer(tmp_path):
    def inconsistent(messages, params):
        if messages[0]["content"].startswith("You rewrite"):
            return rewrite(messages, params)
        return WRONG if params.temperature == 0 else "I am not sure"  # never agrees with itself

    session = ScriptedSession(adapted=ScriptedModel(adapted_responder))
    solver = TestTimeSelfImprovement(k=3, checks=3).with_parts(session=session, scorer=flat)
    result = run(solver, tmp_path, model=ScriptedModel(inconsistent), n_tasks=2)
    assert session.trained_on == []
    record = item_records_of(result.attempts)[0]
    assert record["outcome"] == "unadapted" and record["dropped"] == {"inconsistent answers": 3}


class FailingTeacher(ScriptedModel):
    """A teacher endpoint that answers `works` calls, then fails as a dead server does."""

    def __init__(self, works: int) -> None:
        super().__init__(base_responder, name="teacher")
        self.works = works

    def complete(self, messages, params):
        if len(self.calls) >= self.works:
            self.calls.append((list(messages), params))
            raise BackendError("http://teacher/v1: APIConnectionError: connection refused", retryable=True)
        return super().complete(messages, params)


@pytest.mark.parametrize("fallback, outcome", [("tt-si", "adapted"), ("base", "unadapted")])
def test_a_teacher_failing_mid_run_falls_back_and_is_counted(tmp_path, fallback, outcome):
    teacher = FailingTeacher(works=9)  # enough for the first input only
    session = ScriptedSession(adapted=ScriptedModel(adapted_responder))
    solver = TestTimeDistillation(k=3, fallback=fallback).with_parts(session=session, teacher=teacher, scorer=flat)
    result = run(solver, tmp_path, n_tasks=3)
    records = sorted(item_records_of(result.attempts), key=lambda r: "fallback" in r)
    assert records[0]["writer"] == "teacher" and "fallback" not in records[0]
    assert all(r["outcome"] == outcome for r in records[1:])
    summary = summarise_items(result.attempts)
    assert summary["teacher_fallbacks"] == {fallback: 2}


def test_options_and_bad_input():
    solver = make_solver("tt-si", tau="0.3", k="2")
    assert solver_spec(solver) == "tt-si:tau=0.3,k=2"
    assert solver_spec(make_solver("tt-d:teacher=http://x/v1#big")) == "tt-d:teacher=http://x/v1#big"
    with pytest.raises(UserError, match="between 0 and 1"):
        make_solver("tt-si", tau=1.5)
    with pytest.raises(UserError, match="between 0 and 1"):
        make_solver("tt-d", tau=-0.1)
    with pytest.raises(UserError, match="gate"):
        make_solver("tt-si", gate="vibes")
    with pytest.raises(UserError, match="fallback"):
        make_solver("tt-d", fallback="pray")


def test_a_backend_without_logprobs_is_refused_for_margin_mode():
    model = ScriptedModel(base_responder)
    model.supports_logprobs = False
    for spec in ("tt-si", "tt-si:gate=logprob"):
        with pytest.raises(UserError, match="llama.cpp in process.*vLLM"):
            check_solver(make_solver(spec), SUITE, model)
    check_solver(make_solver("tt-si:gate=agreement").with_parts(session=ScriptedSession(adapted=model)), SUITE, model)


def test_an_endpoint_cannot_be_adapted():
    with pytest.raises(UserError, match="local GGUF model"):
        check_solver(make_solver("tt-si"), SUITE, ScriptedModel(base_responder))


def test_the_rewrite_prompt_shows_demonstrations_then_the_input():
    messages = rewrite_prompt(TASKS[0])
    assert messages[0]["content"].startswith("You rewrite a user's request")
    assert messages[-1]["content"] == f"Request: {TASKS[0].prompt}"
    assert [m["role"] for m in messages[1:]] == ["user", "assistant", "user", "assistant", "user"]
    assert first_line('\n "Book a table for two."\nMore text') == "Book a table for two."
