"""A tiny OpenAI-compatible HTTP server on loopback for CLI tests: the path's first segment picks
how it answers (`/ok/v1`, `/badjson/v1`, `/html/v1`, `/nochoices/v1`, `/nomessage/v1`, `/500/v1`,
`/400/v1`, `/401/v1`, `/404/v1`). `ok` answers "Answer: <sum>" to "What is a + b?"."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def completion(text: str) -> dict:
    return {"id": "c", "object": "chat.completion", "created": 0, "model": "fake",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8}}


def answer(request: dict) -> str:
    numbers = [int(n) for n in re.findall(r"\d+", request["messages"][-1]["content"])]
    return f"Answer: {sum(numbers)}"


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:  # quiet
        pass

    def _send(self, status: int, body: bytes, content_type: str = "application/json", **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in headers.items():
            self.send_header(key.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # /models
        mode = self.path.strip("/").split("/")[0]
        if mode == "401":
            self._send(401, b'{"error": {"message": "bad key"}}')
        else:
            self._send(200, json.dumps({"object": "list", "data": [{"id": "fake", "object": "model"}]}).encode())

    def do_POST(self) -> None:
        mode = self.path.strip("/").split("/")[0]
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        bodies = {
            "ok": lambda: self._send(200, json.dumps(completion(answer(request))).encode()),
            "custom": lambda: self._send(200, json.dumps(completion(self.custom(request))).encode()),
            "badjson": lambda: self._send(200, b'{"choices": [{"message": '),
            "html": lambda: self._send(200, b"<html><body>502 Bad Gateway</body></html>", "text/html"),
            "nochoices": lambda: self._send(200, json.dumps({**completion(""), "choices": []}).encode()),
            "nomessage": lambda: self._send(200, json.dumps({**completion(""), "choices": [{"index": 0}]}).encode()),
            "500": lambda: self._send(500, b'{"error": {"message": "boom"}}', retry_after_ms="1"),
            "400": lambda: self._send(400, b'{"error": {"message": "context too long"}}'),
            "401": lambda: self._send(401, b'{"error": {"message": "bad key"}}'),
            "404": lambda: self._send(404, b'{"error": {"message": "no such model"}}'),
        }
        bodies[mode]()


@contextmanager
def fake_openai_server(custom: Callable[[dict], str] | None = None):
    """Yields the server's root URL, e.g. http://127.0.0.1:PORT (append /MODE/v1); the mode
    `custom` answers each request with `custom(request body)`."""
    handler = type("CustomHandler", (Handler,), {"custom": staticmethod(custom)}) if custom else Handler
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
