"""Datasets NSR learns from, generated from their published definitions, deterministic per seed."""

from __future__ import annotations

from ratchet.errors import unknown_name
from ratchet.nesy.data.example import Example, Split, Value
from ratchet.nesy.data.hint import SPLITS as HINT_SPLITS
from ratchet.nesy.data.pcfg import SPLITS as PCFG_SPLITS
from ratchet.nesy.data.scan import SPLITS as SCAN_SPLITS

DATASETS: dict[str, tuple[str, ...]] = {
    "scan": SCAN_SPLITS,
    "pcfg": PCFG_SPLITS,
    "hint": HINT_SPLITS,
    "hint_image": HINT_SPLITS,
}


def check_dataset(dataset: str, split: str | None = None) -> None:
    """Raise a one-line UserError (with a suggestion) for an unknown dataset or split."""
    if dataset not in DATASETS:
        raise unknown_name("dataset", dataset, DATASETS)
    if split is not None and split not in DATASETS[dataset]:
        raise unknown_name(f"{dataset} split", split, DATASETS[dataset])


def load_split(dataset: str, split: str, seed: int = 0) -> Split:
    """Generate one split of one dataset."""
    check_dataset(dataset, split)
    if dataset == "scan":
        from ratchet.nesy.data.scan import scan_split

        return scan_split(split, seed)
    if dataset == "pcfg":
        from ratchet.nesy.data.pcfg import pcfg_split

        return pcfg_split(split, seed)
    if dataset == "hint":
        from ratchet.nesy.data.hint import hint_split

        return hint_split(split, seed)
    from ratchet.nesy.data.hint import hint_image_split

    return hint_image_split(split, seed)


__all__ = ["DATASETS", "Example", "Split", "Value", "check_dataset", "load_split"]
