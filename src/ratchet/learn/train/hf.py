"""The transformers side of training: the base model from its bundled GGUF weights, a LoRA on it,
the device settings, and saving the result as an adapter artifact.

transformers reads GGUF files itself (`gguf_file=`) and dequantises every tensor to float32. That
takes a while (about 30 s for SmolLM2 on 2 shared cores), so the dequantised weights and the
tokenizer are kept once under `$RATCHET_HOME/hf/<model>-<sha256 prefix>/` and loaded from there
afterwards. The GGUF stays the single source of truth: the cache is keyed by its hash.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ratchet.errors import MissingExtraError, UserError
from ratchet.learn.adapters import (
    AdapterArtifact,
    BaseModelRef,
    GGUF_FILE,
    atomic_directory,
    check_adapter_base,
    export_gguf,
    now_iso,
    write_artifact_meta,
)
from ratchet.learn.train.config import StepProgress, TrainConfig

TRAIN_PACKAGES = "torch==2.13.0 transformers peft trl gguf accelerate"


def require_train_extra(what: str = "training LoRA adapters") -> None:
    """Import the training stack, or raise the one-line error naming the pip command."""
    try:
        import datasets  # noqa: F401
        import gguf  # noqa: F401
        import peft  # noqa: F401
        import torch  # noqa: F401
        import transformers  # noqa: F401
        import trl  # noqa: F401
    except ImportError as error:
        raise MissingExtraError(what, "train", TRAIN_PACKAGES) from error


def hf_cache_dir(base: BaseModelRef) -> Path:
    from ratchet.models.catalog import ratchet_home

    return ratchet_home() / "hf" / f"{base.name}-{base.sha256[:16]}"


def load_base(base: BaseModelRef):
    """(model, tokenizer) in float32 on the CPU, from the cache or dequantised from the GGUF."""
    require_train_extra()
    quiet_training()
    from transformers import AutoModelForCausalLM, AutoTokenizer

    cache = hf_cache_dir(base)
    if not (cache / "config.json").is_file():
        try:
            _dequantise_into(base, cache)
        except (UserError, OSError):
            if not (cache / "config.json").is_file():  # not a concurrent process finishing first
                raise
    model = AutoModelForCausalLM.from_pretrained(str(cache), dtype="float32")
    tokenizer = AutoTokenizer.from_pretrained(str(cache))
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return model, tokenizer


def _dequantise_into(base: BaseModelRef, cache: Path) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder, name = str(base.gguf.parent), base.gguf.name
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype="float32")
    # The weights are plain float32 now; drop the GGUF quantiser so they save as safetensors.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    if cache.exists():  # a stale partial cache from an older layout
        import shutil

        shutil.rmtree(cache)
    with atomic_directory(cache) as scratch:
        model.save_pretrained(str(scratch))
        tokenizer.save_pretrained(str(scratch))
        (scratch / "source.json").write_text(json.dumps({"gguf": str(base.gguf), "sha256": base.sha256}))


def device_settings(config: TrainConfig) -> dict[str, Any]:
    """Trainer arguments for the hardware at hand: fp32 on the CPU; bf16 on a GPU that has it."""
    import torch

    if config.threads:
        torch.set_num_threads(config.threads)
    cuda = torch.cuda.is_available()
    bf16 = config.precision == "bf16" or (config.precision == "auto" and cuda and torch.cuda.is_bf16_supported())
    if bf16 and not cuda:
        raise UserError("precision bf16 needs a CUDA GPU here; use --precision fp32 or auto")
    return {"use_cpu": not cuda, "bf16": bf16, "fp16": False}


def trainer_arguments(config: TrainConfig, output_dir: Path) -> dict[str, Any]:
    """The arguments SFTConfig and DPOConfig share (a TrainingArguments subset)."""
    return {
        "output_dir": str(output_dir),
        "per_device_train_batch_size": config.batch_size,
        "gradient_accumulation_steps": config.grad_accum,
        "learning_rate": config.learning_rate,
        "num_train_epochs": config.epochs,
        "max_steps": config.max_steps if config.max_steps is not None else -1,
        "lr_scheduler_type": config.scheduler,
        "warmup_ratio": config.warmup_ratio,  # `warmup_steps` (a fraction) in transformers >= 5
        "logging_steps": 1,
        "save_strategy": "no",
        "report_to": "none",
        "disable_tqdm": True,
        "seed": config.seed,
        "data_seed": config.seed,
        "dataloader_num_workers": 0,
        "remove_unused_columns": True,
        **device_settings(config),
    }


def make_arguments(config_class, **kwargs: Any):
    """Build a TRL config, mapping arguments renamed between transformers versions and dropping
    those this version lacks (all of them optional)."""
    import dataclasses

    known = {f.name for f in dataclasses.fields(config_class)}
    if "warmup_ratio" not in known and "warmup_ratio" in kwargs:
        ratio = kwargs.pop("warmup_ratio")
        if ratio:
            kwargs["warmup_steps"] = float(ratio)
    return config_class(**{key: value for key, value in kwargs.items() if key in known})


def lora_model(model, config: TrainConfig, init: AdapterArtifact | None, base: BaseModelRef, *, layers: int = 0):
    """A trainable LoRA on `model`: fresh, or continuing from the adapter `init`. `layers` > 0
    puts a fresh LoRA on the last `layers` transformer blocks only (gradients stop there)."""
    from peft import LoraConfig, PeftModel, get_peft_model

    if init is not None:
        check_adapter_base(init.path, base)
        return PeftModel.from_pretrained(model, str(init.path), is_trainable=True)
    total = int(model.config.num_hidden_layers)
    if not 0 <= layers <= total:
        raise UserError(f"layers must be between 0 (every block) and {total} for this model, got {layers}")
    lora = LoraConfig(
        r=config.rank, lora_alpha=config.alpha, lora_dropout=config.dropout,
        target_modules=list(config.target_modules), bias="none", task_type="CAUSAL_LM",
        layers_to_transform=list(range(total - layers, total)) if layers else None,
    )
    return get_peft_model(model, lora)


def training_metrics(trainer, seconds: float, examples: int) -> dict[str, Any]:
    history = trainer.state.log_history
    losses = [round(float(h["loss"]), 5) for h in history if "loss" in h]
    return {
        "train_seconds": round(seconds, 2),
        "steps": int(trainer.state.global_step),
        "examples": examples,
        "loss_first": losses[0] if losses else None,
        "loss_last": losses[-1] if losses else None,
        "losses": losses,
    }


def save_adapter(
    peft_model, base: BaseModelRef, out: Path, *, method: str, config: TrainConfig,
    data: dict[str, Any], metrics: dict[str, Any], init: AdapterArtifact | None,
) -> AdapterArtifact:
    """Write the artifact (PEFT files, provenance, GGUF export) atomically at `out`."""
    artifact = AdapterArtifact(
        path=Path(out), base_name=base.name, base_sha256=base.sha256, method=method,
        train_config=config.to_json(), data=data, metrics=metrics,
        init=str(init.path) if init is not None else None, created=now_iso(),
    )
    with atomic_directory(Path(out)) as scratch:
        peft_model.save_pretrained(str(scratch), safe_serialization=True)
        write_artifact_meta(scratch, artifact)
        export_gguf(scratch, base, scratch / GGUF_FILE, method=method)
    return artifact


class Timer:
    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self.start


def chat(turns: Sequence[Any]) -> list[dict[str, str]]:
    return [{"role": t.role, "content": t.content} for t in turns]


def silence_trainer(trainer, progress: StepProgress | None = None) -> None:
    """No per-step printing (losses are kept in the artifact's metrics instead); optimiser steps
    go to `progress(done, total)` when given, so a caller can show its own bar."""
    from transformers.trainer_callback import PrinterCallback, ProgressCallback, TrainerCallback

    for callback in (PrinterCallback, ProgressCallback):
        trainer.remove_callback(callback)
    if progress is not None:

        class _Steps(TrainerCallback):
            def on_train_begin(self, args, state, control, **kwargs):
                progress(state.global_step, state.max_steps)

            def on_step_end(self, args, state, control, **kwargs):
                progress(state.global_step, state.max_steps)

        trainer.add_callback(_Steps())


def quiet_training() -> None:
    """Keep the training stack's progress bars and advice off the terminal."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")
    import warnings

    import datasets
    import transformers

    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    datasets.disable_progress_bars()
    warnings.filterwarnings("ignore", category=FutureWarning, module="transformers")
    warnings.filterwarnings("ignore", category=UserWarning, module="(trl|peft|transformers)")
