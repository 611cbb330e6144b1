"""The table of bad inputs and interrupts in docs/ERRORS.md, checked case by case.

Every case runs the command in process (`ratchet.cli.main.run`, the same code the `ratchet` entry
point runs in its supervised child) and checks the exit code (0 done, 1 run or backend failure,
2 user error, 130 interrupted), that a failure prints exactly one line on stderr and no traceback,
that the line says what it should, and that docs/ERRORS.md shows that very line.

Regenerate the doc after changing a message:  RATCHET_WRITE_ERRORS_DOC=1 pytest tests/test_error_table.py
"""

from __future__ import annotations

import errno
import json
import os
import re
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.fake_openai import fake_openai_server

DOC = Path(__file__).parents[1] / "docs" / "ERRORS.md"
GOOD = [  # 2 train, 1 dev, 3 test tasks, splits given by the file
    {"id": "t1", "prompt": "What is 1 + 2?", "answer": 3, "split": "train"},
    {"id": "t2", "prompt": "What is 2 + 2?", "answer": 4, "split": "train"},
    {"id": "d1", "prompt": "What is 3 + 2?", "answer": 5, "split": "dev"},
    {"id": "s1", "prompt": "What is 4 + 2?", "answer": 6, "split": "test"},
    {"id": "s2", "prompt": "What is 5 + 2?", "answer": 7, "split": "test"},
    {"id": "s3", "prompt": "What is 6 + 2?", "answer": 8, "split": "test"},
]
INTERRUPTING_SUITE = '''
from pathlib import Path
from ratchet.suites import JsonlSuite

calls = []

def verify(answer, gold):
    calls.append(answer)
    if len(calls) == 2:
        raise KeyboardInterrupt  # what Ctrl-C raises, at the second verdict
    return answer == str(gold)

suite = JsonlSuite(Path(__file__).with_name("good.jsonl"), verify=verify)
'''


@dataclass(frozen=True)
class Case:
    command: str  # after `ratchet`; {tmp} is a prepared directory, {url} a fake endpoint's root
    code: int
    says: str  # a fragment the line must hold
    env: tuple[tuple[str, str], ...] = ()
    patch: str | None = None  # "enospc": every fsync of the attempts log fails with ENOSPC


def c(command: str, code: int, says: str, **kwargs) -> Case:
    return Case(command, code, says, **kwargs)


EVAL_FAKE = "eval --suite {tmp}/good.jsonl --model fake --no-cache --runs {tmp}/runs --base-url {url}"
CASES = [
    # help, and no empty error line
    c("", 0, ""), c("train", 0, ""), c("experience", 0, ""), c("judge", 0, ""), c("nesy", 0, ""),
    # eval: names and values
    c("eval --suite humanevl", 2, "did you mean 'humaneval'"),
    c("eval --model qwen2.5-coder-0.5b", 2, "did you mean 'qwen2.5-coder-0.5b-instruct'"),
    c("eval --samples 2 -k 1,5", 2, "-k 5 is invalid"),
    c("eval -k one", 2, "comma-separated list"),
    c("eval -k ,", 2, "at least one value"),
    c("eval --split validation", 2, "unknown split 'validation'"),
    c("eval --solver sampel", 2, "did you mean 'sample'"),
    c("eval --strategy gated --gate vibes", 2, "gate must be one of"),
    c("eval --strategy reflexion --suite gsm", 2, "suite 'gsm' has none"),
    c("eval --samples 0", 2, "'--samples'"),
    c("eval --samples two", 2, "'--samples'"),
    c("eval --samples", 2, "requires an argument"),
    c("eval --max-tokens 0", 2, "'--max-tokens'"),
    c("eval --limit 0", 2, "'--limit'"),
    c("eval --concurrency 0", 2, "'--concurrency'"),
    c("eval --concurrency -1", 2, "'--concurrency'"),
    c("eval --threads 0", 2, "'--threads'"),
    c("eval --temperature -1", 2, "'--temperature'"),
    c("eval --top-p 1.5", 2, "'--top-p'"),
    c("eval --seed -1", 2, "'--seed'"),
    c("eval --max-rounds 0", 2, "'--max-rounds'"),
    c("eval --n-votes 0", 2, "'--n-votes'"),
    c("eval --k 0", 2, "'--k'"),
    c("eval --tau -0.5", 2, "'--tau'"),
    c("eval --bogus", 2, "No such option"),
    c("eval extra-argument", 2, "unexpected extra argument"),
    c("eval --model nothing/here.gguf", 2, "no GGUF file"),
    c("eval --model {tmp}/fake.gguf --adapter {tmp}/missing.gguf --suite {tmp}/good.jsonl --runs {tmp}/runs", 2,
      "no adapter file"),
    c("eval --suite {tmp}/good.jsonl --exemplars {tmp}/missing.sqlite", 2, "missing.sqlite"),
    # eval: suite files
    c("eval --suite {tmp}/missing.jsonl", 2, "no suite file"),
    c("eval --suite {tmp}/missing.py", 2, "no suite file"),
    c("eval --suite {tmp}/notes.txt", 2, "unknown suite"),
    c("eval --suite {tmp}/latin1.jsonl", 2, "latin1.jsonl:2: not UTF-8"),
    c("eval --suite {tmp}/broken.jsonl", 2, "broken.jsonl:2: malformed task line"),
    c("eval --suite {tmp}/list.jsonl", 2, "list.jsonl:1: a task line must be a JSON object"),
    c("eval --suite {tmp}/noid.jsonl", 2, 'noid.jsonl:1: task line has no "id"'),
    c("eval --suite {tmp}/noprompt.jsonl", 2, 'noprompt.jsonl:1: task line has no "prompt"'),
    c("eval --suite {tmp}/noanswer.jsonl", 2, 'noanswer.jsonl:1: task line has no "answer"'),
    c("eval --suite {tmp}/badid.jsonl", 2, 'badid.jsonl:1: "id" must be'),
    c("eval --suite {tmp}/promptint.jsonl", 2, 'promptint.jsonl:1: task "a": "prompt" must be a string'),
    c("eval --suite {tmp}/visible.jsonl", 2, 'visible.jsonl:1: task "a": "visible" must be a JSON object'),
    c("eval --suite {tmp}/difficulty.jsonl", 2, 'difficulty.jsonl:2: task "b": "difficulty" must be an integer'),
    c("eval --suite {tmp}/badsplit.jsonl", 2, 'badsplit.jsonl:1: task "a": "split" must be one of'),
    c("eval --suite {tmp}/halfsplit.jsonl", 2, 'halfsplit.jsonl:2: task "b" has no "split"'),
    c("eval --suite {tmp}/dup.jsonl", 2, "dup.jsonl:2: duplicate task id 'a'"),
    c("eval --suite {tmp}/empty.jsonl", 2, "holds no tasks"),
    c("eval --suite {tmp}/crash_import.py", 2, "failed to import: ValueError"),
    c("eval --suite {tmp}/nosuite.py", 2, "must define `suite`"),
    # eval: where it writes
    c("eval --suite {tmp}/good.jsonl --run-dir {tmp}/afile", 2, "is a file, not a directory"),
    c("eval --suite {tmp}/good.jsonl --runs {tmp}/afile/runs", 2, "is a file; choose another --runs"),
    c("eval --suite {tmp}/good.jsonl --run-dir {tmp}/other-run --base-url {url}/ok/v1 --model fake --no-cache", 2,
      "holds a run with another configuration"),
    c("eval --suite {tmp}/good.jsonl --run-dir {tmp}/corrupt-run --base-url {url}/ok/v1 --model fake --no-cache", 2,
      "is not a run's configuration"),
    c("eval --suite {tmp}/good.jsonl --runs {tmp}/runs --base-url {url}/ok/v1 --model fake", 2,
      "set RATCHET_HOME to a writable directory", env=(("RATCHET_HOME", "{tmp}/afile"),)),
    # eval: the endpoint
    c("eval --suite {tmp}/good.jsonl --base-url http://127.0.0.1:9/v1 --model x", 2, "cannot reach"),
    c(EVAL_FAKE + "/401/v1", 2, "refused the API key"),
    c(EVAL_FAKE + "/404/v1", 2, "has no model 'fake'"),
    c(EVAL_FAKE + "/400/v1", 1, "rejected the request"),
    c(EVAL_FAKE + "/500/v1", 1, "HTTP 500"),
    c(EVAL_FAKE + "/badjson/v1", 1, "answered HTTP 200 with a body that is not JSON"),
    c(EVAL_FAKE + "/html/v1", 1, "answered HTTP 200 with a body that is not a chat completion"),
    c(EVAL_FAKE + "/nochoices/v1", 1, "answered HTTP 200 with no choices"),
    c(EVAL_FAKE + "/nomessage/v1", 1, "answered HTTP 200 with a choice without a message"),
    # interrupts and a full disk
    c("eval --suite {tmp}/interrupt.py --limit 2 --concurrency 1 --model fake --no-cache --runs {tmp}/runs "
      "--base-url {url}/ok/v1", 130, "keeps 1 finished attempt; rerun the same command to resume"),
    c(EVAL_FAKE + "/ok/v1", 1, "no space left on the device", patch="enospc"),
    # compare
    c("compare --strategies ,", 2, "needs at least one strategy"),
    c("compare --strategies sample,reflexon", 2, "did you mean 'reflexion'"),
    c("compare --resample 1", 2, "--resample must be 0"),
    c("compare --resample -1", 2, "'--resample'"),
    c("compare --max-rounds 0", 2, "'--max-rounds'"),
    c("compare --concurrency 0", 2, "'--concurrency'"),
    c("compare --limit 0", 2, "'--limit'"),
    c("compare --threads 0", 2, "'--threads'"),
    c("compare --suite {tmp}/missing.jsonl", 2, "no suite file"),
    c("compare --strategies sample --suite {tmp}/good.jsonl --runs {tmp}/afile", 2, "is a file"),
    # improve (traj-bootstrap)
    c("improve --method stra", 2, "did you mean 'star'"),
    c("improve --curation foo", 2, "unknown curation 'foo'"),
    c("improve --iterations 0", 2, "'--iterations'"),
    c("improve --shots 0", 2, "'--shots'"),
    c("improve --population 0", 2, "'--population'"),
    c("improve --checkpoints 0", 2, "'--checkpoints'"),
    c("improve --base-samples 0", 2, "'--base-samples'"),
    c("improve --train-limit 0", 2, "'--train-limit'"),
    c("improve --temperature -1", 2, "'--temperature'"),
    c("improve --concurrency 0", 2, "'--concurrency'"),
    c("improve --threads 0", 2, "'--threads'"),
    c("improve --suite {tmp}/onlytest.jsonl", 2, "has no train tasks"),
    c("improve --suite {tmp}/good.jsonl --run-dir {tmp}/afile", 2, "is a file, not a directory"),
    # improve --method star|rest-em|dpo|self-rewarding (ratchet train improve)
    c("improve --method dpo --samples 1", 2, "at least 2 samples"),
    c("improve --method=rest-em --data keep", 2, "replace or accumulate"),
    c("train improve --rank 0", 2, "'--rank'"),
    c("train improve --alpha 0", 2, "'--alpha'"),
    c("train improve --learning-rate -1", 2, "'--learning-rate'"),
    c("train improve --gate-level 1.5", 2, "'--gate-level'"),
    c("train improve --threads 0", 2, "'--threads'"),
    c("train improve --iterations 0", 2, "'--iterations'"),
    c("train show {tmp}/missing", 2, "is not an adapter artifact"),
    c("train report {tmp}/missing", 2, "is not a self-training run directory"),
    c("train fit {tmp}/missing.json --out {tmp}/adapter", 2, "does not exist"),
    c("train fit {tmp}/good.jsonl --out {tmp}/adapter", 2, "is not a dataset file"),
    c("train fit {tmp}/good.jsonl --out {tmp}/adapter --objective foo", 2, "unknown objective 'foo'"),
    c("train data {tmp}/store.sqlite --out {tmp}/d.json --kind foo", 2, "unknown kind 'foo'"),
    c("train data {tmp}/store.sqlite --out {tmp}/d.json --max-per-task 0", 2, "'--max-per-task'"),
    # judge
    c("judge compare {tmp}/missing", 2, "is not a run directory"),
    c("judge compare {tmp}/missing --pairs 0", 2, "'--pairs'"),
    c("judge compare {tmp}/missing --threads 0", 2, "'--threads'"),
    # experience
    c("experience ls {tmp}/missing.sqlite", 2, "missing.sqlite"),
    c("experience ls {tmp}/store.sqlite --limit 0", 2, "'--limit'"),
    c("experience show {tmp}/store.sqlite nope", 2, "no experience 'nope'"),
    c("experience stats {tmp}/notes.txt", 2, "notes.txt"),
    c("experience import {tmp}/new.sqlite {tmp}/missing.jsonl", 2, "missing.jsonl"),
    c("experience diff {tmp}/store.sqlite {tmp}/missing.sqlite", 2, "missing.sqlite"),
    c("experience demos {tmp}/demo.sqlite --suite sql --tasks 0", 2, "'--tasks'"),
    # suites, models, nesy
    c("suites {tmp}/missing.py", 2, "no suite file"),
    c("suites {tmp}/broken.jsonl", 2, "broken.jsonl:2: malformed task line"),
    c("suites {tmp}/visible.jsonl", 2, 'visible.jsonl:1: task "a": "visible" must be a JSON object'),
    c("nesy train --dataset scan", 2, "Missing option '--split'"),
]


def write_workspace(tmp: Path) -> None:
    lines = lambda rows: "".join(json.dumps(r) + "\n" for r in rows)  # noqa: E731
    task = {"id": "a", "prompt": "p", "answer": 1}
    files = {
        "good.jsonl": lines(GOOD),
        "onlytest.jsonl": lines([{**t, "split": "test"} for t in GOOD]),
        "broken.jsonl": lines([task]) + '{"id": "b", oops}\n',
        "list.jsonl": "[1, 2]\n",
        "noid.jsonl": '{"prompt": "p", "answer": 1}\n',
        "noprompt.jsonl": '{"id": "a", "answer": 1}\n',
        "noanswer.jsonl": '{"id": "a", "prompt": "p"}\n',
        "badid.jsonl": '{"id": [1], "prompt": "p", "answer": 1}\n',
        "promptint.jsonl": '{"id": "a", "prompt": 5, "answer": 1}\n',
        "visible.jsonl": lines([{**task, "visible": 5}]),
        "difficulty.jsonl": lines([{**task, "difficulty": 1}, {**task, "id": "b", "difficulty": "hard"}]),
        "badsplit.jsonl": lines([{**task, "split": "validation"}]),
        "halfsplit.jsonl": lines([{**task, "split": "train"}, {**task, "id": "b"}]),
        "dup.jsonl": lines([task, task]),
        "empty.jsonl": "\n",
        "crash_import.py": "raise ValueError('oops')\n",
        "nosuite.py": "x = 1\n",
        "notes.txt": "not a suite\n",
        "afile": "a file\n",
        "fake.gguf": "not really a model\n",
        "interrupt.py": INTERRUPTING_SUITE,
        "other-run/config.json": json.dumps({"suite": "another"}),
        "corrupt-run/config.json": "{not json",
    }
    for name, text in files.items():
        (tmp / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp / name).write_text(text)
    (tmp / "latin1.jsonl").write_bytes(json.dumps(task).encode() + b'\n{"id": "b", "prompt": "caf\xe9", "answer": 1}\n')
    from ratchet.experience import ExperienceStore
    from tests.experience.helpers import make_experience

    with ExperienceStore.open(tmp / "store.sqlite") as store:
        store.add([make_experience(i) for i in range(3)])


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """The prepared files, written once and copied into each case's own directory."""
    path = tmp_path_factory.mktemp("template")
    write_workspace(path)
    return path


@pytest.fixture(scope="module")
def server_url():
    with fake_openai_server() as url:
        yield url


RESULTS: dict[str, tuple[int, str]] = {}


def run_case(case: Case, tmp: Path, url: str, monkeypatch, capsys) -> tuple[int, str, str]:
    from ratchet.cli.main import run
    from ratchet.models import openai_backend

    monkeypatch.setattr(openai_backend, "RETRY_BASE_SECONDS", 0.0)
    monkeypatch.setenv("RATCHET_HOME", str(tmp / "home"))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    for key, value in case.env:
        monkeypatch.setenv(key, value.format(tmp=tmp))
    if case.patch == "enospc":
        from ratchet.eval import rundir

        def full(fd):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        monkeypatch.setattr(rundir.os, "fsync", full)
    monkeypatch.chdir(tmp)
    capsys.readouterr()
    code = run(shlex.split(case.command.format(tmp=tmp, url=url)))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def normalise(text: str, tmp: Path, url: str) -> str:
    """The line with the test's directory, port and run-name hashes (which hash the suite's path)
    replaced by placeholders."""
    text = text.replace(str(tmp), "<tmp>").replace(url, "http://127.0.0.1:PORT")
    return re.sub(r"-[0-9a-f]{10}\b", "-<hash>", text)


@pytest.mark.parametrize("case", CASES, ids=[f"{i:03d}" for i in range(len(CASES))])
def test_bad_input_is_one_line_with_the_right_exit_code(case, tmp_path, template, server_url, monkeypatch, capsys):
    shutil.copytree(template, tmp_path, dirs_exist_ok=True)
    code, out, err = run_case(case, tmp_path, server_url, monkeypatch, capsys)
    lines = [line for line in err.splitlines() if line.strip()]
    assert "Traceback" not in err
    assert code == case.code, err
    if case.code == 0:
        assert lines == [] and "Usage" in out, err  # the help, and no error line
        line = "(the help, on stdout)"
    else:
        assert len(lines) == 1, err
        line = normalise(lines[0], tmp_path, server_url)
        assert normalise(case.says, tmp_path, server_url) in line
    RESULTS[case.command] = (code, line)


def doc_rows() -> list[str]:
    rows = []
    for number, case in enumerate(CASES, 1):
        code, line = RESULTS[case.command]
        command = ("ratchet " + case.command).strip().replace("{tmp}", "<tmp>").replace("{url}", "http://127.0.0.1:PORT")
        if case.env:
            command = " ".join(f"{k}={v}" for k, v in case.env).replace("{tmp}", "<tmp>") + " " + command
        if case.patch == "enospc":
            command += " (disk full)"
        cell = lambda text: text.replace("|", "\\|")  # noqa: E731
        rows.append(f"| {number} | `{cell(command)}` | {code} | {cell(line)} |")
    return rows


def test_docs_errors_md_shows_every_case_and_its_line():
    if len(RESULTS) < len(CASES):
        pytest.skip("run the whole file: the doc is compared with every case's output")
    rows = doc_rows()
    if os.environ.get("RATCHET_WRITE_ERRORS_DOC"):
        text = DOC.read_text()
        head = text[:text.index("| # |")]
        DOC.write_text(head + "| # | command | exit | the line printed |\n|---|---|---|---|\n" + "\n".join(rows) + "\n")
    text = DOC.read_text()
    table = [line for line in text[text.index("| # |"):].splitlines() if line.startswith("| ") and line[2].isdigit()]
    assert table == rows
    assert len(rows) >= 80
