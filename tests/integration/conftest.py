"""Fixtures for tests against the real SmolLM2 model through llama.cpp.

They skip when the `local` extra or the model wheel is missing, unless RATCHET_REQUIRE_REAL=1
(set by .ci/run), in which case a missing model fails the run instead of hiding it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

SMOL = "smollm2-135m-instruct"


def _require(reason: str):
    if os.environ.get("RATCHET_REQUIRE_REAL") == "1":
        pytest.fail(f"real-model test cannot run: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def smol_path() -> Path:
    try:
        import llama_cpp  # noqa: F401
    except ImportError:
        _require("llama-cpp-python is not installed (pip install 'ratchet-ai[local]')")
    from ratchet.errors import UserError
    from ratchet.models.catalog import resolve_weights

    try:
        return resolve_weights(SMOL)
    except UserError as error:
        _require(str(error))


@pytest.fixture(scope="session")
def smol_model(smol_path):
    from ratchet.models.loading import load_model

    return load_model(SMOL, cache=False, n_ctx=2048)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def smol_server(smol_path, tmp_path_factory):
    """A real llama.cpp OpenAI-compatible server on loopback, serving SmolLM2 as 'smol': the
    README's `python -m ratchet.models.llama_server` (llama_cpp.server with the CPU setting)."""
    port = free_port()
    command = [
        sys.executable, "-m", "ratchet.models.llama_server", "--model", str(smol_path), "--model_alias", "smol",
        "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048", "--logits_all", "true",
    ]
    log_path = tmp_path_factory.mktemp("server") / "server.log"
    log = open(log_path, "w")  # a file, not a pipe: the server's chatter would fill a pipe and block it
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"llama.cpp server exited: {log_path.read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            time.sleep(0.5)
    else:
        process.kill()
        pytest.fail("llama.cpp server did not start within 120 s")
    yield url
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
