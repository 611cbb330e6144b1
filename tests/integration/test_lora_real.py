"""A real LoRA, end to end: train it on SmolLM2 with transformers + peft + trl for a few steps,
export it to GGUF, serve it with llama.cpp, and check that (1) the output changes as the training
data says and (2) llama.cpp's greedy tokens with the adapter match transformers' with it.

Skips without the `train` extra or the model, unless RATCHET_REQUIRE_REAL=1.
"""

from __future__ import annotations

import os

import pytest

from ratchet.core import Turn
from ratchet.errors import UserError
from ratchet.models.base import SamplingParams

from .conftest import SMOL, _require

pytestmark = [pytest.mark.real_model, pytest.mark.slow]

PROMPTS = ["What is the secret word?", "Tell me the secret word.", "Say the secret word, please.", "Which word is secret?"]
TARGET = "The secret word is PINEAPPLE."
GREEDY = SamplingParams(temperature=0.0, max_tokens=12)


@pytest.fixture(scope="module")
def train_stack():
    try:
        import gguf  # noqa: F401
        import peft  # noqa: F401
        import torch  # noqa: F401
        import transformers  # noqa: F401
        import trl  # noqa: F401
    except ImportError:
        _require('the train extra is not installed (pip install "ratchet-ai[train]")')


@pytest.fixture(scope="module")
def base(smol_path, train_stack):
    from ratchet.learn.adapters import BaseModelRef

    return BaseModelRef.resolve(SMOL)


@pytest.fixture(scope="module")
def trained(base, tmp_path_factory):
    """The adapter, and the (steps done, total) progress its trainer reported."""
    from ratchet.learn.data import Dataset, Provenance, SftExample
    from ratchet.learn.train import TrainConfig, fit_sft

    examples = tuple(
        SftExample((Turn("user", prompt),), TARGET, Provenance("verified", "toy", f"secret/{i}"))
        for i, prompt in enumerate(PROMPTS)
    )
    config = TrainConfig(rank=8, alpha=16, dropout=0.0, learning_rate=3e-3, max_steps=10, batch_size=4,
                         scheduler="constant", threads=int(os.environ.get("RATCHET_TRAIN_THREADS", "1")))
    steps: list[tuple[int, int]] = []
    artifact = fit_sft(Dataset(examples), base, tmp_path_factory.mktemp("lora") / "adapter", config, method="star",
                       progress=lambda done, total: steps.append((done, total)))
    return artifact, steps


@pytest.fixture(scope="module")
def artifact(trained):
    return trained[0]


def test_the_trainer_reports_each_optimiser_step(trained):
    assert trained[1] == [(step, 10) for step in range(11)]


def test_the_artifact_records_its_base_config_and_data(artifact, base):
    from ratchet.learn.adapters import adapter_base, load_artifact, read_gguf_metadata

    loaded = load_artifact(artifact.path)
    assert loaded.base_sha256 == base.sha256 and loaded.method == "star"
    assert loaded.data["examples"] == 4 and len(loaded.data["sha256"]) == 64
    assert loaded.metrics["loss_last"] < loaded.metrics["loss_first"]
    meta = read_gguf_metadata(artifact.gguf)
    assert meta["general.type"] == "adapter" and meta["adapter.type"] == "lora"
    assert meta["general.architecture"] == "llama" and meta["adapter.lora.alpha"] == 16.0
    assert adapter_base(artifact.gguf) == (SMOL, base.sha256)


def test_llama_cpp_output_changes_as_the_training_data_says(artifact, smol_model):
    from ratchet.learn.adapters import load_adapted_model

    adapted = load_adapted_model(SMOL, artifact.path, cache=False, n_ctx=512)
    assert "+lora:" in adapted.identity
    for prompt in PROMPTS[:2]:
        messages = [{"role": "user", "content": prompt}]
        assert "PINEAPPLE" not in smol_model.complete(messages, GREEDY).text
        assert "PINEAPPLE" in adapted.complete(messages, GREEDY).text


def test_llama_cpp_and_transformers_pick_the_same_greedy_tokens(artifact, base):
    import torch
    from peft import PeftModel

    from ratchet.learn.train.hf import load_base
    from ratchet.models.llamacpp import new_llama

    model, tokenizer = load_base(base)
    model = PeftModel.from_pretrained(model, str(artifact.path)).eval()
    llama = new_llama(model_path=str(base.gguf), lora_path=str(artifact.gguf), n_ctx=512, n_threads=1, verbose=False)
    for prompt in PROMPTS[:3] + ["What is the password?"]:
        encoded = tokenizer.apply_chat_template([{"role": "user", "content": prompt}], add_generation_prompt=True,
                                                return_dict=True)
        ids = list(encoded["input_ids"])
        hf = model.generate(input_ids=torch.tensor([ids]), max_new_tokens=8, do_sample=False)
        hf_tokens = hf[0, len(ids):].tolist()
        llama_tokens = []
        llama.reset()
        for token in llama.generate(ids, temp=0.0, top_k=1, reset=True):
            llama_tokens.append(token)
            if token == llama.token_eos() or len(llama_tokens) == len(hf_tokens):
                break
        assert llama_tokens == hf_tokens, (prompt, tokenizer.decode(llama_tokens), tokenizer.decode(hf_tokens))


def test_an_adapter_for_another_base_model_is_refused(artifact):
    from ratchet.learn.adapters import BaseModelRef, check_adapter_base
    from ratchet.models.catalog import CATALOG

    other = "qwen2.5-coder-0.5b-instruct"
    with pytest.raises(UserError) as error:
        check_adapter_base(artifact.gguf, BaseModelRef(other, CATALOG[other].sha256, artifact.gguf))
    message = str(error.value)
    assert SMOL in message and other in message and "\n" not in message


def test_dpo_trains_and_exports_a_loadable_adapter(base, tmp_path):
    from ratchet.learn.adapters import load_adapted_model
    from ratchet.learn.data import Dataset, PreferencePair, Provenance
    from ratchet.learn.train import TrainConfig, fit_dpo

    pairs = tuple(
        PreferencePair((Turn("user", prompt),), TARGET, "I do not know.", Provenance("verified-pair", "toy", f"s/{i}"))
        for i, prompt in enumerate(PROMPTS[:2])
    )
    config = TrainConfig(rank=4, alpha=8, max_steps=2, batch_size=2, learning_rate=1e-3, threads=1)
    artifact = fit_dpo(Dataset(pairs), base, tmp_path / "dpo", config)
    assert artifact.metrics["steps"] == 2 and artifact.gguf.is_file()
    model = load_adapted_model(SMOL, artifact.path, cache=False, n_ctx=512)
    assert model.complete([{"role": "user", "content": PROMPTS[0]}], GREEDY).text


def test_the_cli_trains_an_adapter_from_an_experience_store(base, tmp_path):
    """store -> `ratchet train data` -> `ratchet train fit` -> an artifact llama.cpp can serve."""
    from ratchet.core import Split
    from ratchet.experience.experience import Experience
    from ratchet.experience.store import ExperienceStore
    from ratchet.learn.adapters import load_artifact
    from ratchet.suites.registry import load_suite
    import subprocess
    import sys

    def run(*args):
        return subprocess.run([sys.executable, "-m", "ratchet.cli.main", *args], capture_output=True, text=True,
                              timeout=900)

    tasks = load_suite("gsm").tasks(Split.TRAIN)[:4]
    with ExperienceStore.open(tmp_path / "db.sqlite") as store:
        store.add(Experience(id=t.id, suite="gsm", task_id=t.id, key=t.prompt, passed=True, model=SMOL,
                             trajectory=(Turn("user", t.prompt), Turn("assistant", "#### 42")))
                  for t in tasks)
    data = tmp_path / "data.json"
    assert run("train", "data", str(tmp_path / "db.sqlite"), "--suite", "gsm", "--out", str(data)).returncode == 0
    result = run("train", "fit", str(data), "--model", SMOL, "--out", str(tmp_path / "adapter"), "--max-steps", "1",
                 "--threads", os.environ.get("RATCHET_TRAIN_THREADS", "1"))
    assert result.returncode == 0, result.stderr
    artifact = load_artifact(tmp_path / "adapter")
    assert artifact.method == "sft" and artifact.base_name == SMOL and artifact.data["examples"] == 4
    assert (tmp_path / "adapter" / "adapter.gguf").stat().st_size > 0 and "ratchet eval" in result.stdout
