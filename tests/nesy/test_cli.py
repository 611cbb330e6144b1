"""The CLI: show prints the programs; user mistakes are one-line errors with the fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ratchet.nesy.cli import app

runner = CliRunner()


def one_line_error(result) -> str:  # noqa: ANN001
    assert result.exit_code == 2, result.output
    text = result.output.strip()
    assert "Traceback" not in text and len(text.splitlines()) == 1, text
    return text


def test_show_prints_the_symbol_program_table(scan_model) -> None:  # noqa: ANN001
    _, path, _ = scan_model
    result = runner.invoke(app, ["show", str(path)])
    assert result.exit_code == 0, result.output
    assert "concat([I_TURN_LEFT], x1)" in result.output and "after" in result.output


def test_eval_runs_one_input(scan_model) -> None:  # noqa: ANN001
    _, path, _ = scan_model
    result = runner.invoke(app, ["eval", "--model", str(path), "--input", "walk left twice"])
    assert result.exit_code == 0, result.output
    assert result.output.split() == ["I_TURN_LEFT", "I_WALK", "I_TURN_LEFT", "I_WALK"]


def test_unknown_token_is_a_one_line_error(scan_model) -> None:  # noqa: ANN001
    _, path, _ = scan_model
    text = one_line_error(runner.invoke(app, ["eval", "--model", str(path), "--input", "walk sideways"]))
    assert "'sideways'" in text and "vocabulary" in text


def test_model_from_another_dataset_is_refused(scan_model) -> None:  # noqa: ANN001
    _, path, _ = scan_model
    text = one_line_error(runner.invoke(app, ["eval", "--model", str(path), "--dataset", "pcfg"]))
    assert "trained on 'scan'" in text


def test_unknown_split_for_the_model_suggests_one(scan_model) -> None:  # noqa: ANN001
    _, path, _ = scan_model
    text = one_line_error(runner.invoke(app, ["eval", "--model", str(path), "--split", "lenght"]))
    assert "did you mean 'length'" in text


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--dataset", "scna", "--split", "simple"], "did you mean 'scan'"),
        (["--dataset", "scan", "--split", "add_jump"], "choose one of"),
    ],
)
def test_train_rejects_unknown_names(args: list[str], fragment: str, tmp_path: Path) -> None:
    text = one_line_error(runner.invoke(app, ["train", *args, "--out", str(tmp_path)]))
    assert fragment in text


def test_missing_or_foreign_model_file(tmp_path: Path) -> None:
    text = one_line_error(runner.invoke(app, ["show", str(tmp_path / "nope.pt")]))
    assert "no NSR model" in text
    junk = tmp_path / "junk.pt"
    junk.write_text("not a model")
    assert "not an NSR model" in one_line_error(runner.invoke(app, ["show", str(junk)]))


def test_the_report_records_the_single_read_of_test_and_the_dev_score(scan_model) -> None:  # noqa: ANN001
    from ratchet.nesy.report import report_dict

    model, _, split = scan_model
    test = model.evaluate(split.test[:50])
    dev = model.evaluate(split.train[:20])
    report = report_dict(model, {"simple": test}, dev)
    assert report["test_reads"] == [{"split": "simple", "examples": 50, "when": "after learning"}]
    assert report["dev_accuracy"] == round(dev.accuracy, 4)
    assert report_dict(model, {"simple": test})["dev_accuracy"] is None
    assert report["accuracy_interval"]["simple"]["n"] == 50 and report["dev_interval"]["n"] == 20
    assert report["accuracy_interval"]["simple"]["low"] <= round(test.accuracy, 4) <= report["accuracy_interval"]["simple"]["high"]


def test_printed_accuracies_carry_their_wilson_interval() -> None:
    from types import SimpleNamespace

    from ratchet.nesy.cli import _interval

    assert _interval(SimpleNamespace(correct=5, total=10)) == "[95%: 23.7, 76.3]"
