import json

import pytest

from ratchet.core import Split
from ratchet.errors import UserError
from ratchet.eval.config import EvalConfig
from ratchet.eval.rundir import RunDir
from ratchet.eval.runner import evaluate
from ratchet.models import SamplingParams, ScriptedModel
from ratchet.solvers import SampleSolver
from tests.toy import AdditionSuite, solve_correctly


def config(**overrides):
    base = dict(suite="addition", model="scripted", split="test", samples=2, k=(1, 2),
                params=SamplingParams(temperature=0.8))
    base.update(overrides)
    return EvalConfig(**base)


def test_evaluate_writes_attempts_and_pass_at_k(tmp_path):
    suite = AdditionSuite()
    result = evaluate(config(), suite, ScriptedModel(solve_correctly), SampleSolver(), RunDir(tmp_path))
    n_test = len(suite.tasks(Split.TEST))
    assert result.summary["pass_at_k"] == {"pass@1": 1.0, "pass@2": 1.0}
    assert result.summary["attempts"] == 2 * n_test
    lines = (tmp_path / "attempts.jsonl").read_text().splitlines()
    assert len(lines) == 2 * n_test
    assert json.loads((tmp_path / "config.json").read_text())["samples"] == 2
    assert result.summary["pass@1_by_difficulty"]


def test_half_right_samples_give_the_unbiased_estimate(tmp_path):
    replies = lambda messages, params: solve_correctly(messages, params) if params.seed == 0 else "0"
    result = evaluate(config(), AdditionSuite(), ScriptedModel(replies), SampleSolver(), RunDir(tmp_path))
    assert result.summary["pass_at_k"]["pass@1"] == pytest.approx(0.5)
    assert result.summary["pass_at_k"]["pass@2"] == pytest.approx(1.0)


def test_answers_cut_off_at_the_token_limit_are_counted(tmp_path):
    replies = lambda messages, params: "so " * 50 + solve_correctly(messages, params) if params.seed == 0 \
        else solve_correctly(messages, params)
    result = evaluate(config(params=SamplingParams(temperature=0.8, max_tokens=20)), AdditionSuite(),
                      ScriptedModel(replies), SampleSolver(), RunDir(tmp_path))
    assert result.summary["cut_off"] == result.summary["attempts"] // 2  # sample 0 of every task
    assert result.summary["pass_at_k"]["pass@1"] == pytest.approx(0.5)


def test_a_killed_run_resumes_without_redoing_or_duplicating(tmp_path):
    suite = AdditionSuite()
    run = RunDir(tmp_path)
    evaluate(config(limit=3), suite, ScriptedModel(solve_correctly), SampleSolver(), run)
    # simulate a kill mid-write: a torn last line
    with open(run.attempts_path, "a") as handle:
        handle.write('{"task_id": "add/')
    model = ScriptedModel(solve_correctly)
    result = evaluate(config(limit=5), suite, model, SampleSolver(), run)
    assert len(model.calls) == 2 * 2  # only the two new tasks, two samples each
    assert result.summary["attempts"] == 10 and result.summary["resumed_attempts"] == 6
    keys = [(a.task_id, a.sample) for a in run.load_attempts()]
    assert len(keys) == len(set(keys)) == 10


def test_a_run_directory_refuses_another_configuration(tmp_path):
    suite = AdditionSuite()
    evaluate(config(limit=1), suite, ScriptedModel(solve_correctly), SampleSolver(), RunDir(tmp_path))
    with pytest.raises(UserError):
        evaluate(config(limit=1, samples=3, k=(1,)), suite, ScriptedModel(solve_correctly),
                 SampleSolver(), RunDir(tmp_path))


def test_invalid_k_is_a_user_error():
    with pytest.raises(UserError, match="-k 5"):
        config(samples=2, k=(1, 5))
