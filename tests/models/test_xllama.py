"""The batched engine without a model: how it is chosen, its bad inputs, and how it reads the
embedded server's answers (real decoding: tests/integration/test_xllama_real.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ratchet.errors import BackendError, MissingExtraError, UserError
from ratchet.models.loading import load_model
from ratchet.models.base import openai_logprobs as _logprobs
from ratchet.models.xllama import _first_choice, _xllamacpp, check_slots


def test_slot_counts_outside_one_to_64_are_refused():
    assert check_slots(1) == 1 and check_slots(64) == 64
    for bad in (0, 65):
        with pytest.raises(UserError, match="--slots must be between 1 and 64"):
            check_slots(bad)


def test_slots_with_an_endpoint_is_a_user_error_before_any_request():
    with pytest.raises(UserError, match="--slots is for a model in process"):
        load_model("anything", base_url="http://127.0.0.1:9/v1", slots=2)


def test_a_missing_xllamacpp_names_the_pip_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "xllamacpp", None)
    with pytest.raises(MissingExtraError, match=r"pip install xllamacpp"):
        _xllamacpp()


def test_a_context_overflow_names_the_slot_size_and_is_not_retryable():
    response = {"error": {"code": 400, "type": "exceed_context_size_error",
                          "message": "request (431 tokens) exceeds the available context size (256 tokens)"}}
    with pytest.raises(BackendError, match=r"431 tokens.*each slot holds 256 tokens: raise n_ctx") as raised:
        _first_choice(response, 256)
    assert not raised.value.retryable


def test_an_answer_without_choices_is_retryable():
    with pytest.raises(BackendError) as raised:
        _first_choice({"choices": []}, 256)
    assert raised.value.retryable


def test_logprobs_keep_only_the_alternatives_asked_for():
    data = {"content": [{"token": "a", "logprob": -0.1,
                         "top_logprobs": [{"token": "a", "logprob": -0.1}, {"token": "b", "logprob": -2.0}]}]}
    assert _logprobs(data, 0)[0].top == ()
    assert _logprobs(data, 1)[0].top == (("a", -0.1),)
    assert _logprobs(None, 2) is None


@pytest.mark.parametrize("args,expected", [
    (["eval", "--slots", "0"], "Invalid value for '--slots'"),
    (["eval", "--base-url", "http://127.0.0.1:9/v1", "--model", "x", "--slots", "2"], "--slots is for a model in process"),
    (["compare", "--slots", "65"], "Invalid value for '--slots'"),
])
def test_bad_slot_options_are_one_line_errors(args, expected):
    result = subprocess.run([sys.executable, "-m", "ratchet.cli.main", *args], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and expected in lines[0], result.stderr


@pytest.mark.parametrize("command", [
    ["eval", "--suite", "addition", "--model", "m", "--limit", "2"],
    ["compare", "--suite", "addition", "--model", "m", "--limit", "2", "--strategies", "sample"],
    ["improve", "--suite", "addition", "--model", "m", "--checkpoints", "1", "--base-samples", "1",
     "--train-limit", "2", "--dev-limit", "2", "--test-limit", "2"],
])
def test_slots_reach_the_model_loader_and_default_to_none(monkeypatch, tmp_path, command):
    from ratchet.cli.main import run
    from ratchet.models import ScriptedModel, loading
    from ratchet.suites import registry
    from tests.toy import AdditionSuite, solve_correctly

    seen: list[dict] = []
    monkeypatch.setitem(registry.SUITES, "addition", lambda: AdditionSuite(20))
    monkeypatch.setattr(loading, "load_model", lambda name, **kwargs: seen.append(kwargs) or ScriptedModel(solve_correctly))
    monkeypatch.setenv("RATCHET_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    assert run([*command, "--slots", "3"]) == 0
    assert seen[-1]["slots"] == 3
    assert run([*command, "--runs", "again"]) == 0
    assert seen[-1]["slots"] is None  # without --slots: llama-cpp-python, as before


def test_a_run_on_the_batched_engine_is_not_resumed_on_the_other(monkeypatch, tmp_path):
    """Their greedy text differs, so --slots names its own run directory, and leaving it out
    names the llama-cpp-python one, as before."""
    from ratchet.cli.main import run
    from ratchet.models import ScriptedModel, loading
    from ratchet.suites import registry
    from tests.toy import AdditionSuite, solve_correctly

    monkeypatch.setitem(registry.SUITES, "addition", lambda: AdditionSuite(20))
    monkeypatch.setattr(loading, "load_model", lambda name, **kwargs: ScriptedModel(solve_correctly))
    monkeypatch.setenv("RATCHET_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    command = ["eval", "--suite", "addition", "--model", "m", "--limit", "2", "--runs", "runs"]
    assert run(command) == 0 and run([*command, "--slots", "2"]) == 0 and run([*command, "--slots", "4"]) == 0
    names = sorted(path.name for path in (tmp_path / "runs").iterdir())
    assert len(names) == 2, names  # one for llama-cpp-python, one for the batched engine (any slot count)
