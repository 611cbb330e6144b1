"""Neural-Symbolic Recursive Machine (NSR): learn a Grounded Symbol System — perception, syntax,
semantics — from input/output pairs alone, by deduction and abduction (docs/METHODS.md, card 5).

    from ratchet.nesy import load_split, train_nsr
    model = train_nsr(load_split("scan", "length"))
    model.evaluate(load_split("scan", "length").test)
    model.program_table()  # [(symbol, program, share of examples explained), ...]

Needs the `nesy` extra (torch, scikit-learn); the data generators need neither.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ratchet.nesy.data import DATASETS, Example, Split, check_dataset, load_split

if TYPE_CHECKING:  # heavy modules (torch) load on first use
    from ratchet.nesy.learner import NsrConfig
    from ratchet.nesy.model import NsrModel
    from ratchet.nesy.train import train_nsr

__all__ = ["DATASETS", "Example", "NsrConfig", "NsrModel", "Split", "check_dataset", "load_split", "train_nsr"]


def __getattr__(name: str):  # noqa: ANN202
    if name == "NsrConfig":
        from ratchet.nesy.learner import NsrConfig

        return NsrConfig
    if name == "NsrModel":
        from ratchet.nesy.model import NsrModel

        return NsrModel
    if name == "train_nsr":
        from ratchet.nesy.train import train_nsr

        return train_nsr
    raise AttributeError(name)
