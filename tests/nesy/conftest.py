from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("sklearn")


@pytest.fixture(scope="session")
def scan_model(tmp_path_factory: pytest.TempPathFactory):
    """One short NSR run on SCAN simple, shared by the end-to-end and CLI tests."""
    from ratchet.nesy.data import load_split
    from ratchet.nesy.learner import NsrConfig
    from ratchet.nesy.train import train_nsr

    import dataclasses

    split = load_split("scan", "simple", seed=0)
    # a small training set: the short commands (they ground the words) and 1,200 others
    short = [e for e in split.train if len(e.tokens) <= 3]
    small = dataclasses.replace(split, train=tuple(short + [e for e in split.train if len(e.tokens) > 3][:1200]))
    config = NsrConfig(batch_size=400, rounds_per_stage=3, final_rounds=3)
    model = train_nsr(small, config)
    path: Path = tmp_path_factory.mktemp("nsr") / "model.pt"
    model.save(path)
    return model, path, split
