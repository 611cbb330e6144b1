"""TT-SI's real machinery with SmolLM2: candidate scoring in llama.cpp, LoRA training in
transformers, GGUF export, the adapter set on the loaded llama.cpp context, and the reset.

The examples come from a scripted teacher that writes correct calls (so that both inputs are
adapted whatever SmolLM2 would write); everything else is real. Skips without the `train` extra
unless RATCHET_REQUIRE_REAL=1. About two minutes of CPU time.
"""

from __future__ import annotations

import os

import pytest

from ratchet.core import Split, SolverView
from ratchet.models import SamplingParams, ScriptedModel
from ratchet.suites.toolcall import ToolCallSuite
from ratchet.ttt import TestTimeDistillation
from ratchet.ttt.report import item_record

from tests.integration.conftest import SMOL

pytestmark = pytest.mark.timeout(900)


@pytest.fixture(scope="module")
def train_extra():
    try:
        from ratchet.learn.train.hf import require_train_extra

        require_train_extra()
    except Exception as error:  # MissingExtraError, or a broken install
        if os.environ.get("RATCHET_REQUIRE_REAL") == "1":
            pytest.fail(f"the train extra is needed: {error}")
        pytest.skip(f"the train extra is not installed: {error}")


@pytest.fixture(scope="module")
def smol_one_thread(smol_path):
    from ratchet.models.catalog import CATALOG
    from ratchet.models.llamacpp import LlamaCppModel

    # One thread: on a machine shared with other busy processes llama.cpp's two threads wait on
    # each other at every layer, which made decoding ~50x slower here.
    return LlamaCppModel(smol_path, SMOL, CATALOG[SMOL].sha256, n_ctx=2048, n_threads=1)


def scripted_teacher(suite: ToolCallSuite, tasks):
    by_prompt = {task.prompt: task for task in tasks}

    def reply(messages, params):
        text = messages[-1]["content"]
        if messages[0]["content"].startswith("You rewrite"):
            return f"{text.removeprefix('Request: ')} (version {params.seed % 1000})"
        request = text.rsplit("Request: ", 1)[-1].rsplit(" (version", 1)[0]
        return suite.reference_completion(by_prompt[request])

    return ScriptedModel(reply, name="teacher")


def test_smollm2_adapts_on_two_inputs_and_resets(train_extra, smol_one_thread):
    model = smol_one_thread
    suite = ToolCallSuite(per_function=2)
    tasks = suite.tasks(Split.TEST)[:2]
    view = SolverView(suite)
    params = SamplingParams(max_tokens=48)
    solver = TestTimeDistillation(tau=1.0, k=2, checks=1, steps=1, lr=5e-3, threads=1, layers=10).with_parts(
        teacher=scripted_teacher(suite, tasks))
    before = [model.complete(view.messages(t), params).text for t in tasks]

    solutions = [solver.solve(task, view, model, params) for task in tasks]

    for task, solution, base in zip(tasks, solutions, before):
        outcome, _, _ = solution.stop_reason.partition(" ")
        assert outcome == "adapted", solution.stop_reason
        assert solution.round_completions[0] == base  # round 1 is the base model's answer
        record = item_record(_attempt(task, solution))
        assert record["kept"] == 2 and record["steps"] == 1 and record["reset"] == "ok"
        assert 0 <= record["confidence"] < 1
        probabilities = [p for _, p in record["candidates"]]
        assert probabilities == sorted(probabilities, reverse=True)
    # The adapter changed what the model says, for at least one input ...
    assert any(s.completion != s.round_completions[0] for s in solutions)
    # ... and after the reset both sides are the base again: the transformers weights by hash,
    # and the llama.cpp context by its answers.
    session = solver._parts["session"]
    assert session.digest() == session.initial_digest
    assert [model.complete(view.messages(t), params).text for t in tasks] == before


def _attempt(task, solution):
    from ratchet.core import Attempt, Verdict

    return Attempt(task.id, 0, solution, Verdict.ok())
