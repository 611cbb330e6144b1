"""`ratchet train` / `ratchet judge` bad input: one line on stderr, exit code 2, no traceback."""

from __future__ import annotations

import json

import pytest

from tests.test_cli_errors import run


def make_artifact(path, base_sha="a" * 64):
    path.mkdir()
    (path / "ratchet_adapter.json").write_text(json.dumps({
        "base_name": "qwen2.5-coder-0.5b-instruct", "base_sha256": base_sha, "method": "star"}))
    return path


@pytest.mark.parametrize("args,expected", [
    (["train", "improve", "--method", "stra"], "did you mean 'star'"),
    (["train", "improve", "--method", "dpo", "--samples", "1"], "at least 2 samples"),
    (["train", "improve", "--data", "keep"], "replace or accumulate"),
    (["train", "improve", "--rank", "0"], "Invalid value for '--rank'"),
    (["improve", "--method", "dpo", "--samples", "1"], "at least 2 samples"),  # routed to train improve
    (["improve", "--method=rest-em", "--data", "keep"], "replace or accumulate"),
    (["improve", "--method", "stra"], "did you mean 'star'"),
    (["train", "show", "/nonexistent"], "is not an adapter artifact"),
    (["train", "report", "/nonexistent"], "is not a self-training run directory"),
    (["judge", "compare", "/nonexistent"], "is not a run directory"),
])
def test_user_mistakes_are_one_line_errors(args, expected):
    result = run(*args)
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    assert "Traceback" not in result.stderr and len(lines) == 1 and expected in lines[0], result.stderr


def test_show_prints_an_artifact(tmp_path):
    artifact = make_artifact(tmp_path / "adapter")
    result = run("train", "show", str(artifact))
    assert result.returncode == 0 and '"method": "star"' in result.stdout


def test_improve_routes_weight_methods_to_train_improve():
    from ratchet.cli.main import route

    assert route(["improve", "--method", "star", "--iterations", "2"]) == ["train", "improve", "--method", "star", "--iterations", "2"]
    assert route(["improve", "--suite", "gsm", "--method=dpo"])[:2] == ["train", "improve"]
    assert route(["improve", "--method", "traj-bootstrap"]) == ["improve", "--method", "traj-bootstrap"]
    assert route(["eval", "--method", "star"]) == ["eval", "--method", "star"]
    result = run("improve", "--method", "star", "--help")
    assert result.returncode == 0 and "--rationalise" in result.stdout


def test_dpo_gets_its_own_learning_rate_unless_one_is_given():
    from ratchet.learn.loop import OBJECTIVE
    from ratchet.learn.train.config import TrainConfig, learning_rate_for

    assert [learning_rate_for(OBJECTIVE[m]) for m in ("star", "rest-em", "dpo", "self-rewarding")] == [2e-4, 2e-4, 5e-5, 5e-5]
    assert learning_rate_for("dpo", 1e-3) == 1e-3
    assert TrainConfig().for_objective("dpo").learning_rate == 5e-5
    assert TrainConfig(learning_rate=1e-3).for_objective("dpo").learning_rate == 1e-3
    result = run("train", "improve", "--help")
    assert result.returncode == 0 and "5e-5 for DPO" in " ".join(result.stdout.split())
