"""Training data drawn from an experience store: `store_attempts` and `ratchet train data|fit`."""

from __future__ import annotations

import json

import pytest

from ratchet.core import Split, Turn
from ratchet.errors import UserError
from ratchet.experience.experience import Experience
from ratchet.experience.store import ExperienceStore
from ratchet.learn.data import Dataset, verified_pairs
from ratchet.learn.from_store import attempts_from_experiences, store_attempts
from ratchet.suites.registry import load_suite
from tests.test_cli_errors import run


def experience(task, text, passed, model="qwen", sample=0, status=None):
    trajectory = (Turn("user", task.prompt), Turn("assistant", "draft"), Turn("user", "again"),
                  Turn("assistant", text))
    return Experience(id=f"{task.id}-{sample}-{model}", suite="gsm", task_id=task.id, key=task.prompt,
                      trajectory=trajectory, passed=passed, status=status or ("ok" if passed else "fail"),
                      score=float(passed), model=model, strategy="sample", sample=sample)


@pytest.fixture()
def store_path(tmp_path):
    suite = load_suite("gsm")
    first, second = suite.tasks(Split.TRAIN)[:2]
    dev = suite.tasks(Split.DEV)[0]
    path = tmp_path / "db.sqlite"
    with ExperienceStore.open(path) as store:
        store.add([experience(first, "right #### 1", True), experience(first, "wrong #### 2", False, sample=1),
                   experience(second, "wrong #### 3", False), experience(dev, "right #### 4", True),
                   experience(first, "other model #### 1", True, model="smol", sample=2)])
    return path


def test_experiences_read_back_as_attempts_with_their_place_in_the_store(store_path):
    suite = load_suite("gsm")
    found = store_attempts(str(store_path), suite, model="qwen")
    assert found.models == ("qwen",) and found.skipped_other_model == 1
    first = found.attempts[0]
    assert first.solution.completion == "right #### 1" and first.passed and first.sample == 1  # seq
    assert first.solution.rounds == 2 and len(first.solution.trajectory) == 4
    pairs = verified_pairs(found.attempts, suite)
    assert len(pairs) == 1 and pairs.stats["dropped_not_train"] == 1  # the dev attempt never trains
    assert pairs.examples[0].provenance.attempts == (f"{first.task_id}#1", f"{first.task_id}#2")
    assert len(store_attempts(str(store_path), suite).attempts) == 5


def test_experiences_without_a_reply_are_counted_not_kept():
    task = load_suite("gsm").tasks(Split.TRAIN)[0]
    empty = Experience(id="e", suite="gsm", task_id=task.id, key="k", trajectory=(Turn("user", "q"),), passed=False)
    found = attempts_from_experiences([empty, experience(task, "x", True)])
    assert len(found.attempts) == 1 and found.skipped_no_reply == 1


def test_store_mistakes_are_user_errors(store_path, tmp_path):
    with pytest.raises(UserError, match="is an environment"):
        store_attempts(str(store_path), load_suite("sql"))
    with pytest.raises(UserError, match="no attempt at suite 'humaneval'"):
        store_attempts(str(store_path), load_suite("humaneval"))
    with pytest.raises(UserError, match="no collection 'm9'"):
        store_attempts(f"{store_path}#m9", load_suite("gsm"))


def test_cli_builds_sft_and_pair_datasets_from_a_store(store_path, tmp_path):
    out = tmp_path / "sft.json"
    result = run("train", "data", str(store_path), "--suite", "gsm", "--model", "qwen", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "wrote 1 verified examples" in result.stdout and "ratchet train fit" in result.stdout
    sft = Dataset.load(out)
    assert sft.examples[0].completion == "right #### 1" and sft.examples[0].provenance.model == "qwen"
    pairs = tmp_path / "pairs.json"
    assert run("train", "data", str(store_path), "--kind", "pairs", "--out", str(pairs)).returncode == 0
    data = json.loads(pairs.read_text())
    assert {e["chosen"] for e in data["examples"]} <= {"right #### 1", "other model #### 1"}
    assert all(e["rejected"] == "wrong #### 2" for e in data["examples"])


@pytest.mark.parametrize("args,expected", [
    (["train", "data", "STORE", "--out", "X", "--kind", "pair"], "did you mean 'pairs'"),
    (["train", "data", "STORE", "--out", "X", "--suite", "sql"], "is an environment"),
    (["train", "data", "STORE", "--out", "X", "--model", "gpt"], "by model 'gpt'"),
    (["train", "data", "/nonexistent.sqlite", "--out", "X"], "no experience store at"),
    (["train", "fit", "/nonexistent.json", "--out", "A"], "does not exist: build one"),
    (["train", "fit", "SFT", "--out", "A", "--objective", "dpo"], "holds no preference pairs"),
    (["train", "fit", "SFT", "--out", "A", "--objective", "ppo"], "unknown objective 'ppo'"),
    (["train", "fit", "STORE", "--out", "A"], "is not a dataset file"),
])
def test_data_and_fit_mistakes_are_one_line_errors(args, expected, store_path, tmp_path):
    sft = tmp_path / "sft.json"
    assert run("train", "data", str(store_path), "--out", str(sft)).returncode == 0
    args = [str(store_path) if a == "STORE" else str(sft) if a == "SFT" else str(tmp_path / a) if a in ("X", "A") else a
            for a in args]
    result = run(*args)
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    assert result.returncode == 2 and len(lines) == 1 and expected in lines[0], result.stderr
