"""The `ratchet` entry point as a user runs it (a subprocess): a native crash inside the run is one
line and exit code 1, and the run resumes; Ctrl-C (SIGINT to the process group, as a terminal
sends it) says what was saved and exits 130."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fake_openai import fake_openai_server

TASKS = [{"id": f"s{i}", "prompt": f"What is {i} + 2?", "answer": i + 2, "split": "test"} for i in range(4)]
SUITE = '''
import ctypes, os, time
from pathlib import Path
from ratchet.suites import JsonlSuite

seen = []

def verify(answer, gold):
    seen.append(answer)
    if os.environ.get("CRASH_AT") == str(len(seen)):
        ctypes.string_at(0)  # a segmentation fault, as a crashing native runtime's
    time.sleep(float(os.environ.get("VERIFY_SECONDS", "0")))
    return answer == str(gold)

suite = JsonlSuite(Path(__file__).with_name("tasks.jsonl"), verify=verify)
'''


@pytest.fixture
def workspace(tmp_path):
    (tmp_path / "tasks.jsonl").write_text("".join(json.dumps(t) + "\n" for t in TASKS))
    (tmp_path / "suite.py").write_text(SUITE)
    with fake_openai_server() as url:
        yield tmp_path, url


def ratchet(tmp: Path, url: str, **env: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "ratchet.cli.main", "eval", "--suite", str(tmp / "suite.py"),
               "--model", "fake", "--base-url", f"{url}/ok/v1", "--concurrency", "1", "--runs", str(tmp / "runs")]
    environment = {**os.environ, "RATCHET_HOME": str(tmp / "home"), "PYTHONFAULTHANDLER": "", **env}
    environment.pop("RATCHET_SUPERVISE", None)
    return subprocess.Popen(command, cwd=tmp, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)


def attempts(tmp: Path) -> list[dict]:
    logs = list((tmp / "runs").glob("*/attempts.jsonl"))
    assert len(logs) <= 1  # one run directory: the crash and the rerun are the same run
    return [json.loads(line) for line in logs[0].read_text().splitlines()] if logs else []


def stderr_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def test_a_native_crash_is_one_line_and_the_run_resumes(workspace):
    tmp, url = workspace
    crashed = ratchet(tmp, url, CRASH_AT="3")
    _, err = crashed.communicate(timeout=120)
    assert crashed.returncode == 1, err
    lines = stderr_lines(err)
    assert len(lines) == 1, err
    saved = attempts(tmp)
    run_dir = next((tmp / "runs").iterdir())
    assert lines[0].startswith("error: the model runtime crashed (SIGSEGV)")
    assert f"{run_dir} keeps {len(saved)} finished attempt" in lines[0]
    assert "rerun the same command to resume" in lines[0] and "RATCHET_LLAMA_SAFE_CPU=1" in lines[0]
    assert 1 <= len(saved) <= 2  # the verdicts before the crash were kept
    resumed = ratchet(tmp, url)
    out, err = resumed.communicate(timeout=120)
    assert resumed.returncode == 0, err
    done = attempts(tmp)
    assert sorted(a["task_id"] for a in done) == [t["id"] for t in TASKS]  # nothing redone, nothing lost
    assert [a for a in done if a in saved] == saved


def test_ctrl_c_says_what_was_saved_and_exits_130(workspace):
    tmp, url = workspace
    process = ratchet(tmp, url, VERIFY_SECONDS="1")
    deadline = time.monotonic() + 60
    while not attempts(tmp) and time.monotonic() < deadline:
        time.sleep(0.1)
    os.killpg(process.pid, signal.SIGINT)  # what a terminal does on Ctrl-C
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    lines = stderr_lines(err)
    assert len(lines) == 1 and lines[0].startswith("interrupted: "), err
    assert f"keeps {len(attempts(tmp))} finished attempt" in lines[0]
    assert lines[0].endswith("rerun the same command to resume")


def test_a_command_that_succeeds_passes_its_exit_code_through(workspace):
    tmp, _ = workspace
    result = subprocess.run([sys.executable, "-m", "ratchet.cli.main", "suites", str(tmp / "suite.py")],
                            capture_output=True, text=True, timeout=120, env={**os.environ, "RATCHET_HOME": str(tmp)})
    assert result.returncode == 0 and "name 'tasks'" in result.stdout and result.stderr == ""


def dies_by(signum: int, run_dir: Path):
    """A command body that announces its run directory, then is killed by `signum` (in the child)."""
    def body() -> int:
        from ratchet.cli.supervisor import announce_run_dir

        try:  # the forked child must never return into pytest
            announce_run_dir(run_dir)
            if signum != signal.SIGKILL:
                signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
        finally:
            os._exit(3)  # not reached
    return body


@pytest.mark.parametrize("signum,code,start", [
    (signal.SIGINT, 130, "interrupted: "),
    (signal.SIGKILL, 1, "error: the command was killed by SIGKILL (out of memory?)"),
    (signal.SIGABRT, 1, "error: the model runtime crashed (SIGABRT)"),
    (signal.SIGILL, 1, "error: the model runtime crashed (SIGILL)"),
])
def test_a_death_by_signal_is_one_line_and_its_exit_code(signum, code, start, tmp_path, capfd, monkeypatch):
    from ratchet.cli.supervisor import supervised

    monkeypatch.delenv("RATCHET_SUPERVISE", raising=False)
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "attempts.jsonl").write_text('{"a": 1}\n{"a": 2}\n')
    handler = signal.getsignal(signal.SIGINT)
    assert supervised(dies_by(signum, tmp_path / "run")) == code
    lines = stderr_lines(capfd.readouterr().err)
    assert len(lines) == 1 and lines[0].startswith(start), lines
    assert f"{tmp_path / 'run'} keeps 2 finished attempts" in lines[0]
    assert signal.getsignal(signal.SIGINT) is handler  # the parent's handlers are restored
