"""The seq2seq baseline: its learning-rate schedule, and that it fits a small training set."""

from __future__ import annotations

import pytest

from ratchet.nesy.baseline import Seq2SeqConfig, learning_rate_factor, train_seq2seq
from ratchet.nesy.data import load_split


def test_schedule_warms_up_then_decays_to_a_tenth() -> None:
    config = Seq2SeqConfig(steps=1000, warmup_steps=100)
    factors = [learning_rate_factor(step, config) for step in range(1000)]
    assert factors[0] == pytest.approx(0.01) and factors[99] == pytest.approx(1.0)
    assert all(a >= b for a, b in zip(factors[100:], factors[101:]))  # never rises after the peak
    assert factors[-1] == pytest.approx(0.1, abs=1e-3)


def test_baseline_fits_short_scan_commands() -> None:
    split = load_split("scan", "simple")
    short = [ex for ex in split.train if len(ex.tokens) <= 3][:60]
    model = train_seq2seq(short, Seq2SeqConfig(steps=400, batch_size=32, warmup_steps=50))
    assert model.accuracy(short) >= 0.9
