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

    split = load_split("scan", "simple", seed=0)
    config = NsrConfig(batch_size=300, rounds_per_stage=3, final_rounds=1)
    model = train_nsr(split, config, max_train=900)
    path: Path = tmp_path_factory.mktemp("nsr") / "model.pt"
    model.save(path)
    return model, path, split
