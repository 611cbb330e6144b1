"""SmolLM2 in process through llama.cpp."""

import pytest

from ratchet.models import SamplingParams, sample_n

pytestmark = pytest.mark.real_model
ASK = [{"role": "user", "content": "Name three colours."}]


def test_greedy_is_deterministic_and_counts_tokens(smol_model):
    params = SamplingParams(max_tokens=24)
    first, second = smol_model.complete(ASK, params), smol_model.complete(ASK, params)
    assert first.text and first.text == second.text
    assert first.usage.prompt_tokens > 5 and 0 < first.usage.completion_tokens <= 24
    assert first.usage.seconds > 0


def test_samples_differ_and_reproduce(smol_model):
    params = SamplingParams(temperature=1.0, max_tokens=24, seed=7)
    texts = [c.text for c in sample_n(smol_model, ASK, params, 4)]
    assert len(set(texts)) >= 3
    assert [c.text for c in sample_n(smol_model, ASK, params, 4)] == texts


def test_logprobs_and_stop(smol_model):
    out = smol_model.complete(ASK, SamplingParams(max_tokens=8, logprobs=3))
    assert out.logprobs and all(t.logprob <= 0 for t in out.logprobs)
    assert len(out.logprobs[0].top) >= 2
    stopped = smol_model.complete(ASK, SamplingParams(max_tokens=64, stop=(",",)))
    assert "," not in stopped.text


def test_a_corrupt_gguf_is_a_clear_error(tmp_path):
    from ratchet.errors import UserError
    from ratchet.models.loading import load_model

    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"GGUF" + b"\0" * 100)
    with pytest.raises(UserError, match="valid GGUF"):
        load_model(str(bad), cache=False)


def test_logprobs_zero_gives_the_chosen_tokens_only(smol_model):
    """logprobs=0 is "the chosen tokens' log-probabilities": llama-cpp-python returns none unless
    asked for at least one alternative, so the backend asks for one and drops it."""
    out = smol_model.complete(ASK, SamplingParams(max_tokens=8, logprobs=0))
    assert out.logprobs and all(t.logprob <= 0 and t.top == () for t in out.logprobs)


def test_the_safe_cpu_setting_loads_without_extra_buffer_types(smol_path):
    """What an AMX CPU gets (llama.cpp's `use_extra_bufts = false`), forced here on any CPU; the
    setting is undone after loading, and it is part of the model's identity."""
    from ratchet.models.cpu import CpuSetting
    from ratchet.models.llamacpp import LlamaCppModel

    safe = LlamaCppModel(smol_path, "smol", "0" * 64, n_ctx=512, n_threads=1, cpu=CpuSetting(False, "forced"))
    assert safe._llama.model_params.use_extra_bufts is False
    assert safe.identity.endswith("+no-extra-bufts")
    assert safe.complete(ASK, SamplingParams(max_tokens=8)).usage.completion_tokens > 0
    fast = LlamaCppModel(smol_path, "smol", "0" * 64, n_ctx=512, n_threads=1, cpu=CpuSetting(True, "forced"))
    assert fast._llama.model_params.use_extra_bufts is True and "+no-extra-bufts" not in fast.identity


def test_a_machine_whose_cpuinfo_lists_amx_loads_models_the_safe_way(smol_path, tmp_path, monkeypatch):
    """The probe end to end: `load_model` on a machine whose /proc/cpuinfo is a Sapphire Rapids
    one gets `use_extra_bufts = false`; RATCHET_LLAMA_SAFE_CPU=0 overrides it."""
    from ratchet.models import cpu
    from ratchet.models.loading import load_model
    from tests.models.test_cpu_setting import SAPPHIRE_RAPIDS

    fake = tmp_path / "cpuinfo"
    fake.write_text(SAPPHIRE_RAPIDS)
    monkeypatch.setattr(cpu, "CPUINFO", fake)
    monkeypatch.delenv("RATCHET_LLAMA_SAFE_CPU", raising=False)
    safe = load_model("smollm2-135m-instruct", cache=False, n_ctx=512, n_threads=1)
    assert safe._llama.model_params.use_extra_bufts is False and safe.identity.endswith("+no-extra-bufts")
    monkeypatch.setenv("RATCHET_LLAMA_SAFE_CPU", "0")
    fast = load_model("smollm2-135m-instruct", cache=False, n_ctx=512, n_threads=1)
    assert fast._llama.model_params.use_extra_bufts is True
