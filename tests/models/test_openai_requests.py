"""What the OpenAI-compatible backend sends and how it times calls, against a tiny local server."""

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ratchet.models import SamplingParams
from ratchet.models.openai_backend import OpenAIModel

ASK = [{"role": "user", "content": "hi"}]
COMPLETION = {
    "id": "x", "object": "chat.completion", "created": 0, "model": "m",
    "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "hello"}}],
    "usage": {"prompt_tokens": 3, "completion_tokens": 10, "total_tokens": 13},
}


class FakeServer:
    """Records request bodies; answers one request at a time, each after `delay` seconds;
    rejects any body holding a field of `rejects` with a 400 naming it (as OpenAI's API does)."""

    def __init__(self, delay: float = 0.0, rejects: frozenset = frozenset()) -> None:
        self.bodies: list[dict] = []
        serial = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.bodies.append(body)
                bad = sorted(rejects & body.keys())
                with serial:
                    time.sleep(delay)
                status, reply = (400, {"error": {"message": f"Unrecognized request argument supplied: {bad[0]}"}}) \
                    if bad else (200, COMPLETION)
                data = json.dumps(reply).encode()
                self.send_response(status)
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


@pytest.fixture
def server(request):
    fake = FakeServer(**getattr(request, "param", {}))
    yield fake
    fake.close()


def test_sampler_settings_servers_default_differently_are_sent(server):
    model = OpenAIModel("m", server.url, max_retries=0)
    model.complete(ASK, SamplingParams(top_k=7, min_p=0.1, repeat_penalty=1.0))
    body = server.bodies[-1]
    assert (body["top_k"], body["min_p"], body["repeat_penalty"]) == (7, 0.1, 1.0)
    assert body["repetition_penalty"] == 1.0  # vLLM's name for it
    assert model.identity.endswith(":explicit-sampler")


@pytest.mark.parametrize("server", [{"rejects": frozenset({"top_k"})}], indirect=True)
def test_a_server_that_rejects_them_gets_plain_openai_requests(server):
    model = OpenAIModel("m", server.url, max_retries=0)
    assert model.complete(ASK, SamplingParams()).text == "hello"
    assert "top_k" in server.bodies[0] and "top_k" not in server.bodies[1]
    model.complete(ASK, SamplingParams())
    assert len(server.bodies) == 3 and "top_k" not in server.bodies[2]  # asked once, remembered


@pytest.mark.parametrize("server", [{"delay": 0.4}], indirect=True)
def test_queue_time_is_not_generation_time(server):
    """Three requests at once to a server that answers one at a time (0.4 s each): their
    latencies sum to about 2.4 s, the server was busy 1.2 s; generation seconds add up to the
    busy time, the rest is reported as waiting."""
    model = OpenAIModel("m", server.url, max_retries=0, max_concurrency=3)
    start = time.perf_counter()
    with ThreadPoolExecutor(3) as pool:
        usages = list(pool.map(lambda _: model.complete(ASK, SamplingParams()).usage, range(3)))
    wall = time.perf_counter() - start
    generation = sum(u.seconds for u in usages)
    assert 1.1 < generation <= wall + 0.01
    assert sum(u.wait_seconds for u in usages) > 0.8
    assert 30 / generation > 1.5 * 30 / sum(u.seconds + u.wait_seconds for u in usages)
