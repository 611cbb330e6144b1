"""The perplexity scorer behind the self-reference judge's preference strength, on SmolLM2."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.real_model


def test_a_model_finds_the_right_answer_more_likely_than_a_wrong_one(smol_path):
    from ratchet.learn.scoring import LlamaCppScorer

    scorer = LlamaCppScorer(smol_path, n_ctx=512, n_threads=1)
    question = [{"role": "user", "content": "What is the capital of France?"}]
    right = scorer(question, "The capital of France is Paris.")
    wrong = scorer(question, "The capital of France is a banana.")
    assert right > wrong and right < 0
    assert scorer(question, "") == 0.0
