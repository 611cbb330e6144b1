"""An on-disk response cache (SQLite) that never collapses samples.

The key is a hash of the model identity (name + weights hash, or endpoint + model), the messages
and every sampling parameter, including the effective seed (base seed + sample index). So n
samples stay n distinct entries, and rerunning a command returns the same outputs for free.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path

from ratchet.core import Message, Usage
from ratchet.models.base import Completion, Model, SamplingParams, TokenLogprob

SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    identity TEXT NOT NULL,
    response TEXT NOT NULL,
    created REAL NOT NULL
)
"""


def cache_key(identity: str, messages: Sequence[Message], params: SamplingParams) -> str:
    payload = {
        "identity": identity,
        "messages": [dict(m) for m in messages],
        "params": params.to_json(),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


class ResponseCache:
    """A SQLite table of completions keyed by `cache_key`. Safe to share between threads."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(SCHEMA)
            self._db.commit()

    def get(self, key: str) -> Completion | None:
        with self._lock:
            row = self._db.execute("SELECT response FROM responses WHERE key = ?", (key,)).fetchone()
        return None if row is None else _completion_from_json(json.loads(row[0]))

    def put(self, key: str, identity: str, completion: Completion) -> None:
        data = json.dumps(asdict(completion))
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO responses (key, identity, response, created) VALUES (?, ?, ?, ?)",
                (key, identity, data, time.time()),
            )
            self._db.commit()

    def __len__(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM responses").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _completion_from_json(data: dict) -> Completion:
    logprobs = data.get("logprobs")
    if logprobs is not None:
        logprobs = tuple(
            TokenLogprob(t["token"], t["logprob"], tuple(tuple(x) for x in t.get("top", ())))
            for t in logprobs
        )
    return Completion(
        text=data["text"],
        finish_reason=data["finish_reason"],
        usage=Usage(**data["usage"]),
        logprobs=logprobs,
    )


class CachedModel:
    """Wraps a model so repeated requests are answered from a `ResponseCache`.

    A cached completion comes back with `cached=True`, its original token counts (all of them
    also counted as replayed), zero seconds and `cached_calls=1`, so reports can tell work done
    from work replayed.
    """

    def __init__(self, model: Model, cache: ResponseCache) -> None:
        self.model = model
        self.cache = cache
        self.name = model.name
        self.identity = model.identity
        self.supports_logprobs = model.supports_logprobs
        self.max_concurrency = model.max_concurrency

    def complete(self, messages: Sequence[Message], params: SamplingParams) -> Completion:
        key = cache_key(self.identity, messages, params)
        hit = self.cache.get(key)
        if hit is not None:
            usage = replace(
                hit.usage, seconds=0.0, wait_seconds=0.0, calls=1, cached_calls=1,
                replayed_prompt_tokens=hit.usage.prompt_tokens,
                replayed_completion_tokens=hit.usage.completion_tokens,
            )
            return replace(hit, usage=usage, cached=True)
        completion = self.model.complete(messages, params)
        self.cache.put(key, self.identity, completion)
        return completion

    def __getattr__(self, attr: str):
        # Backend-specific extras (e.g. a llama.cpp model's path) stay reachable.
        return getattr(self.model, attr)
