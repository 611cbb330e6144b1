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
    min_support: int  # examples a symbol needs before it gets a program

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
        self.min_support = 1  # a token is its own symbol: one example grounds it

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


def cluster_features(images: Sequence[np.ndarray], pixel_weight: float = 0.3) -> np.ndarray:
    """Shift-invariant features for clustering: |FFT| of each image, plus a little of its pixels,
    each part scaled to unit mean norm."""
    stack = np.stack(images).astype(np.float64)
    parts = [np.abs(np.fft.fft2(stack)).reshape(len(images), -1), stack.reshape(len(images), -1)]
    parts = [p / max(np.linalg.norm(p, axis=1).mean(), 1e-9) for p in parts]
    return np.hstack([parts[0], pixel_weight * parts[1]])


def jitter(x):  # noqa: ANN001, ANN201
    """Each image shifted by up to one pixel (circularly) at random: handwriting and the glyphs
    are not always in the same place, so the network should not care."""
    import torch

    shifts = torch.randint(-1, 2, (len(x), 2))
    out = x.clone()
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            rows = ((shifts[:, 0] == dy) & (shifts[:, 1] == dx)).nonzero().flatten()
            if len(rows) and (dy or dx):
                out[rows] = torch.roll(x[rows], (dy, dx), dims=(2, 3))
    return out


class ImagePerception:
    """A small CNN over 8×8 images; its classes are the symbols. Initialised by k-means on the
    training images (no labels), then trained on the symbols abduction settles on.

    `options` is how many symbols per image abduction may swap to; every fit takes at least
    `min_steps` optimiser steps, so that a small early curriculum stage (a few hundred images)
    still moves the network, and replays training images under their current reading so that
    it does not forget the symbols a stage does not show."""

    def __init__(self, n_symbols: int, seed: int = 0, epochs: int = 3, options: int = 8, min_steps: int = 150) -> None:
        import torch
        from torch import nn

        torch.manual_seed(seed)
        self.n_symbols, self.epochs, self.rng = n_symbols, epochs, random.Random(seed)
        self.options, self.min_steps = min(options, n_symbols), min_steps
        # A cluster is a hypothesis: a few stray images in a stage that shows other symbols (a
        # digit read as a parenthesis' cluster) must not give it a program for good.
        self.min_support = 8
        self.memory: list[np.ndarray] = []  # the training images (set by `bootstrap`), for replay
        self.min_replay = 2000
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
        """Unsupervised start: cluster the images and train the CNN to predict the clusters.

        The clustering reads the magnitude of each image's 2-D Fourier transform, which a
        circular shift leaves unchanged (the glyphs are shifted by a pixel at random; on raw
        pixels k-means spends most of its clusters on shifted copies of the same glyph), plus a
        little of the raw pixels, which tell mirror images such as ( and ) apart."""
        from sklearn.cluster import KMeans

        images = [img for ex in examples for img in (ex.images or ())]
        labels = KMeans(self.n_symbols, n_init=4, random_state=0).fit_predict(cluster_features(images))
        self.memory = images
        self._train(images, [int(x) for x in labels])

    def _train(self, images: Sequence[np.ndarray], labels: Sequence[int]) -> None:
        import torch
        from torch import nn

        x, y = self._stack(images), torch.tensor(labels)
        opt = torch.optim.Adam(self.net.parameters(), lr=2e-3)
        self.net.train()
        batch = 256
        epochs = max(self.epochs, -(-self.min_steps * batch // max(len(y), 1)))
        for _ in range(epochs):
            order = torch.randperm(len(y))
            for i in range(0, len(y), batch):
                idx = order[i : i + batch]
                loss = nn.functional.cross_entropy(self.net(jitter(x[idx])), y[idx])
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
            options.append([[(s, float(r.max() - r[s])) for s in np.argsort(-r)[: self.options]] for r in rows])
        return symbols, options

    def fit(self, examples: Sequence[Example], symbols: Sequence[Sequence[int]]) -> None:
        """Train on the revised symbols, plus as many training images labelled with the network's
        own current reading (replay): an early curriculum stage shows only digits, and training
        on it alone would make the network forget the operators' and parentheses' classes."""
        import torch

        images = [img for ex in examples for img in (ex.images or ())]
        labels = [s for seq in symbols for s in seq]
        if self.memory:
            replay = self.rng.sample(self.memory, min(len(self.memory), max(len(images), self.min_replay)))
            self.net.eval()
            with torch.no_grad():
                current = self.net(self._stack(replay)).argmax(-1).tolist()
            images, labels = images + replay, labels + current
        self._train(images, labels)

    def names(self) -> list[str]:
        return [f"s{i}" for i in range(self.n_symbols)]

    def state(self) -> dict:
        return {"kind": "images", "n_symbols": self.n_symbols, "net": self.net.state_dict()}
