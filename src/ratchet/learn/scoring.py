"""How likely a model finds a given continuation: mean log-probability per token (the negative
log of its perplexity). The self-reference judge grades preference strength with it.

`Scorer` is any function `(messages, continuation) -> mean log-prob per token`. `llama_cpp_scorer`
builds one for a local GGUF model: the chat template of the GGUF formats the prompt, then one
forward pass over prompt + continuation yields every continuation token's log-probability. It
opens its own llama.cpp context with `logits_all` (a small `n_ctx`, since that buffer holds
n_ctx x vocabulary floats), so the model's generation context is left alone.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from ratchet.core import Message
from ratchet.errors import MissingExtraError, UserError

Scorer = Callable[[Sequence[Message], str], float]


class LlamaCppScorer:
    """Mean log-probability of a continuation under a GGUF model (with its adapter, if any)."""

    def __init__(self, path: Path, adapter: Path | None = None, n_ctx: int = 2048, n_threads: int | None = None):
        try:
            from llama_cpp.llama_chat_format import Jinja2ChatFormatter

            from ratchet.models.llamacpp import new_llama  # the CPU-safe loader (ratchet.models.cpu)
        except ImportError as error:
            raise MissingExtraError("scoring text with a local model", "local", "llama-cpp-python") from error
        kwargs = {"model_path": str(path), "n_ctx": n_ctx, "logits_all": True, "verbose": False}
        if n_threads:
            kwargs["n_threads"] = n_threads
        if adapter is not None:
            kwargs["lora_path"] = str(adapter)
        self._llama = new_llama(**kwargs)
        self.n_ctx = n_ctx
        template = self._llama.metadata.get("tokenizer.chat_template")
        if not template:
            raise UserError(f"{path} has no chat template; it cannot score chat continuations")
        model = self._llama._model
        self._format = Jinja2ChatFormatter(
            template=template,
            eos_token=model.token_get_text(self._llama.token_eos()),
            bos_token=model.token_get_text(self._llama.token_bos()),
        )
        self._lock = threading.Lock()

    def __call__(self, messages: Sequence[Message], continuation: str) -> float:
        prompt = self._format(messages=[dict(m) for m in messages]).prompt
        with self._lock:
            llama = self._llama
            prefix = llama.tokenize(prompt.encode(), add_bos=False, special=True)
            tokens = llama.tokenize((prompt + continuation).encode(), add_bos=False, special=True)
            start = _common_prefix(prefix, tokens)
            tokens = tokens[: self.n_ctx]
            if start >= len(tokens) or start == 0:
                return 0.0
            llama.reset()
            llama.eval(tokens)
            logits = np.asarray(llama.scores[start - 1 : len(tokens) - 1], dtype=np.float64)
        logits -= logits.max(axis=1, keepdims=True)
        log_probs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        chosen = log_probs[np.arange(len(tokens) - start), tokens[start:]]
        return float(chosen.mean())


def _common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def llama_cpp_scorer(model, n_ctx: int = 2048) -> LlamaCppScorer:
    """A scorer for a loaded local model (`load_model(...)`, cached or not)."""
    inner = getattr(model, "model", model)  # unwrap the response cache
    path = getattr(inner, "path", None)
    if path is None:
        raise UserError(f"model '{model.name}' is not a local GGUF model: its perplexity cannot be scored here")
    return LlamaCppScorer(Path(path), getattr(inner, "adapter", None), n_ctx=n_ctx)
