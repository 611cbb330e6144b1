"""One training run end to end: generate the split, learn NSR, evaluate, return the artifact."""

from __future__ import annotations

import time
from collections.abc import Callable

from ratchet.nesy.data import load_split
from ratchet.nesy.data.example import Split
from ratchet.nesy.learner import NsrConfig, RoundLog, distinct, fit
from ratchet.nesy.model import NsrModel, nsr_inputs, primitive_examples
from ratchet.nesy.perception import ImagePerception, TokenPerception

IMAGE_SYMBOLS = 32  # 16 symbols (10 digits, 4 operators, 2 parentheses) and as many spare: clusters may split a symbol


def set_threads(n: int = 1) -> None:
    """Tiny networks on a shared CPU: more threads only add contention."""
    import torch

    torch.set_num_threads(n)


def train_nsr(
    split: Split,
    config: NsrConfig = NsrConfig(),
    progress: Callable[[RoundLog], None] | None = None,
    max_train: int | None = None,
    image_symbols: int = IMAGE_SYMBOLS,
) -> NsrModel:
    """Learn NSR on a split's training examples (optionally only the first `max_train`);
    on images, perception starts from `image_symbols` clusters."""
    set_threads()
    train = distinct(split.train)[:max_train] if max_train else list(split.train)
    train = nsr_inputs(split.dataset, train + primitive_examples(split.dataset, train))
    start = time.perf_counter()
    if split.dataset == "hint_image":
        perception = ImagePerception(image_symbols, seed=config.seed)
        perception.bootstrap(train)
    else:
        perception = TokenPerception.from_examples(train)
    learned = fit(train, perception, config, progress)
    return NsrModel.from_learned(split.dataset, split.name, learned, config, time.perf_counter() - start)


def load_and_train(dataset: str, split_name: str, seed: int = 0, **kwargs) -> tuple[NsrModel, Split]:  # noqa: ANN003
    split = load_split(dataset, split_name, seed)
    return train_nsr(split, NsrConfig(seed=seed), **kwargs), split
