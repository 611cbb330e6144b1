"""Scoring candidate answers by log-likelihood with the llama.cpp model already loaded.

llama-cpp-python's chat API returns log-probabilities of tokens it *generates*; it has no call for
the probability of a given continuation. So the prompt is formatted with the GGUF's own chat
template (as `create_chat_completion` does), evaluated once, and each candidate is fed token by
token from the end of the prompt, reading the next-token logits after each step. That needs no
`logits_all` context (which would hold n_ctx x vocabulary floats, 1.2 GB for Qwen at 2048
tokens) and no second copy of the weights: the generation context of the loaded model is
reused, and its prompt cache still serves the greedy answer that follows.

Which backends can score: llama.cpp in process. OpenAI-compatible servers return log-probabilities
only for what they generate, so there the margin gate takes its candidates from samples instead
(`ratchet.ttt.uncertainty`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ratchet.core import Message
from ratchet.errors import MissingExtraError, UserError
from ratchet.models.base import Model


def local_llama(model: Model):
    """The `LlamaCppModel` behind `model` (unwrapping the response cache), or None."""
    inner = getattr(model, "model", model)
    return inner if getattr(inner, "_llama", None) is not None and hasattr(inner, "path") else None


class LlamaCppCandidateScorer:
    """`(messages, candidates) -> [(sum of token log-probs, tokens)]` for an in-process model."""

    def __init__(self, model: Model) -> None:
        inner = local_llama(model)
        if inner is None:
            raise UserError(f"model '{model.name}' is not a llama.cpp model in process: it cannot score candidates")
        try:
            from llama_cpp.llama_chat_format import Jinja2ChatFormatter
        except ImportError as error:  # pragma: no cover - the model could not have loaded
            raise MissingExtraError("scoring candidates", "local", "llama-cpp-python") from error
        self._inner = inner
        llama = inner._llama
        template = llama.metadata.get("tokenizer.chat_template")
        if not template:
            raise UserError(f"{inner.path} has no chat template; its candidates cannot be scored")
        self._format = Jinja2ChatFormatter(
            template=template,
            eos_token=llama._model.token_get_text(llama.token_eos()),
            bos_token=llama._model.token_get_text(llama.token_bos()),
        )

    def __call__(self, messages: Sequence[Message], candidates: Sequence[str]) -> list[tuple[float, int]]:
        prompt = self._format(messages=[dict(m) for m in messages]).prompt
        with self._inner._lock:  # the generation context is shared with `complete`
            llama = self._inner._llama
            prefix = llama.tokenize(prompt.encode(), add_bos=False, special=True)
            return [self._score(llama, prefix, prompt, candidate) for candidate in candidates]

    def _score(self, llama, prefix: list[int], prompt: str, candidate: str) -> tuple[float, int]:
        tokens = llama.tokenize((prompt + candidate).encode(), add_bos=False, special=True)
        start = _common_prefix(prefix, tokens)
        if start == 0 or start >= len(tokens):
            return 0.0, 0
        # Rewind to just before the first candidate token; what came before stays in the cache.
        cached = _common_prefix(llama.input_ids[: llama.n_tokens].tolist(), tokens[: start - 1])
        llama.n_tokens = cached
        if cached < start - 1:
            llama.eval(tokens[cached : start - 1])
        total = 0.0
        for position in range(start, len(tokens)):
            llama.eval([tokens[position - 1]])
            total += _log_softmax_at(llama, tokens[position])
        return total, len(tokens) - start


def _log_softmax_at(llama, token: int) -> float:
    import llama_cpp

    logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llama._ctx.ctx, -1), shape=(llama.n_vocab(),))
    logits = logits.astype(np.float64)
    top = logits.max()
    return float(logits[token] - top - np.log(np.exp(logits - top).sum()))


def _common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def candidate_scorer_for(model: Model):
    """How candidates can be scored with `model`: its own `score_candidates` (test fakes), the
    llama.cpp scorer for an in-process model, or None (the gate then samples candidates)."""
    own = getattr(model, "score_candidates", None)
    if callable(own):
        return own
    if local_llama(model) is not None:
        return LlamaCppCandidateScorer(model)
    return None
