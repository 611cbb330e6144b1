"""The batched engine's real-model tests (`xllama_cases.py`), run in a fresh pytest process that
ends with os._exit: xllamacpp's server destructor sometimes hangs, and it must not hang the
suite. Every case's outcome is the child's; its output is shown when it fails."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.real_model]

HERE = Path(__file__).parent


def test_the_batched_engine_on_smollm2_in_a_fresh_process():
    command = [sys.executable, "-m", "pytest", "-q", "-n", "0", "-p", "no:cacheprovider", "-p", "exit_fast",
               str(HERE / "xllama_cases.py")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=HERE.parents[1], env=env)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and " failed" not in done.stdout, done.stdout[-2000:]
