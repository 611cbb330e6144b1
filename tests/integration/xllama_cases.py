"""The batched local engine (xllamacpp) on the real SmolLM2, in process: concurrent calls against
sequential ones, seeds, log-probabilities, LoRA adapters, and its errors.

Not collected by the suite itself: `test_xllama_real.py` runs this module in a fresh pytest
process that keeps every engine alive and ends with os._exit (`exit_fast.py`). xllamacpp's
server destructor sometimes hangs in a join (one full run in four here, in a test's teardown),
so no engine is ever destroyed in a process whose end the suite waits for.

Skips without xllamacpp or the model, unless RATCHET_REQUIRE_REAL=1.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from ratchet.errors import BackendError, UserError
from ratchet.models.base import SamplingParams

from .conftest import SMOL, _require

pytestmark = [pytest.mark.real_model]

SYSTEM = {"role": "system", "content": "You are a careful Python programmer. Answer with one code block only. " * 2}
PROMPTS = [
    [SYSTEM, {"role": "user", "content": f"Write a Python function that returns the {what} of a list."}]
    for what in ("sum", "maximum", "minimum", "length")
]
GREEDY = SamplingParams(max_tokens=16)
_ALIVE: list = []  # every engine made here, never destroyed (see the module's docstring)


@pytest.fixture(scope="module")
def xllamacpp(smol_path):
    try:
        import xllamacpp  # noqa: F401
    except ImportError:
        _require("xllamacpp is not installed (pip install 'ratchet-ai[local]')")


def engine(smol_path, **kwargs):
    from ratchet.models.catalog import CATALOG
    from ratchet.models.xllama import XLlamaModel

    options = {"n_ctx": 1024, "n_threads": 1, "slots": 4} | kwargs
    return XLlamaModel(smol_path, SMOL, CATALOG[SMOL].sha256, **options)


@pytest.fixture(scope="module")
def no_reuse(smol_path, xllamacpp):
    """Four slots, every prompt evaluated whole."""
    model = engine(smol_path, prompt_cache=False)
    _ALIVE.append(model)
    return model


@pytest.fixture
def closing():
    """Engines a test makes, kept alive until the process ends (never left to the collector,
    whose destruction of one hung the next engine's start)."""
    return _ALIVE.append


def texts(model, calls, params=GREEDY, at_once=1):
    """Completions of (messages, params) pairs, `at_once` calls in flight together."""
    with ThreadPoolExecutor(at_once) as pool:
        return [c.text for c in pool.map(lambda call: model.complete(*call), calls)]


def test_concurrent_greedy_calls_return_the_sequential_text(no_reuse):
    calls = [(messages, GREEDY) for messages in PROMPTS]
    sequential = texts(no_reuse, calls)
    assert len(set(sequential)) == len(PROMPTS)  # four different answers, not one replayed
    assert texts(no_reuse, calls, at_once=4) == sequential


def test_sample_seeds_reproduce_when_decoded_together(no_reuse):
    sampled = SamplingParams(temperature=0.9, max_tokens=12, seed=5)
    calls = [(PROMPTS[0], sampled.for_sample(i)) for i in range(4)]
    together = texts(no_reuse, calls, at_once=4)
    assert len(set(together)) > 1  # seed + i: the samples differ from each other
    assert texts(no_reuse, calls) == together  # and each is its seed's, whatever shares its step


def test_calls_in_flight_split_the_busy_time(no_reuse):
    start = time.perf_counter()
    with ThreadPoolExecutor(4) as pool:
        usages = [c.usage for c in pool.map(lambda m: no_reuse.complete(m, GREEDY), PROMPTS)]
    wall = time.perf_counter() - start
    assert sum(u.seconds for u in usages) == pytest.approx(wall, rel=0.2)
    assert all(u.completion_tokens > 0 and u.prompt_tokens > 0 for u in usages)


def test_logprobs_come_back_for_the_chosen_tokens(no_reuse):
    completion = no_reuse.complete(PROMPTS[0], SamplingParams(max_tokens=8, logprobs=2))
    assert completion.logprobs is not None
    assert "".join(t.token for t in completion.logprobs) == completion.text
    assert all(len(t.top) == 2 and t.logprob <= 0 for t in completion.logprobs)
    plain = no_reuse.complete(PROMPTS[0], SamplingParams(max_tokens=8, logprobs=0))
    assert plain.logprobs and all(t.top == () for t in plain.logprobs)


def test_prefix_reuse_keeps_sequential_greedy_text_reproducible(smol_path, xllamacpp, closing):
    model = engine(smol_path, slots=2)
    closing(model)
    calls = [(messages, GREEDY) for messages in PROMPTS]
    first = texts(model, calls)
    assert texts(model, calls) == first


def test_an_adapter_loads_and_changes_the_output(smol_path, xllamacpp, tmp_path, no_reuse, closing):
    pytest.importorskip("gguf")
    from .random_lora import write_random_lora

    adapter = write_random_lora(smol_path, tmp_path / "random.gguf", scale=0.2)
    adapted = engine(smol_path, slots=1, adapter=adapter, prompt_cache=False)
    closing(adapted)
    assert "+lora:" in adapted.identity and adapted.identity != no_reuse.identity
    text = adapted.complete(PROMPTS[0], GREEDY).text
    assert text == adapted.complete(PROMPTS[0], GREEDY).text
    assert text != no_reuse.complete(PROMPTS[0], GREEDY).text


def test_load_model_selects_the_engine_by_slot_count(smol_path, xllamacpp, closing):
    from ratchet.models.loading import load_model

    model = load_model(SMOL, cache=False, n_ctx=512, n_threads=1, slots=3)
    closing(model)
    assert model.max_concurrency == 3  # what the eval runner reads
    assert model.identity.startswith("xllamacpp:")


def test_a_prompt_longer_than_a_slot_is_a_backend_error_naming_n_ctx(smol_path, xllamacpp, closing):
    model = engine(smol_path, n_ctx=128, slots=1)
    closing(model)
    with pytest.raises(BackendError, match="128 tokens: raise n_ctx") as raised:
        model.complete([{"role": "user", "content": "word " * 300}], GREEDY)
    assert not raised.value.retryable


def test_bad_slot_counts_and_files_are_one_line_user_errors(smol_path, xllamacpp, tmp_path):
    with pytest.raises(UserError, match="--slots must be between 1 and 64"):
        engine(smol_path, slots=0)
    junk = tmp_path / "junk.gguf"
    junk.write_bytes(b"not a model")
    with pytest.raises(UserError, match="cannot load .*junk.gguf"):
        engine(junk, slots=1)
