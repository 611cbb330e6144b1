"""The data every NSR dataset produces: examples (input tokens, target) grouped into splits."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Value = Any  # a tuple of output tokens (SCAN, PCFG) or an int (HINT)


@dataclass(frozen=True)
class Example:
    """One input/output pair. `images` holds one image per token in the image version of HINT."""

    tokens: tuple[str, ...]
    target: Value
    images: tuple[Any, ...] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Split:
    """A named split of one dataset. `dev` is drawn as test is (same distribution, disjoint from
    train and test) for every choice made while developing or tuning a learner, so that `test`
    is read once, at the end; it is never trained on. Empty where the dataset has no room for
    one (SCAN: every command is in train or test, as published)."""

    dataset: str
    name: str
    train: tuple[Example, ...]
    test: tuple[Example, ...]
    dev: tuple[Example, ...] = ()
