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
    """A named train/test split of one dataset."""

    dataset: str
    name: str
    train: tuple[Example, ...]
    test: tuple[Example, ...]
