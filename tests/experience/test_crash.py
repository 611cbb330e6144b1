"""Crash safety: a writer killed with SIGKILL at any moment loses nothing it had committed, leaves
no half-written transaction, and a resumed writer duplicates nothing."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from ratchet.experience import ExperienceStore

from tests.experience.helpers import make_experience

ROOT = Path(__file__).resolve().parents[2]
PAIR = 100_000  # every transaction writes experience i and i + PAIR together

WRITER = """
import sys
from ratchet.experience import ExperienceStore
from tests.experience.helpers import make_experience
path, start, stop = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
store = ExperienceStore.open(path)
for i in range(start, stop):
    store.add([make_experience(i), make_experience(i + %d)])
    print(i, flush=True)  # only after the commit returned
""" % PAIR


def run_writer(path: Path, start: int, stop: int, kill_after: int | None) -> list[int]:
    """Start a writer; SIGKILL it once it has reported `kill_after` commits. Returns the
    indices it reported as committed."""
    env = {**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'src'}"}
    process = subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(start), str(stop)],
                               stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    committed = []
    for line in process.stdout:
        committed.append(int(line))
        if kill_after is not None and len(committed) >= kill_after:
            os.kill(process.pid, signal.SIGKILL)
            break
    process.wait(timeout=60)
    process.stdout.close()
    if kill_after is None:
        assert process.returncode == 0
    else:
        assert process.returncode == -signal.SIGKILL
    return committed


def check_store(path: Path, committed: set[int]) -> set[int]:
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with ExperienceStore.open(path) as store:
        ids = [e.id for e in store.iter()]
        tasks = {int(e.task_id[1:]) for e in store.iter()}
    assert len(ids) == len(set(ids)), "an experience was stored twice"
    low = {t for t in tasks if t < PAIR}
    assert {t - PAIR for t in tasks if t >= PAIR} == low, "a transaction was half-written"
    assert committed <= low, f"lost committed experiences: {sorted(committed - low)[:5]}"
    return low


def test_kill_mid_write_loses_nothing_committed_and_resume_duplicates_nothing(tmp_path):
    path = tmp_path / "store.sqlite"
    total = 150
    committed: set[int] = set()
    for round_, kill_after in enumerate((3, 17, 41, 60)):
        committed |= set(run_writer(path, 0, total, kill_after))  # each resume starts from 0
        stored = check_store(path, committed)
        assert len(stored) >= kill_after
    run_writer(path, 0, total, kill_after=None)
    assert check_store(path, committed) == set(range(total))
    with ExperienceStore.open(path) as store:
        assert store.collections()["default"]["experiences"] == 2 * total
        assert store.get(make_experience(7).id) == make_experience(7)
