"""BM25 over a corpus that keeps growing: a bm25s index plus a small delta scored directly.

Documents are tokenised once, to ids against a growing vocabulary. Up to `exact_below` documents,
any addition rebuilds the bm25s index on the next search: exact and cheap at that size. Beyond
it, new documents wait in a delta until it holds `delta_share` of the main index; the delta is
scored with the same BM25 formula (bm25s' default Lucene variant, k1=1.5, b=0.75) in numpy,
with document frequencies counted over main + delta, and its hits are merged with the main
index's. Rebuilding the main index (linear in the corpus) thus happens once per 10% growth, not
after every addition; the main index's IDF is at most that much out of date.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence

import numpy as np

_TOKEN = re.compile(r"(?u)\b\w\w+\b")
K1, B = 1.5, 0.75


def _stopwords() -> frozenset[str]:
    try:
        from bm25s.stopwords import STOPWORDS_EN

        return frozenset(STOPWORDS_EN)
    except ImportError:  # pragma: no cover - bm25s is a core dependency
        return frozenset()


STOPWORDS = _stopwords()


def tokenize(text: str) -> list[str]:
    """Lower-cased words of two or more characters, English stop words removed."""
    return [t for t in _TOKEN.findall(text.lower()) if t not in STOPWORDS]


def _idf(df: np.ndarray, n_docs: int) -> np.ndarray:
    return np.log1p((n_docs - df + 0.5) / (df + 0.5))


class BM25Index:
    """BM25 over documents added over time; `search` returns (position, score) pairs."""

    def __init__(self, exact_below: int = 5000, delta_share: float = 0.1) -> None:
        self.vocab: dict[str, int] = {}
        self.exact_below, self.delta_share = exact_below, delta_share
        self._docs: list[np.ndarray] = []
        self._bm25 = None
        self._n_main = 0  # documents in the bm25s index
        self._main_df = np.zeros(0, dtype=np.int64)
        self._main_length = 0.0  # total tokens in the main index
        self._delta: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # tokens, owner, lengths
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._docs)

    def add(self, texts: Sequence[str]) -> None:
        with self._lock:
            for text in texts:
                ids = [self.vocab.setdefault(t, len(self.vocab)) for t in tokenize(text)]
                self._docs.append(np.asarray(ids, dtype=np.int32))
            self._delta = None
            if len(self._docs) <= self.exact_below:
                self._bm25 = None

    def search(self, query: str, k: int, weights: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Up to k (document position, score) pairs with a positive score, best first.
        `weights` (one per document) multiplies scores: 0 hides a document."""
        words = sorted({t for t in tokenize(query) if t in self.vocab})
        with self._lock:
            if not words or not self._docs or k <= 0:
                return []
            self._refresh()
            terms = [self.vocab[w] for w in words]
            hits = self._search_main(words, terms, k, weights) + self._search_delta(terms, k, weights)
        hits.sort(key=lambda hit: -hit[1])
        return [hit for hit in hits[:k] if hit[1] > 0]

    # -- the main index ----------------------------------------------------------------------
    def _refresh(self) -> None:
        pending = len(self._docs) - self._n_main
        if self._bm25 is None or pending > self.delta_share * self._n_main:
            self._build_main()

    def _build_main(self) -> None:
        import bm25s
        from bm25s.tokenization import Tokenized

        bm25 = bm25s.BM25(k1=K1, b=B)
        bm25.index(Tokenized(self._docs, dict(self.vocab)), show_progress=False)
        self._bm25, self._n_main, self._delta = bm25, len(self._docs), None
        # bm25s keeps one sparse column per token: its length is the document frequency
        self._main_df = np.diff(bm25.scores["indptr"])[:len(self.vocab)].astype(np.int64)
        self._main_length = float(sum(max(len(d), 1) for d in self._docs))

    def _search_main(self, words: list[str], terms: list[int], k: int,
                     weights: np.ndarray | None) -> list[tuple[int, float]]:
        known = [w for w, t in zip(words, terms) if t < len(self._main_df) and self._main_df[t] > 0]
        if not known:
            return []
        mask = None if weights is None else weights[:self._n_main]
        docs, scores = self._bm25.retrieve([known], k=min(k, self._n_main),
                                           show_progress=False, weight_mask=mask, n_threads=1)
        return [(int(d), float(s)) for d, s in zip(docs[0], scores[0])]

    # -- the delta, scored directly ----------------------------------------------------------
    def _search_delta(self, terms: list[int], k: int, weights: np.ndarray | None) -> list[tuple[int, float]]:
        if self._n_main == len(self._docs):
            return []
        if self._delta is None:
            self._delta = _flatten(self._docs[self._n_main:])
        tokens, owner, lengths = self._delta
        query = np.asarray(terms, dtype=np.int32)
        hit = np.isin(tokens, query)
        if not hit.any():
            return []
        width = len(self.vocab) + 1
        pairs, tf = np.unique(owner[hit].astype(np.int64) * width + tokens[hit], return_counts=True)
        doc, term = pairs // width, pairs % width
        main_df = np.where(term < len(self._main_df), self._main_df[np.minimum(term, len(self._main_df) - 1)], 0)
        df = main_df + np.bincount(term, minlength=width)[term]
        n_docs = len(self._docs)
        avgdl = (self._main_length + lengths.sum()) / n_docs
        norm = K1 * ((1 - B) + B * lengths[doc] / avgdl)
        scores = np.bincount(doc, weights=_idf(df, n_docs) * tf / (norm + tf), minlength=len(lengths))
        if weights is not None:
            scores = scores * weights[self._n_main:]
        top = np.argsort(-scores)[:k]
        return [(self._n_main + int(i), float(scores[i])) for i in top if scores[i] > 0]


def _flatten(docs: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All token ids in one array, the document each belongs to, and document lengths."""
    lengths = np.fromiter((len(d) for d in docs), dtype=np.int64, count=len(docs))
    tokens = np.concatenate(list(docs)) if len(docs) else np.zeros(0, dtype=np.int32)
    owner = np.repeat(np.arange(len(docs), dtype=np.int32), lengths)
    return tokens.astype(np.int32), owner, np.maximum(lengths, 1).astype(np.float64)


__all__ = ["BM25Index", "STOPWORDS", "tokenize"]
