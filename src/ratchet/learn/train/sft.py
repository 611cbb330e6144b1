"""LoRA supervised fine-tuning (STaR, ReST-EM / rejection-sampling fine-tuning, correction traces).

`fit_sft(examples, base) -> AdapterArtifact`: the loss is on the answer tokens only (TRL's
prompt-completion format), with the base model's own chat template, the same one llama.cpp
applies when it serves the adapter.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ratchet.errors import UserError
from ratchet.learn.adapters import AdapterArtifact, BaseModelRef
from ratchet.learn.data import Dataset, SftExample
from ratchet.learn.train.config import StepProgress, TrainConfig
from ratchet.learn.train.hf import (
    Timer,
    chat,
    load_base,
    make_arguments,
    lora_model,
    quiet_training,
    require_train_extra,
    save_adapter,
    silence_trainer,
    trainer_arguments,
    training_metrics,
)


def sft_rows(examples: Sequence[SftExample]) -> list[dict]:
    return [
        {"prompt": chat(example.prompt), "completion": [{"role": "assistant", "content": example.completion}]}
        for example in examples
    ]


def fit_sft(
    data: Dataset | Sequence[SftExample],
    base: BaseModelRef,
    out: Path,
    config: TrainConfig = TrainConfig(),
    *,
    init: AdapterArtifact | None = None,
    method: str = "sft",
    progress: StepProgress | None = None,
) -> AdapterArtifact:
    """Train a LoRA on `data` (SFT examples) for `base` and save it as an artifact at `out`.

    `init`: continue from that adapter instead of starting a fresh one on the base model.
    `progress`: called with (steps done, total steps) as training starts and after each step.
    """
    require_train_extra()
    config = config.for_objective("sft")
    dataset = data if isinstance(data, Dataset) else Dataset(tuple(data))
    examples = [e for e in dataset.examples if isinstance(e, SftExample)]
    if not examples:
        raise UserError("found 0 SFT examples, need at least 1: build them with ratchet.learn.data first")
    quiet_training()
    import datasets
    from trl import SFTConfig, SFTTrainer

    model, tokenizer = load_base(base)
    peft_model = lora_model(model, config, init, base)
    rows = datasets.Dataset.from_list(sft_rows(examples))
    scratch = Path(out).parent / f".{Path(out).name}.trainer"
    args = make_arguments(SFTConfig, **trainer_arguments(config, scratch), max_length=config.max_length,
                     completion_only_loss=True, packing=False, dataset_num_proc=None)
    trainer = SFTTrainer(model=peft_model, args=args, train_dataset=rows, processing_class=tokenizer)
    silence_trainer(trainer, progress)
    with Timer() as timer:
        trainer.train()
    metrics = training_metrics(trainer, timer.seconds, len(examples))
    _remove(scratch)
    return save_adapter(trainer.model, base, Path(out), method=method, config=config,
                        data=dataset.describe(), metrics=metrics, init=init)


def _remove(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)
