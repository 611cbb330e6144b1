"""A model that answers from a script: for unit tests of logic, shipped with the library."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from ratchet.core import Message, Usage
from ratchet.models.base import Completion, SamplingParams, TokenLogprob

Responder = Callable[[Sequence[Message], SamplingParams], str]


class ScriptedModel:
    """Answers with `responder(messages, params)`, or pops replies from a list in order.

    Token counts are whitespace word counts, so cost bookkeeping can be tested exactly. Every call
    is recorded in `calls`.
    """

    supports_logprobs = True
    max_concurrency = 4

    def __init__(
        self,
        replies: Sequence[str] | Responder,
        name: str = "scripted",
        logprob: float = -0.1,
    ) -> None:
        self.name = name
        self.identity = f"scripted:{name}"
        self._responder = replies if callable(replies) else None
        self._replies = list(replies) if not callable(replies) else []
        self._logprob = logprob
        self._lock = threading.Lock()
        self.calls: list[tuple[list[Message], SamplingParams]] = []

    def complete(self, messages: Sequence[Message], params: SamplingParams) -> Completion:
        with self._lock:
            self.calls.append((list(messages), params))
            if self._responder is not None:
                text = self._responder(messages, params)
            elif self._replies:
                text = self._replies.pop(0)
            else:
                raise RuntimeError("ScriptedModel ran out of replies")
        prompt_tokens = sum(len(m["content"].split()) for m in messages)
        tokens = text.split()
        finish = "stop"
        if params.max_tokens is not None and len(tokens) > params.max_tokens:  # as a real model stops
            tokens, finish = tokens[: params.max_tokens], "length"
            text = " ".join(tokens)
        logprobs = None
        if params.logprobs is not None:
            logprobs = tuple(TokenLogprob(tok, self._logprob) for tok in tokens)
        usage = Usage(prompt_tokens, len(tokens), calls=1)
        return Completion(text, finish, usage, logprobs)
