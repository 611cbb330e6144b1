"""A run directory: config.json, attempts.jsonl (append-only), summary.json.

Each attempt is one JSON line, flushed and fsynced before the next is written. A run killed at
any moment leaves at worst one torn last line, which `load_attempts` skips; the work it describes
is redone on resume (and the response cache makes that free).
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from ratchet.core import Attempt
from ratchet.errors import UserError


class RunDir:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    @property
    def attempts_path(self) -> Path:
        return self.path / "attempts.jsonl"

    def write_config(self, config: dict, free_keys: tuple[str, ...] = ("limit",)) -> None:
        """Record the run's configuration; refuse a directory that holds a different run.

        Keys in `free_keys` (how many tasks to take) may change between resumptions: a quick
        `--limit 5` look can later grow into the full run.
        """
        if self.path.exists() and not self.path.is_dir():
            raise UserError(f"{self.path} is a file, not a run directory: choose another --run-dir")
        self.path.mkdir(parents=True, exist_ok=True)
        config_path = self.path / "config.json"
        config = json.loads(json.dumps(config))  # tuples -> lists, as stored
        if config_path.exists():
            try:
                existing = json.loads(config_path.read_text())
            except (json.JSONDecodeError, UnicodeDecodeError):
                raise UserError(f"{config_path} is not a run's configuration (not JSON): "
                                "choose another --run-dir") from None
            strip = lambda c: {k: v for k, v in c.items() if k not in free_keys}  # noqa: E731
            if strip(existing) != strip(config):
                raise UserError(
                    f"{self.path} holds a run with another configuration: choose another --run-dir"
                )
        _write_atomic(config_path, json.dumps(config, indent=2))

    def read_config(self) -> dict:
        path = self.path / "config.json"
        if not path.exists():
            raise UserError(f"{self.path} is not a run directory (no config.json)")
        return json.loads(path.read_text())

    def load_attempts(self) -> list[Attempt]:
        if not self.attempts_path.exists():
            return []
        attempts = []
        with open(self.attempts_path, encoding="utf-8") as handle:
            for line in handle:
                try:
                    attempts.append(Attempt.from_json(json.loads(line)))
                except (json.JSONDecodeError, KeyError, TypeError):
                    continue  # a torn line from a killed run: its work is redone
        return attempts

    def append(self, attempt: Attempt) -> None:
        line = json.dumps(attempt.to_json(), ensure_ascii=False) + "\n"
        with self._lock:
            try:
                self._repair_torn_tail()
                with open(self.attempts_path, "a", encoding="utf-8") as handle:
                    handle.write(line)
                    handle.flush()
                    os.fsync(handle.fileno())
            except OSError as error:  # a full disk: name the file (a torn line is repaired on resume)
                raise OSError(error.errno, error.strerror, str(self.attempts_path)) from error

    def _repair_torn_tail(self) -> None:
        """Make sure a new line never glues onto a torn one left by a kill."""
        path = self.attempts_path
        if path.exists() and path.stat().st_size:
            with open(path, "rb+") as handle:
                handle.seek(-1, os.SEEK_END)
                if handle.read(1) != b"\n":
                    handle.write(b"\n")

    def write_summary(self, summary: dict) -> None:
        _write_atomic(self.path / "summary.json", json.dumps(summary, indent=2))

    def read_summary(self) -> dict:
        return json.loads((self.path / "summary.json").read_text())


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
