"""A full disk under the response cache (SQLite's "database or disk is full") is one line and
exit 1, and the same command finishes once there is room: a real full file system, a tmpfs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fake_openai import fake_openai_server

SUITE = "".join(f'{{"id": "t{i}", "prompt": "What is {i} + 2?", "answer": "{i + 2}"}}\n' for i in range(6))


@pytest.fixture
def tiny_filesystem(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root to mount a small tmpfs")
    mount = Path("/var/tmp") / f"ratchet-full-{os.getpid()}"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)
        mount.rmdir()


def test_a_full_disk_under_the_cache_is_one_line_and_the_rerun_finishes(tmp_path, tiny_filesystem):
    (tmp_path / "sums.jsonl").write_text(SUITE)
    home = tiny_filesystem / "home"
    home.mkdir()
    filler = tiny_filesystem / "filler"
    with open(filler, "wb", buffering=0) as handle:  # fill the file system to the last block
        try:
            while True:
                handle.write(b"\0" * 4096)
        except OSError:
            pass
    with fake_openai_server() as url:
        command = [sys.executable, "-m", "ratchet.cli.main", "eval", "--suite", str(tmp_path / "sums.jsonl"),
                   "--split", "train", "--base-url", f"{url}/ok/v1", "--model", "fake", "--runs", str(tmp_path / "runs")]
        env = {**os.environ, "RATCHET_HOME": str(home), "RATCHET_SUPERVISE": "0"}
        full = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
        filler.unlink()
        again = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert full.returncode == 1, full.stderr
    lines = full.stderr.strip().splitlines()
    assert len(lines) == 1 and "no space left on the device writing a database" in lines[0], full.stderr
    assert again.returncode == 0, again.stderr
