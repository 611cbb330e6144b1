"""Perception: input segments -> symbols. The identity on symbolic input (each token is its own
symbol); a small CNN on images, trained on the symbols abduction assigns."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from ratchet.errors import UserError
from ratchet.nesy.data.example import Example

Options = list[list[tuple[int, float]]]  # per position: (symbol, cost) alternatives


class Perception(Protocol):
    n_symbols: int

    def perceive(self, examples: Sequence[Example]) -> tuple[list[tuple[int, ...]], list[Options] | None]:
        """Most likely symbols per example, and (for learned perception) the alternatives."""
        ...

    def fit(self, examples: Sequence[Example], symbols: Sequence[Sequence[int]]) -> None: ...

    def names(self) -> list[str]: ...


class TokenPerception:
    """Symbolic input: symbol i is the i-th token of the training vocabulary."""

    def __init__(self, vocabulary: Sequence[str]) -> None:
        self.vocabulary = tuple(vocabulary)
        self.index = {tok: i for i, tok in enumerate(self.vocabulary)}
        self.n_symbols = len(self.vocabulary)

    @classmethod
    def from_examples(cls, examples: Sequence[Example]) -> "TokenPerception":
        return cls(sorted({t for ex in examples for t in ex.tokens}))

    def unknown(self, tokens: Sequence[str]) -> list[str]:
        return [t for t in tokens if t not in self.index]

    def encode(self, tokens: Sequence[str]) -> tuple[int, ...]:
        missing = self.unknown(tokens)
        if missing:
            raise UserError(
                f"input token(s) {', '.join(repr(t) for t in missing)} are not in the model's "
                f"vocabulary; use only: {' '.join(self.vocabulary[:40])}"
                + (" ..." if len(self.vocabulary) > 40 else "")
            )
        return tuple(self.index[t] for t in tokens)

    def perceive(self, examples: Sequence[Example]) -> tuple[list[tuple[int, ...]], None]:
        return [self.encode(ex.tokens) for ex in examples], None

    def fit(self, examples: Sequence[Example], symbols: Sequence[Sequence[int]]) -> None:
        return None

    def names(self) -> list[str]:
        return list(self.vocabulary)

    def state(self) -> dict:
        return {"kind": "tokens", "vocabulary": list(self.vocabulary)}


class ImagePerception:
    """A small CNN over 8×8 images; its classes are the symbols. Initialised by k-means on the
    training images (no labels), then trained on the symbols abduction settles on."""

    def __init__(self, n_symbols: int, seed: int = 0, epochs: int = 3) -> None:
        import torch
        from torch import nn

        torch.manual_seed(seed)
        self.n_symbols, self.epochs, self.rng = n_symbols, epochs, random.Random(seed)
        self.net = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(32 * 4, 64), nn.ReLU(), nn.Linear(64, n_symbols),
        )

    @staticmethod
    def _stack(images: Sequence[np.ndarray]):  # noqa: ANN205
        import torch

        return torch.tensor(np.stack(images) / 16.0, dtype=torch.float32).unsqueeze(1)

    def bootstrap(self, examples: Sequence[Example]) -> None:
        """Unsupervised start: cluster the images and train the CNN to predict the clusters."""
        from sklearn.cluster import KMeans

        images = [img for ex in examples for img in (ex.images or ())]
        flat = np.stack(images).reshape(len(images), -1)
        labels = KMeans(self.n_symbols, n_init=4, random_state=0).fit_predict(flat)
        self._train(images, [int(x) for x in labels])

    def _train(self, images: Sequence[np.ndarray], labels: Sequence[int]) -> None:
        import torch
        from torch import nn

        x, y = self._stack(images), torch.tensor(labels)
        opt = torch.optim.Adam(self.net.parameters(), lr=2e-3)
        self.net.train()
        for _ in range(self.epochs):
            order = torch.randperm(len(y))
            for i in range(0, len(y), 256):
                idx = order[i : i + 256]
                loss = nn.functional.cross_entropy(self.net(x[idx]), y[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()

    def perceive(self, examples: Sequence[Example]) -> tuple[list[tuple[int, ...]], list[Options]]:
        import torch

        self.net.eval()
        images = [img for ex in examples for img in (ex.images or ())]
        with torch.no_grad():
            logp = torch.log_softmax(self.net(self._stack(images)), dim=-1).numpy()
        symbols, options, k = [], [], 0
        for ex in examples:
            rows = logp[k : k + len(ex.tokens)]
            k += len(ex.tokens)
            symbols.append(tuple(int(r.argmax()) for r in rows))
            options.append([[(s, float(r.max() - r[s])) for s in np.argsort(-r)[:4]] for r in rows])
        return symbols, options

    def fit(self, examples: Sequence[Example], symbols: Sequence[Sequence[int]]) -> None:
        images = [img for ex in examples for img in (ex.images or ())]
        labels = [s for seq in symbols for s in seq]
        self._train(images, labels)

    def names(self) -> list[str]:
        return [f"s{i}" for i in range(self.n_symbols)]

    def state(self) -> dict:
        return {"kind": "images", "n_symbols": self.n_symbols, "net": self.net.state_dict()}
