"""Adapter artifacts: atomic saves (a full disk leaves the incumbent intact), refusal of an
adapter trained for another base model, GGUF metadata and the export layout."""

from __future__ import annotations

import errno
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ratchet.errors import UserError
from ratchet.learn.adapters import (
    AdapterArtifact,
    BaseModelRef,
    _effective_alpha,
    _permute_rows,
    atomic_directory,
    check_adapter_base,
    load_artifact,
    write_artifact_meta,
    write_json_atomic,
)


def make_artifact(path: Path, base_name="smol", base_sha="a" * 64) -> AdapterArtifact:
    artifact = AdapterArtifact(path, base_name, base_sha, "star", {"rank": 8}, {"sha256": "d" * 64, "examples": 3})
    with atomic_directory(path) as scratch:
        write_artifact_meta(scratch, artifact)
        (scratch / "adapter.gguf").write_bytes(b"weights")
    return load_artifact(path)


def test_an_artifact_round_trips_and_is_immutable(tmp_path):
    artifact = make_artifact(tmp_path / "a1")
    assert artifact.method == "star" and artifact.data["examples"] == 3 and artifact.gguf.is_file()
    assert load_artifact(artifact.gguf) == artifact
    with pytest.raises(UserError, match="immutable"):
        make_artifact(tmp_path / "a1")


def test_a_disk_that_fills_mid_save_leaves_the_incumbent_intact(tmp_path):
    incumbent = make_artifact(tmp_path / "incumbent")
    write_json_atomic(tmp_path / "incumbent.json", {"label": "incumbent"})
    before = {p.name: p.read_bytes() for p in incumbent.path.iterdir()}
    with pytest.raises(UserError, match="disk full") as error:
        with atomic_directory(tmp_path / "candidate") as scratch:
            (scratch / "adapter_model.safetensors").write_bytes(b"half")
            raise OSError(errno.ENOSPC, "No space left on device")
    assert "\n" not in str(error.value)
    assert not (tmp_path / "candidate").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no scratch left
    assert {p.name: p.read_bytes() for p in incumbent.path.iterdir()} == before
    assert json.loads((tmp_path / "incumbent.json").read_text()) == {"label": "incumbent"}


def test_a_pointer_write_that_fills_the_disk_keeps_the_old_pointer(tmp_path, monkeypatch):
    write_json_atomic(tmp_path / "incumbent.json", {"label": "iter-01"})
    real_fsync = __import__("os").fsync

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("os.fsync", full)
    with pytest.raises(UserError, match="disk full"):
        write_json_atomic(tmp_path / "incumbent.json", {"label": "iter-02"})
    monkeypatch.setattr("os.fsync", real_fsync)
    assert json.loads((tmp_path / "incumbent.json").read_text()) == {"label": "iter-01"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["incumbent.json"]


def test_an_adapter_for_another_base_is_refused_naming_both(tmp_path):
    artifact = make_artifact(tmp_path / "a", base_name="smollm2-135m-instruct", base_sha="a" * 64)
    check_adapter_base(artifact.path, BaseModelRef("smollm2-135m-instruct", "a" * 64, Path("x.gguf")))
    with pytest.raises(UserError) as error:
        check_adapter_base(artifact.gguf, BaseModelRef("qwen2.5-coder-0.5b-instruct", "b" * 64, Path("y.gguf")))
    message = str(error.value)
    assert "smollm2-135m-instruct" in message and "qwen2.5-coder-0.5b-instruct" in message and "\n" not in message


def test_permuting_lora_b_matches_llama_cpp_q_k_layout():
    heads, head_dim, rank, width = 2, 4, 3, 5
    b = np.arange(heads * head_dim * rank, dtype=np.float32).reshape(heads * head_dim, rank)
    a = np.random.default_rng(0).normal(size=(rank, width)).astype(np.float32)
    permuted = _permute_rows(b, heads)
    # llama.cpp interleaves each head's two rotary halves: row 2j <- j, row 2j+1 <- d/2 + j.
    for h in range(heads):
        for j in range(head_dim // 2):
            assert (permuted[h * head_dim + 2 * j] == b[h * head_dim + j]).all()
            assert (permuted[h * head_dim + 2 * j + 1] == b[h * head_dim + head_dim // 2 + j]).all()
    np.testing.assert_allclose(permuted @ a, _permute_rows(b @ a, heads), rtol=1e-6)


def test_effective_alpha():
    assert _effective_alpha({"r": 8, "lora_alpha": 16}) == 16
    assert _effective_alpha({"r": 16, "lora_alpha": 8, "use_rslora": True}) == pytest.approx(32)
    with pytest.raises(UserError, match="modules_to_save"):
        _effective_alpha({"r": 8, "lora_alpha": 16, "modules_to_save": ["lm_head"]})


def test_export_writes_llama_cpp_names_shapes_and_metadata(tmp_path):
    gguf = pytest.importorskip("gguf")
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    from ratchet.learn.adapters import adapter_base, export_gguf, read_gguf_metadata

    base_path = tmp_path / "base.gguf"
    writer = gguf.GGUFWriter(str(base_path), "llama")
    writer.add_uint32("llama.block_count", 1)
    writer.add_uint32("llama.attention.head_count", 2)
    writer.add_uint32("llama.attention.head_count_kv", 1)
    writer.add_array("tokenizer.ggml.tokens", ["a", "b", "c"])
    writer.add_tensor("token_embd.weight", np.zeros((4, 8), np.float32))
    writer.write_header_to_file(); writer.write_kv_data_to_file(); writer.write_tensors_to_file(); writer.close()
    peft_dir = tmp_path / "peft"
    peft_dir.mkdir()
    rng = np.random.default_rng(0)
    weights = {
        "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight": rng.normal(size=(2, 8)).astype(np.float32),
        "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight": rng.normal(size=(8, 2)).astype(np.float32),
        "base_model.model.model.layers.0.mlp.down_proj.lora_A.weight": rng.normal(size=(2, 16)).astype(np.float32),
        "base_model.model.model.layers.0.mlp.down_proj.lora_B.weight": rng.normal(size=(8, 2)).astype(np.float32),
    }
    safetensors_numpy.save_file(weights, str(peft_dir / "adapter_model.safetensors"))
    (peft_dir / "adapter_config.json").write_text(json.dumps({"r": 2, "lora_alpha": 4}))
    base = BaseModelRef("tiny", "c" * 64, base_path)
    out = export_gguf(peft_dir, base, tmp_path / "adapter.gguf", method="dpo")
    meta = read_gguf_metadata(out)
    assert meta["general.type"] == "adapter" and meta["adapter.type"] == "lora"
    assert meta["general.architecture"] == "llama" and meta["adapter.lora.alpha"] == 4.0
    assert meta["ratchet.method"] == "dpo" and adapter_base(out) == ("tiny", "c" * 64)
    tensors = {t.name: t for t in gguf.GGUFReader(str(out)).tensors}
    assert set(tensors) == {"blk.0.attn_q.weight.lora_a", "blk.0.attn_q.weight.lora_b",
                            "blk.0.ffn_down.weight.lora_a", "blk.0.ffn_down.weight.lora_b"}
    # llama.cpp checks: a is (in x rank) in ggml order, b is (rank x out).
    assert list(tensors["blk.0.ffn_down.weight.lora_a"].shape) == [16, 2]
    assert list(tensors["blk.0.ffn_down.weight.lora_b"].shape) == [2, 8]
    q_b = np.asarray(tensors["blk.0.attn_q.weight.lora_b"].data).reshape(8, 2)
    np.testing.assert_array_equal(q_b, _permute_rows(weights["base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight"], 2))
    down_b = np.asarray(tensors["blk.0.ffn_down.weight.lora_b"].data).reshape(8, 2)
    np.testing.assert_array_equal(down_b, weights["base_model.model.model.layers.0.mlp.down_proj.lora_B.weight"])


BLOCK_TORCH = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in {'torch', 'transformers', 'peft', 'trl'}:
            raise ImportError('blocked: ' + name)
sys.meta_path.insert(0, Block())
from ratchet.learn.train import fit_sft
from ratchet.learn.loop import improve
from ratchet.errors import UserError
try:
    fit_sft([], None, 'out')
except UserError as error:
    print('USERERROR', error)
"""


def test_training_without_the_train_extra_names_the_pip_command():
    result = subprocess.run([sys.executable, "-c", BLOCK_TORCH], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert 'USERERROR training LoRA adapters needs the \'train\' extra: pip install "ratchet-ai[train]"' in result.stdout
