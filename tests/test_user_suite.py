"""A user's own suite works the first time: `ratchet suites` lists it (and never fails for a
missing extra), a file may give its own splits, editing the verifier re-judges every answer (the
cached responses are reused), and a run stopped by a full disk completes when rerun."""

from __future__ import annotations

import errno
import json
import os

import pytest

from ratchet.cli.main import run
from ratchet.errors import MissingExtraError
from ratchet.suites import JsonlSuite
from tests.fake_openai import fake_openai_server

TASKS = [{"id": f"q{i}", "prompt": f"What is {i} + 1?", "answer": i + 1, "split": "test"} for i in range(4)]
SPLIT_TASKS = [{"id": f"r{i}", "prompt": f"What is {i} + 1?", "answer": i + 1, "split": split}
               for i, split in enumerate(["train", "train", "dev", "test"])]
SUITE = '''
from pathlib import Path
from ratchet.suites import JsonlSuite

def verify(answer, gold):
    return {body}

suite = JsonlSuite(Path(__file__).with_name("tasks.jsonl"), verify=verify)
'''


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("RATCHET_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tasks.jsonl").write_text("".join(json.dumps(t) + "\n" for t in TASKS))
    return tmp_path


def test_suites_lists_a_missing_extra_with_its_pip_command(monkeypatch, capsys):
    from ratchet.suites import registry
    from tests.toy import AdditionSuite

    def needs_envs():
        raise MissingExtraError("the textworld suite", "envs")

    monkeypatch.setattr(registry, "SUITES", {"addition": lambda: AdditionSuite(10), "textworld": needs_envs})
    assert run(["suites"]) == 0
    out = capsys.readouterr().out
    assert 'pip install "ratchet-ai[envs]"' in " ".join(out.split()).replace("│ │", "")  # markup kept
    assert "addition" in out


def test_suites_shows_a_files_own_splits(home, capsys):
    rows = [{**t, "split": split} for t, split in zip(TASKS, ["train", "dev", "test", "test"])]
    (home / "mine.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    suite = JsonlSuite(home / "mine.jsonl")
    assert [t.id for t in suite.tasks("train")] == ["q0"] and [t.id for t in suite.tasks("test")] == ["q2", "q3"]
    assert run(["suites", "mine.jsonl"]) == 0
    out = capsys.readouterr().out
    assert "mine.jsonl" in out and "splits from the file" in out
    row = next(line for line in out.splitlines() if "mine.jsonl" in line)
    assert [cell.strip() for cell in row.split("│")[2:5]] == ["1", "1", "2"]


def run_dirs(home):
    return sorted(p for p in (home / "runs").iterdir() if p.is_dir())


def test_an_edited_verifier_rejudges_and_reuses_the_cached_responses(home):
    with fake_openai_server() as url:
        command = ["eval", "--suite", "suite.py", "--model", "fake", "--base-url", f"{url}/ok/v1", "--runs", "runs"]
        (home / "suite.py").write_text(SUITE.format(body="True  # accepts anything"))
        assert run(command) == 0
        (home / "suite.py").write_text(SUITE.format(body="answer == str(gold) and answer != '3'"))
        assert run(command) == 0
    first, second = (json.loads((d / "summary.json").read_text()) for d in run_dirs(home))
    assert len(run_dirs(home)) == 2  # a new run, not the old verdicts
    verdicts = sorted([first["pass_at_k"]["pass@1"], second["pass_at_k"]["pass@1"]])
    assert verdicts == [0.75, 1.0]
    replayed = first if first["pass_at_k"]["pass@1"] == 0.75 else second
    assert replayed["cached_calls"] == replayed["model_calls"] == len(TASKS)  # responses from the cache


def test_a_run_stopped_by_a_full_disk_completes_when_rerun(home, monkeypatch, capsys):
    from ratchet.eval import rundir

    real_fsync, calls = os.fsync, []

    def fills_up(fd):
        calls.append(fd)
        if len(calls) > 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    (home / "suite.py").write_text(SUITE.format(body="answer == str(gold)"))
    with fake_openai_server() as url:
        command = ["eval", "--suite", "suite.py", "--model", "fake", "--base-url", f"{url}/ok/v1", "--runs", "runs",
                   "--concurrency", "1"]
        monkeypatch.setattr(rundir.os, "fsync", fills_up)
        assert run(command) == 1
        assert "no space left on the device" in capsys.readouterr().err
        monkeypatch.setattr(rundir.os, "fsync", real_fsync)
        assert run(command) == 0
    (only,) = run_dirs(home)
    attempts = [json.loads(line) for line in (only / "attempts.jsonl").read_text().splitlines()]
    assert sorted(a["task_id"] for a in attempts) == [t["id"] for t in TASKS]  # each once: nothing lost
    assert json.loads((only / "summary.json").read_text())["pass_at_k"]["pass@1"] == 1.0


def test_improve_on_an_edited_suite_starts_a_new_run(home):
    (home / "tasks.jsonl").write_text("".join(json.dumps(t) + "\n" for t in SPLIT_TASKS))
    with fake_openai_server() as url:
        command = ["improve", "--suite", "suite.py", "--model", "fake", "--base-url", f"{url}/ok/v1",
                   "--runs", "runs", "--checkpoints", "1", "--base-samples", "1"]
        (home / "suite.py").write_text(SUITE.format(body="True"))
        assert run(command) == 0
        (home / "suite.py").write_text(SUITE.format(body="answer == str(gold)"))
        assert run(command) == 0
    assert len(run_dirs(home)) == 2


def test_improve_refuses_to_resume_a_given_run_dir_with_an_edited_suite(home, capsys):
    (home / "tasks.jsonl").write_text("".join(json.dumps(t) + "\n" for t in SPLIT_TASKS))
    with fake_openai_server() as url:
        command = ["improve", "--suite", "suite.py", "--model", "fake", "--base-url", f"{url}/ok/v1",
                   "--run-dir", "mine", "--checkpoints", "1", "--base-samples", "1"]
        (home / "suite.py").write_text(SUITE.format(body="True"))
        assert run(command) == 0
        assert run(command) == 0  # the same suite resumes (here: replays) its run
        (home / "suite.py").write_text(SUITE.format(body="answer == str(gold)"))
        capsys.readouterr()
        assert run(command) == 2
    assert "made with another version of the suite suite.py" in " ".join(capsys.readouterr().err.split())


def test_eval_help_says_what_a_verifier_receives(capsys):
    assert run(["eval", "--help"]) == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert "the verifier receives the text after the last" in help_text and "extract=" in help_text
    assert "End your reply with a line 'Answer: <your answer>'" in help_text
