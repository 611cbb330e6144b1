"""Tasks and the fixed train/dev/test split rule."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any


class Split(StrEnum):
    TRAIN = "train"
    DEV = "dev"
    TEST = "test"


#: Share of every suite's tasks in each split (see `assign_splits`).
SPLIT_FRACTIONS: Mapping[Split, float] = MappingProxyType(
    {Split.TRAIN: 0.4, Split.DEV: 0.2, Split.TEST: 0.4}
)


@dataclass(frozen=True)
class Task:
    """One problem, as a solver may see it.

    Only visible information lives here: the prompt and whatever a solver may legitimately use
    (an entry-point name, the examples in a docstring). Gold answers and hidden tests stay inside
    the suite's verifier, so no strategy can read them by accident.
    """

    id: str
    prompt: str
    visible: Mapping[str, Any] = field(default_factory=dict)
    difficulty: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "visible", MappingProxyType(dict(self.visible)))


def split_key(suite_name: str, task_id: str) -> str:
    """The hash that orders a suite's tasks before they are cut into splits."""
    return hashlib.sha256(f"{suite_name}/{task_id}".encode()).hexdigest()


def assign_splits(suite_name: str, task_ids: Iterable[str]) -> dict[str, Split]:
    """The documented split rule shared by every suite.

    Tasks are sorted by sha256("<suite>/<task id>"); the first 40% form train, the next 20% dev,
    the rest test (sizes rounded down, remainder to test). The rule depends only on the suite name
    and the task ids, so the splits are identical on every machine and never change when tasks are
    read in another order.
    """
    ids = sorted(set(task_ids), key=lambda task_id: split_key(suite_name, task_id))
    n_train = int(len(ids) * SPLIT_FRACTIONS[Split.TRAIN])
    n_dev = int(len(ids) * SPLIT_FRACTIONS[Split.DEV])
    splits: dict[str, Split] = {}
    for position, task_id in enumerate(ids):
        if position < n_train:
            splits[task_id] = Split.TRAIN
        elif position < n_train + n_dev:
            splits[task_id] = Split.DEV
        else:
            splits[task_id] = Split.TEST
    return splits
