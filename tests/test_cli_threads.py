"""`--threads` reaches llama.cpp on every command that loads a local model, and its default
leaves a core free (1 thread on a 2-core machine)."""

from __future__ import annotations

import pytest

from ratchet.cli.common import default_threads
from ratchet.cli.main import run
from ratchet.models import ScriptedModel
from tests.toy import AdditionSuite, solve_correctly


@pytest.fixture
def loaded(monkeypatch, tmp_path):
    from ratchet.models import loading
    from ratchet.suites import registry

    seen: list[dict] = []

    def load_model(name, **kwargs):
        seen.append(kwargs)
        return ScriptedModel(solve_correctly)

    monkeypatch.setitem(registry.SUITES, "addition", lambda: AdditionSuite(20))
    monkeypatch.setattr(loading, "load_model", load_model)
    monkeypatch.setenv("RATCHET_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    return seen


@pytest.mark.parametrize("command", [
    ["eval", "--suite", "addition", "--model", "m", "--limit", "2"],
    ["compare", "--suite", "addition", "--model", "m", "--limit", "2", "--strategies", "sample"],
    ["improve", "--suite", "addition", "--model", "m", "--checkpoints", "1", "--base-samples", "1",
     "--train-limit", "2", "--dev-limit", "2", "--test-limit", "2"],
])
def test_threads_reach_the_model_loader(loaded, command):
    assert run([*command, "--threads", "3"]) == 0
    assert loaded[-1]["n_threads"] == 3
    assert run([*command, "--runs", "other"]) == 0
    assert loaded[-1]["n_threads"] == default_threads()


def test_the_default_leaves_a_core_free(monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    assert default_threads() == 1
    monkeypatch.setattr("os.cpu_count", lambda: 1)
    assert default_threads() == 1
    monkeypatch.setattr("os.cpu_count", lambda: 16)
    assert default_threads() == 15
