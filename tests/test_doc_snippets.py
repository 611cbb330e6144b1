"""Every ```python block in README.md and docs/*.md runs as pasted: each in a fresh interpreter, in
a directory that holds the README's example task file (`my_tasks.jsonl`). A block that cannot run
(it needs weights, a server, a GPU) is marked on the line before it with
`<!-- snippet: not run (REASON) -->`, and the reason must be given."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
BLOCK = re.compile(r"(?P<before>[^\n]*)\n```python\n(?P<code>.*?)\n```", re.DOTALL)
SKIP = re.compile(r"<!-- snippet: not run \((?P<reason>[^)]+)\) -->")
TASKS = [  # the README's example line, and a grid task for its multi-line example
    {"id": "capital-fr", "prompt": "What is the capital of France?", "answer": "Paris"},
    {"id": "grid-1", "prompt": "Flip the grid [[0, 1], [1, 0]].", "answer": [[1, 0], [0, 1]]},
]


def snippets() -> list[tuple[str, str, str | None]]:
    found = []
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = doc.read_text()
        for match in BLOCK.finditer(text):
            line = text[: match.start("code")].count("\n")
            skip = SKIP.search(match["before"])
            found.append((f"{doc.name}:{line}", match["code"], skip["reason"].strip() if skip else None))
    return found


SNIPPETS = snippets()


def test_the_docs_hold_python_snippets():
    assert len(SNIPPETS) >= 3  # README's two suite examples and STRATEGIES.md's run


@pytest.mark.parametrize("where,code,skip", SNIPPETS, ids=[s[0] for s in SNIPPETS])
def test_a_doc_snippet_runs_as_pasted(where, code, skip, tmp_path):
    if skip is not None:
        assert len(skip) > 10, f"{where}: say why the snippet is not run"
        pytest.skip(f"{where}: {skip}")
    (tmp_path / "my_tasks.jsonl").write_text("".join(json.dumps(task) + "\n" for task in TASKS))
    env = {**os.environ, "RATCHET_HOME": str(tmp_path / "home")}
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                            timeout=300, env=env)
    assert result.returncode == 0, f"{where} failed:\n{result.stderr[-2000:]}"


def test_the_readme_grid_suite_takes_the_whole_completion(tmp_path, monkeypatch):
    """The README's multi-line example does what it says: the verifier gets every line."""
    code = next(code for where, code, _ in SNIPPETS if "whole_reply" in code)
    (tmp_path / "my_tasks.jsonl").write_text("".join(json.dumps(task) + "\n" for task in TASKS))
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    suite = namespace["suite"]
    grid = next(task for task in suite.tasks() if task.id == "grid-1")
    assert suite.verify(grid, "1 0\n0 1\n").passed
    assert not suite.verify(grid, "1 0\n1 1").passed
    assert suite.messages(grid)[0]["content"].startswith("Reply with the output grid only")
