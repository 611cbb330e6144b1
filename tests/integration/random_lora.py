"""A random LoRA adapter (GGUF) for a base GGUF model: q and v projections of every block.

For tests and benchmarks of adapter loading and adapter cost; the weights mean nothing. Rank,
seed and scale are parameters, so the same call writes the same file.
"""

from __future__ import annotations

from pathlib import Path


def write_random_lora(base_gguf: Path, out: Path, rank: int = 8, seed: int = 0, scale: float = 0.05) -> Path:
    import gguf
    import numpy as np

    from ratchet.learn.adapters import read_gguf_metadata

    meta = read_gguf_metadata(base_gguf)
    arch = meta["general.architecture"]
    width = int(meta[f"{arch}.embedding_length"])
    heads, kv_heads = int(meta[f"{arch}.attention.head_count"]), int(meta[f"{arch}.attention.head_count_kv"])
    outputs = {"attn_q": width, "attn_v": width // heads * kv_heads}
    rng = np.random.default_rng(seed)
    writer = gguf.GGUFWriter(str(out), arch)
    writer.add_type(gguf.GGUFType.ADAPTER)
    writer.add_string(gguf.Keys.Adapter.TYPE, "lora")
    writer.add_float32(gguf.Keys.Adapter.LORA_ALPHA, float(rank))
    for block in range(int(meta[f"{arch}.block_count"])):
        for tensor, rows in outputs.items():
            name = f"blk.{block}.{tensor}.weight"
            writer.add_tensor(name + ".lora_a", (rng.standard_normal((rank, width)) * scale).astype(np.float32))
            writer.add_tensor(name + ".lora_b", (rng.standard_normal((rows, rank)) * scale).astype(np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return Path(out)
