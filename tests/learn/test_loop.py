"""The self-training loop's control flow with a scripted model stack: phases, the ratchet gate,
resumption, the single read of the test split, and the bad-input errors."""

from __future__ import annotations

import json

import pytest

from ratchet.errors import UserError
from ratchet.learn.loop import ImproveConfig, RunState, improve

from .fakes import GoldAdditionSuite, ScriptedBackend


def config(method="rest-em", **overrides) -> ImproveConfig:
    values = dict(method=method, suite="addition", model="scripted", iterations=2, train_limit=None,
                  dev_limit=None, test_limit=None, samples=2, min_examples=2, max_tokens=32)
    values.update(overrides)
    return ImproveConfig(**values)


def test_a_better_candidate_replaces_the_incumbent_and_a_worse_one_never_does(tmp_path):
    suite = GoldAdditionSuite(n=100)
    backend = ScriptedBackend(base_quality=0.3, qualities=[0.9, 0.2])
    report = improve(config(), suite, backend, tmp_path)
    first, second = report["iterations"][1], report["iterations"][2]
    assert first["accepted"] and first["dev"] > first["dev_incumbent"] and first["p_value"] < 0.05
    assert not second["accepted"] and second["dev"] < second["dev_incumbent"]
    assert second["incumbent_before"] == "iter-01"
    assert report["final_incumbent"] == "iter-01"
    assert json.loads((tmp_path / "incumbent.json").read_text())["label"] == "iter-01"
    assert report["iterations"][0]["test"] == pytest.approx(0.3, abs=0.1) and first["test"] == pytest.approx(0.9, abs=0.1)
    assert first["reason"].startswith("better on dev") and report["final_vs_base_on_test"]["reason"].startswith("better on test")
    # intervals in the report: the gate's difference and the tasks it needs for 80% power
    assert first["verdict"] == "better" and first["dev_difference"]["low"] > 0 and first["tasks_needed"] < 100
    assert second["tasks_needed"] is None and first["dev_interval"]["method"] == "wilson"
    markdown = (tmp_path / "report.md").read_text()
    assert "iteration 1: Δ = +" in markdown and "dev tasks needed for 80% power" in markdown
    assert "Final vs base on test: " in markdown and "(one-sided mcnemar): better" in markdown


def test_train_improve_prints_intervals_and_the_tasks_the_gate_needs(tmp_path, capsys):
    from ratchet.cli.train_cmd import print_report

    print_report(improve(config(iterations=1), GoldAdditionSuite(n=100), ScriptedBackend(0.3, [0.9]), tmp_path))
    out = capsys.readouterr().out
    assert "gate, iteration 1: Δ = +" in out and "dev tasks needed for 80% power" in out


@pytest.mark.parametrize("worse", [0.0, 0.1, 0.3])
def test_the_gate_never_accepts_a_candidate_no_better_than_the_incumbent(tmp_path, worse):
    backend = ScriptedBackend(base_quality=0.3, qualities=[worse, worse])
    report = improve(config(gate_level=0.99), GoldAdditionSuite(n=100), backend, tmp_path)
    assert not any(row.get("accepted") for row in report["iterations"][1:])
    assert report["final_incumbent"] == "base"


def test_restart_trains_from_the_base_and_continue_from_the_incumbent(tmp_path):
    restart = ScriptedBackend(0.3, [0.9, 0.95])
    improve(config(restart=True), GoldAdditionSuite(n=100), restart, tmp_path / "restart")
    assert [fit["init"] for fit in restart.fits] == [None, None]
    cont = ScriptedBackend(0.3, [0.9, 0.95])
    improve(config(restart=False), GoldAdditionSuite(n=100), cont, tmp_path / "continue")
    assert cont.fits[0]["init"] is None and cont.fits[1]["init"].label == "adapter"


def test_training_reports_its_optimiser_steps_as_progress(tmp_path):
    events = []
    improve(config(iterations=1), GoldAdditionSuite(n=40), ScriptedBackend(0.3, [0.9]), tmp_path,
            progress=lambda phase, done, total: events.append((phase, done, total)))
    train = [(done, total) for phase, done, total in events if phase.startswith("iteration 1: train (")]
    assert train[0] == (0, 1) and train[1:] == [(1, 3), (2, 3), (3, 3), (3, 3)]


def test_accumulate_keeps_earlier_data_and_replace_does_not(tmp_path):
    replace = ScriptedBackend(0.5, [0.5, 0.5])
    improve(config(data_mode="replace"), GoldAdditionSuite(n=100), replace, tmp_path / "r")
    accumulate = ScriptedBackend(0.5, [0.5, 0.5])
    improve(config(data_mode="accumulate"), GoldAdditionSuite(n=100), accumulate, tmp_path / "a")
    assert accumulate.fits[1]["examples"] == accumulate.fits[0]["examples"] + replace.fits[1]["examples"]


def test_a_resumed_run_redoes_nothing_and_the_test_split_is_read_once(tmp_path):
    suite = GoldAdditionSuite(n=100)
    backend = ScriptedBackend(0.3, [0.9, 0.2, 0.95])
    improve(config(), suite, backend, tmp_path)
    calls = suite.verify_calls
    again = improve(config(), suite, backend, tmp_path)
    assert len(backend.fits) == 2 and suite.verify_calls == calls
    assert again["test_read"]
    with pytest.raises(UserError, match="already read the test split"):
        improve(config(iterations=3), suite, backend, tmp_path)


def test_a_killed_run_resumes_after_its_last_finished_phase(tmp_path):
    suite = GoldAdditionSuite(n=100)
    backend = ScriptedBackend(0.3, [0.9])
    improve(config(iterations=1), suite, backend, tmp_path)
    state = RunState(tmp_path)
    (state.iteration_dir(1) / "gate.json").unlink()  # as if killed while gating
    (tmp_path / "test.json").unlink()
    improve(config(iterations=1), suite, backend, tmp_path)
    assert len(backend.fits) == 1  # the adapter on disk was reused, not retrained
    assert state.gate_record(1)["decision"]["accept"]


def test_another_configuration_in_the_same_directory_is_refused(tmp_path):
    improve(config(iterations=1), GoldAdditionSuite(n=100), ScriptedBackend(0.3, [0.9]), tmp_path)
    with pytest.raises(UserError, match="another configuration"):
        improve(config(iterations=1, samples=3), GoldAdditionSuite(n=100), ScriptedBackend(0.3, [0.9]), tmp_path)


def test_too_little_verified_data_says_how_much_was_found_and_needed(tmp_path):
    backend = ScriptedBackend(0.0, [0.5])
    with pytest.raises(UserError) as error:
        improve(config(min_examples=5), GoldAdditionSuite(n=100), backend, tmp_path)
    assert "found 0 verified examples" in str(error.value) and "need at least 5" in str(error.value)
    assert backend.fits == []


def test_star_rationalises_failures_with_the_gold_hint(tmp_path):
    backend = ScriptedBackend(0.3, [0.9])
    improve(config("star", iterations=1, samples=None), GoldAdditionSuite(n=100), backend, tmp_path)
    kinds = backend.fits[0]["kinds"]
    assert kinds["verified"] > 0 and kinds["star-rationale"] > 0
    data = json.loads((tmp_path / "iter-01" / "data.json").read_text())
    assert all("Hint" not in e["prompt"][-1]["content"] for e in data["examples"])


def test_dpo_trains_on_verified_pairs_and_self_rewarding_on_judge_pairs(tmp_path):
    dpo = ScriptedBackend(0.5, [0.9])
    improve(config("dpo", iterations=1, samples=4), GoldAdditionSuite(n=100), dpo, tmp_path / "dpo")
    assert dpo.fits[0]["objective"] == "dpo" and set(dpo.fits[0]["kinds"]) == {"verified-pair"}
    judged = ScriptedBackend(0.5, [0.9])
    report = improve(config("self-rewarding", iterations=1, samples=4, judge="naive"),
                     GoldAdditionSuite(n=100), judged, tmp_path / "sr")
    assert judged.fits[0]["objective"] == "dpo" and set(judged.fits[0]["kinds"]) == {"judge-pair"}
    assert "judge_verifier_agreement" in report["iterations"][1]["monitors"]


def test_the_run_trains_with_the_learning_rate_it_records(tmp_path):
    from ratchet.learn.train.config import TrainConfig

    for method, given, expected in (("dpo", None, 5e-5), ("rest-em", None, 2e-4), ("dpo", 1e-3, 1e-3)):
        backend, run_dir = ScriptedBackend(0.5, [0.9]), tmp_path / f"{method}-{given}"
        improve(config(method, iterations=1, samples=4, train=TrainConfig(learning_rate=given)),
                GoldAdditionSuite(n=100), backend, run_dir)
        recorded = json.loads((run_dir / "config.json").read_text())["train"]["learning_rate"]
        assert backend.fits[0]["learning_rate"] == recorded == expected


def test_monitors_report_diversity_and_right_to_wrong(tmp_path):
    report = improve(config(), GoldAdditionSuite(n=100), ScriptedBackend(0.5, [0.9, 0.2]), tmp_path)
    second = report["iterations"][2]["monitors"]
    assert second["distinct_answers_per_task"] is not None and second["distinct_bigrams"] > 0
    assert "train_right_to_wrong_rate" in second
    assert (tmp_path / "report.md").read_text().startswith("# Self-training: rest-em")
    assert (tmp_path / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bad_configuration_is_a_user_error():
    with pytest.raises(UserError, match="did you mean 'star'"):
        ImproveConfig(method="stra")
    with pytest.raises(UserError, match="at least 2 samples"):
        ImproveConfig(method="dpo", samples=1)
