"""Does LoRA training run as configured on a CUDA GPU? One SFT fit (and optionally one DPO fit)
on SmolLM2-135M-Instruct through Ratchet's own `fit_sft` / `fit_dpo`, for each precision asked
for, with the GGUF export checked. Prints a JSON summary and writes it to --json.

    # here, on the CPU (a smoke run):
    nice -n 19 python benchmarks/gpu_lora_check.py --steps 2 --dpo-steps 1 --precisions fp32 --threads 1
    # on a GPU machine, with the weights copied there:
    python benchmarks/gpu_lora_check.py --gguf /root/w/smol.gguf --steps 30 --dpo-steps 10 \
        --precisions auto,fp32 --json $OUT/gpu_lora_check.json

On the lent device machine (no internet there) the 98 MB GGUF travels in two halves over two
calls, and the wheels it lacks (trl, datasets, gguf, dill, multiprocess, peft, transformers at
the dev venv's versions) are installed with `pip install --no-index --target`; see the report
of the first run (2026-11, NVIDIA H200) for the exact commands.

The data is 16 toy prompts asking for a secret word, answered "The secret word is PINEAPPLE."
(as in tests/integration/test_lora_real.py). Per precision it records: whether the trainer ran
in bf16 (the `device_settings` Ratchet chose, and the dtype a LoRA-wrapped projection actually
produced in the first forward pass), the training seconds, steps/s, the losses, peak GPU memory,
the exported adapter.gguf's header and tensor count, and whether greedy decoding with the
adapter now says PINEAPPLE.
"""

from __future__ import annotations

import argparse
import json
import platform
import struct
import sys
import tempfile
import time
from pathlib import Path

SMOL = "smollm2-135m-instruct"
TARGET = "The secret word is PINEAPPLE."
PROMPTS = [
    "What is the secret word?", "Tell me the secret word.", "Say the secret word, please.",
    "Which word is secret?", "What's the secret word?", "Do you know the secret word?",
    "Please tell me the secret word.", "I need the secret word.", "Give me the secret word.",
    "Can you say the secret word?", "The secret word, please?", "Reveal the secret word.",
    "What word is the secret?", "Share the secret word with me.", "Secret word?", "Name the secret word.",
]
HELD_OUT = "Could you tell me what the secret word is?"


def base_ref(gguf: str | None):
    """The SmolLM2 base, by catalogue name (installed wheel) or from a GGUF file whose sha256
    must match the catalogue's."""
    from ratchet.learn.adapters import BaseModelRef
    from ratchet.models.catalog import CATALOG, file_sha256

    if gguf is None:
        return BaseModelRef.resolve(SMOL)
    path = Path(gguf)
    digest = file_sha256(path)
    expected = CATALOG[SMOL].sha256
    if digest != expected:
        sys.exit(f"{path}: sha256 {digest} differs from the catalogue's {expected}")
    return BaseModelRef(SMOL, expected, path)


def gguf_header(path: Path) -> dict:
    from ratchet.learn.adapters import read_gguf_metadata

    with open(path, "rb") as handle:
        magic = handle.read(4)
        version, n_tensors, n_kv = struct.unpack("<IQQ", handle.read(20))
    meta = read_gguf_metadata(path)
    return {"magic": magic.decode(), "version": version, "tensors": n_tensors, "kv": n_kv,
            "bytes": path.stat().st_size, "general.type": meta.get("general.type"),
            "adapter.type": meta.get("adapter.type"), "architecture": meta.get("general.architecture"),
            "alpha": meta.get("adapter.lora.alpha")}


class Probe:
    """Wraps `lora_model` inside the trainer modules to see what the trainer really ran: the
    device settings Ratchet chose and the dtype of the first LoRA projection's output."""

    def __init__(self) -> None:
        import ratchet.learn.train.dpo as dpo
        import ratchet.learn.train.hf as hf
        import ratchet.learn.train.sft as sft

        self.settings: dict = {}
        self.forward: dict = {}
        original_settings, original_lora = hf.device_settings, hf.lora_model

        def device_settings(config):
            self.settings = original_settings(config)
            return self.settings

        def lora_model(*args, **kwargs):
            model = original_lora(*args, **kwargs)
            self.forward = {}
            for name, module in model.named_modules():
                if name.endswith("q_proj") and hasattr(module, "lora_A"):
                    module.register_forward_hook(self._hook)
                    break
            return model

        hf.device_settings = device_settings
        sft.lora_model = lora_model
        dpo.lora_model = lora_model

    def _hook(self, module, inputs, output) -> None:
        if not self.forward and module.training:
            self.forward = {"output_dtype": str(output.dtype).replace("torch.", ""),
                            "device": str(output.device),
                            "weight_dtype": str(module.base_layer.weight.dtype).replace("torch.", "")}


def greedy(base, artifact, prompts: list[str], device: str) -> dict:
    import torch
    from peft import PeftModel

    from ratchet.learn.train.hf import load_base

    model, tokenizer = load_base(base)
    model = PeftModel.from_pretrained(model, str(artifact.path)).to(device).eval()
    answers = {}
    for prompt in prompts:
        ids = tokenizer.apply_chat_template([{"role": "user", "content": prompt}], add_generation_prompt=True,
                                            return_dict=True)["input_ids"]
        with torch.no_grad():
            out = model.generate(input_ids=torch.tensor([list(ids)], device=device), max_new_tokens=10,
                                 do_sample=False)
        answers[prompt] = tokenizer.decode(out[0, len(ids):], skip_special_tokens=True)
    return answers


def run(precision: str, args, base, work: Path, probe: Probe, key: str) -> dict:
    import torch

    from ratchet.core import Turn
    from ratchet.learn.adapters import export_gguf
    from ratchet.learn.data import Dataset, PreferencePair, Provenance, SftExample
    from ratchet.learn.train import TrainConfig, fit_dpo, fit_sft

    import gc

    gc.collect()  # free the previous run's models, so peak memory is this run's own
    cuda = torch.cuda.is_available()
    if cuda:
        torch.cuda.empty_cache()
    result: dict = {"precision": precision}
    examples = tuple(SftExample((Turn("user", p),), TARGET, Provenance("verified", "toy", f"secret/{i}"))
                     for i, p in enumerate(PROMPTS))
    config = TrainConfig(rank=8, alpha=16, dropout=0.0, learning_rate=1e-3, max_steps=args.steps,
                         batch_size=args.batch, scheduler="constant", precision=precision, threads=args.threads)
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    started = time.perf_counter()
    artifact = fit_sft(Dataset(examples), base, work / f"sft-{key}", config, method="sft")
    wall = time.perf_counter() - started
    metrics = dict(artifact.metrics)
    steps, seconds = metrics["steps"], metrics["train_seconds"]
    header = gguf_header(artifact.gguf)
    again = export_gguf(artifact.path, base, work / f"sft-{key}-again.gguf", method="sft")
    layers, modules = 30, len(config.target_modules)  # SmolLM2-135M: 30 blocks
    result["sft"] = {
        "device_settings": probe.settings, "bf16": bool(probe.settings.get("bf16")), "first_forward": probe.forward,
        "steps": steps, "batch": args.batch, "train_seconds": seconds,
        "steps_per_s": round(steps / seconds, 3) if seconds else None,
        "examples_per_s": round(steps * args.batch / seconds, 2) if seconds else None,
        "fit_wall_seconds": round(wall, 2), "loss_first": metrics["loss_first"], "loss_last": metrics["loss_last"],
        "losses": metrics["losses"],
        "peak_gpu_mib": round(torch.cuda.max_memory_allocated() / 2**20) if cuda else None,
        "gguf": header, "gguf_tensors_expected": 2 * layers * modules,
        "gguf_tensors_ok": header["tensors"] == 2 * layers * modules,
        "gguf_reexport_identical": again.read_bytes() == artifact.gguf.read_bytes(),
    }
    if args.generate:
        answers = greedy(base, artifact, [PROMPTS[0], HELD_OUT], "cuda" if cuda else "cpu")
        result["sft"]["greedy"] = answers
        result["sft"]["says_pineapple"] = {p: "PINEAPPLE" in a for p, a in answers.items()}
    print(json.dumps({key: result["sft"]}), flush=True)
    if args.dpo_steps:
        pairs = tuple(PreferencePair((Turn("user", p),), TARGET, "I do not know.",
                                     Provenance("verified-pair", "toy", f"s/{i}")) for i, p in enumerate(PROMPTS))
        dconfig = TrainConfig(rank=8, alpha=16, dropout=0.0, learning_rate=5e-4, max_steps=args.dpo_steps,
                              batch_size=args.batch, scheduler="constant", precision=precision, threads=args.threads)
        if cuda:
            torch.cuda.reset_peak_memory_stats()
        started = time.perf_counter()
        dpo = fit_dpo(Dataset(pairs), base, work / f"dpo-{key}", dconfig)
        wall = time.perf_counter() - started
        m = dict(dpo.metrics)
        dheader = gguf_header(dpo.gguf)
        result["dpo"] = {
            "bf16": bool(probe.settings.get("bf16")), "first_forward": probe.forward, "steps": m["steps"],
            "train_seconds": m["train_seconds"],
            "steps_per_s": round(m["steps"] / m["train_seconds"], 3) if m["train_seconds"] else None,
            "fit_wall_seconds": round(wall, 2), "loss_first": m["loss_first"], "loss_last": m["loss_last"],
            "reward_accuracy_last": m.get("reward_accuracy_last"), "reward_margin_last": m.get("reward_margin_last"),
            "peak_gpu_mib": round(torch.cuda.max_memory_allocated() / 2**20) if cuda else None,
            "gguf_tensors": dheader["tensors"], "gguf_type": dheader["general.type"],
        }
        print(json.dumps({key: {"dpo": result["dpo"]}}), flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gguf", help="SmolLM2-135M-Instruct Q4_1 GGUF (default: the installed wheel's)")
    parser.add_argument("--steps", type=int, default=30, help="SFT optimiser steps")
    parser.add_argument("--dpo-steps", type=int, default=10, help="DPO steps (0: no DPO fit)")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--precisions", default="auto", help="comma-separated: auto, fp32, bf16")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads for torch")
    parser.add_argument("--no-generate", dest="generate", action="store_false", help="skip the greedy check")
    parser.add_argument("--work", type=Path, help="artifact directory (default: a fresh temporary one)")
    parser.add_argument("--json", type=Path, help="also write the summary here")
    args = parser.parse_args()

    started = time.perf_counter()
    import torch
    import transformers
    import peft
    import trl

    from ratchet.learn.train.hf import hf_cache_dir, load_base

    cuda = torch.cuda.is_available()
    summary: dict = {
        "host": platform.node(), "python": platform.python_version(), "torch": torch.__version__,
        "transformers": transformers.__version__, "peft": peft.__version__, "trl": trl.__version__,
        "cuda": cuda, "device": torch.cuda.get_device_name(0) if cuda else platform.processor() or "cpu",
        "bf16_supported": bool(cuda and torch.cuda.is_bf16_supported()),
        "cpu_threads": torch.get_num_threads(),
    }
    base = base_ref(args.gguf)
    summary["base"] = {"name": base.name, "sha256": base.sha256, "gguf": str(base.gguf)}
    cached = (hf_cache_dir(base) / "config.json").is_file()
    t = time.perf_counter()
    load_base(base)  # dequantises the GGUF into the cache the first time
    summary["load_base_seconds"] = round(time.perf_counter() - t, 2)
    summary["load_base_was_cached"] = cached
    summary["import_and_setup_seconds"] = round(time.perf_counter() - started, 2)
    print(json.dumps(summary), flush=True)
    probe = Probe()
    work = args.work or Path(tempfile.mkdtemp(prefix="gpu-lora-check-"))
    summary["runs"] = {}
    for precision in [p.strip() for p in args.precisions.split(",") if p.strip()]:
        # a precision may repeat (e.g. fp32,auto,fp32,auto to see the order's effect): key = auto, auto#2, ...
        count = sum(1 for key in summary["runs"] if key.split("#")[0] == precision)
        key = precision if count == 0 else f"{precision}#{count + 1}"
        try:
            summary["runs"][key] = run(precision, args, base, work, probe, key)
        except Exception as error:  # keep the other precisions' figures
            import traceback

            traceback.print_exc()
            summary["runs"][key] = {"error": f"{type(error).__name__}: {error}"}
    runs = summary["runs"]
    if all("sft" in runs.get(p, {}) for p in ("auto", "fp32")):
        a, f = runs["auto"]["sft"]["train_seconds"], runs["fp32"]["sft"]["train_seconds"]
        summary["sft_fp32_over_auto_seconds"] = round(f / a, 3) if a else None
    summary["total_seconds"] = round(time.perf_counter() - started, 2)
    text = json.dumps(summary, indent=2)
    print(text)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(text)


if __name__ == "__main__":
    main()
