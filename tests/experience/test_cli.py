"""`ratchet improve`, `ratchet experience …` and `ratchet eval --exemplars`, in process with a
scripted model; bad input is one line and exit code 2."""

from __future__ import annotations

import json

import pytest

from ratchet.cli.main import main
from ratchet.experience import ExperienceStore
from ratchet.models import ScriptedModel

from tests.experience.helpers import make_experience
from tests.toy import AdditionSuite, solve_correctly


@pytest.fixture
def scripted(monkeypatch):
    """`--suite addition --model scripted` resolve to the toy suite and a scripted model."""
    from ratchet.models import loading
    from ratchet.suites import registry

    monkeypatch.setitem(registry.SUITES, "addition", lambda: AdditionSuite(40))
    monkeypatch.setattr(loading, "load_model", lambda name, **kwargs: ScriptedModel(solve_correctly))


def one_line_error(capsys, argv, expected):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    err = capsys.readouterr().err
    lines = [line for line in err.strip().splitlines() if line.strip()]
    assert exit_.value.code == 2 and len(lines) == 1 and expected in err, err


def test_improve_writes_a_report_and_a_database_that_eval_can_use(scripted, tmp_path, capsys):
    run_dir = tmp_path / "run"
    main(["improve", "--suite", "addition", "--model", "scripted", "--curation", "db,exemplar",
          "--population", "2", "--checkpoints", "2", "--run-dir", str(run_dir)])
    out = capsys.readouterr().out
    assert "Traj-Bootstrap" in out and "report.html" in out
    for name in ("report.html", "growth.png", "result.json", "database.sqlite", "config.json"):
        assert (run_dir / name).exists(), name
    result = json.loads((run_dir / "result.json").read_text())
    assert result["config"]["curation"] == ["db", "exemplar"] and result["decision"]["kept"] is False
    main(["eval", "--suite", "addition", "--model", "scripted", "--exemplars", str(run_dir / "database.sqlite"),
          "--runs", str(tmp_path / "runs")])
    attempts = [json.loads(line) for line in next((tmp_path / "runs").glob("*/attempts.jsonl")).open()]
    assert attempts and all(len(a["exemplar_ids"]) == 3 for a in attempts)
    config = json.loads(next((tmp_path / "runs").glob("*/config.json")).read_text())
    assert config["exemplars"] == str(run_dir / "database.sqlite")


def test_improve_reads_test_once_unless_the_curve_opts_in(scripted, tmp_path, capsys):
    for flags, seen in (([], False), (["--curve-on-test"], True)):
        run_dir = tmp_path / f"run-{seen}"
        main(["improve", "--suite", "addition", "--model", "scripted", "--checkpoints", "2",
              "--run-dir", str(run_dir), *flags])
        result = json.loads((run_dir / "result.json").read_text())
        assert result["test_seen"] is seen and result["config"]["curve_on_test"] is seen
        phases = [r["phase"] for r in result["test_reads"]]
        assert phases.count("checkpoint") == (2 if seen else 0) and phases.count("final") == 3
    capsys.readouterr()


def test_experience_commands(tmp_path, capsys):
    store_path = tmp_path / "store.sqlite"
    with ExperienceStore.open(store_path) as store:
        store.add([make_experience(i, passed=i % 2 == 0) for i in range(6)])
    main(["experience", "stats", str(store_path)])
    assert "default" in capsys.readouterr().out
    main(["experience", "ls", str(store_path), "--passed"])
    assert capsys.readouterr().out.count("✓") == 3
    main(["experience", "show", str(store_path), make_experience(2).id[:8]])
    out = capsys.readouterr().out
    assert "Problem 2 about" in out and "run: r" in out
    main(["experience", "export", str(store_path), str(tmp_path / "out.jsonl")])
    main(["experience", "import", str(tmp_path / "copy.sqlite"), str(tmp_path / "out.jsonl")])
    main(["experience", "import", str(tmp_path / "copy.sqlite"), str(tmp_path / "out.jsonl")])
    out = capsys.readouterr().out
    assert "6 new experiences" in out and "0 new experiences" in out
    main(["experience", "diff", str(store_path), str(tmp_path / "copy.sqlite")])
    assert "in both 3" in capsys.readouterr().out


def test_bad_input_is_one_line(scripted, tmp_path, capsys):
    not_a_store = tmp_path / "notes.txt"
    not_a_store.write_text("just text")
    one_line_error(capsys, ["experience", "stats", str(not_a_store)], "is not an experience store")
    one_line_error(capsys, ["experience", "ls", str(tmp_path / "missing.sqlite")], "no experience store at")
    empty = tmp_path / "empty.sqlite"
    ExperienceStore.open(empty).close()
    one_line_error(capsys, ["eval", "--suite", "addition", "--model", "scripted", "--exemplars", str(empty)],
                   "holds no successful trajectory for suite 'addition'")
    one_line_error(capsys, ["improve", "--suite", "addition", "--curation", "dbb"], "unknown curation 'dbb'")
    one_line_error(capsys, ["improve", "--method", "traj-bootstrapp"], "did you mean 'traj-bootstrap'")
