"""Traj-Bootstrap with the real SmolLM2 on a few gsm tasks: the loop, the store and the few-shot
prompts work against a real model (small budgets: this checks plumbing, not accuracy)."""

from __future__ import annotations

import json
import time

import pytest

from ratchet.core import Turn
from ratchet.experience import Experience, ExperienceStore, experience_id
from ratchet.learn.bootstrap import BootstrapConfig, traj_bootstrap
from ratchet.learn.bootstrap.report import write_report
from ratchet.models import CachedModel, ResponseCache, SamplingParams
from ratchet.suites import load_suite

pytestmark = pytest.mark.real_model


def seed_worked_solutions(path, suite, tasks) -> set[str]:
    """A database of a few initial examples (METHODS card 1, step 1): gsm's worked solutions
    for train tasks outside the ones the run will attempt."""
    seeded = []
    for task in tasks:
        prompt = suite.messages(task)[-1]["content"]
        seeded.append(Experience(
            experience_id("seed", 0, task.id, 0), suite.name, task.id, task.prompt,
            (Turn("user", prompt), Turn("assistant", suite.worked_solution(task))),
            passed=True, model="worked-solution", strategy="seed", run="seed",
        ))
    with ExperienceStore.open(path / "initial.sqlite") as store:
        store.add(seeded)
    return {e.id for e in seeded}


def test_bootstrap_runs_for_real_on_gsm(smol_model, tmp_path):
    """About 7 model calls of at most 32 tokens (20-40 s on 2 idle cores); the response cache
    makes the final evaluation replay the last checkpoint's, as in a real run."""
    suite = load_suite("gsm")
    seeds = seed_worked_solutions(tmp_path, suite, suite.tasks("train")[10:12])
    run_dir = tmp_path / "run"
    model = CachedModel(smol_model, ResponseCache(tmp_path / "cache.sqlite"))
    config = BootstrapConfig(
        suite="gsm", model="smollm2-135m-instruct", train_limit=2, dev_limit=1, test_limit=1,
        base_samples=1, checkpoints=1, shots=1, curve_on_test=False,
        initial=str(tmp_path / "initial.sqlite"),
        eval_params=SamplingParams(max_tokens=32),
        train_params=SamplingParams(temperature=0.7, max_tokens=32),
        sampled_params=SamplingParams(temperature=0.8, max_tokens=32),
    )
    start = time.perf_counter()
    result = traj_bootstrap(config, suite, model, run_dir)
    seconds = time.perf_counter() - start
    assert result.cost["train_attempts"] == 2 and result.cost["prompt_tokens"] > 0
    with ExperienceStore.open(run_dir / "store.sqlite") as store:
        attempts = [e for e in store.iter(collection="m0.g0") if e.run != "seed"]
    assert len(attempts) == 2
    for attempt in attempts:
        assert attempt.exemplar_ids and set(attempt.exemplar_ids) <= seeds | {a.id for a in attempts}
        assert attempt.trajectory[-1].role == "assistant" and attempt.completion_tokens > 0
        assert attempt.model == "smollm2-135m-instruct" and attempt.strategy == "fewshot-sample"
    assert len(result.curve) == 1 and result.curve[0]["db_size"] >= 2
    saved = json.loads((run_dir / "result.json").read_text())
    assert set(saved["base"]) >= {"dev_pass@1", "test_pass@1", "test_sampled"}
    assert not saved["test_seen"] and [r["phase"] for r in saved["test_reads"]] == ["final"] * 3
    page, png = write_report(run_dir)
    assert page.exists() and png.exists()
    print(f"bootstrap with SmolLM2: {seconds:.1f} s")
