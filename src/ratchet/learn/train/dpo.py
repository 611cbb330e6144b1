"""LoRA direct preference optimisation on (chosen, rejected) pairs: verified pairs or judge pairs.

`fit_dpo(pairs, base) -> AdapterArtifact`. The reference policy is the base model (the LoRA
switched off), so no second copy of the weights is held. Continuing from an adapter (`init`)
keeps that reference: the preference is measured against the base, as in iterative DPO with a
fixed reference.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ratchet.errors import UserError
from ratchet.learn.adapters import AdapterArtifact, BaseModelRef
from ratchet.learn.data import Dataset, PreferencePair
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


def dpo_rows(pairs: Sequence[PreferencePair]) -> list[dict]:
    return [
        {
            "prompt": chat(pair.prompt),
            "chosen": [{"role": "assistant", "content": pair.chosen}],
            "rejected": [{"role": "assistant", "content": pair.rejected}],
        }
        for pair in pairs
    ]


def fit_dpo(
    data: Dataset | Sequence[PreferencePair],
    base: BaseModelRef,
    out: Path,
    config: TrainConfig = TrainConfig(),
    *,
    init: AdapterArtifact | None = None,
    method: str = "dpo",
    progress: StepProgress | None = None,
) -> AdapterArtifact:
    """Train a LoRA with DPO on preference pairs for `base`; save it as an artifact at `out`
    (`init` and `progress` as in `fit_sft`)."""
    require_train_extra()
    config = config.for_objective("dpo")
    dataset = data if isinstance(data, Dataset) else Dataset(tuple(data))
    pairs = [e for e in dataset.examples if isinstance(e, PreferencePair)]
    if not pairs:
        raise UserError("found 0 preference pairs, need at least 1: build them with ratchet.learn.data first")
    quiet_training()
    import datasets
    from trl import DPOConfig, DPOTrainer

    model, tokenizer = load_base(base)
    peft_model = lora_model(model, config, init, base)
    rows = datasets.Dataset.from_list(dpo_rows(pairs))
    scratch = Path(out).parent / f".{Path(out).name}.trainer"
    args = make_arguments(DPOConfig, **trainer_arguments(config, scratch), max_length=config.max_length, beta=config.beta)
    trainer = DPOTrainer(model=peft_model, ref_model=None, args=args, train_dataset=rows, processing_class=tokenizer)
    silence_trainer(trainer, progress)
    with Timer() as timer:
        trainer.train()
    metrics = training_metrics(trainer, timer.seconds, len(pairs))
    rewards = [h for h in trainer.state.log_history if "rewards/accuracies" in h]
    if rewards:
        metrics["reward_accuracy_last"] = round(float(rewards[-1]["rewards/accuracies"]), 4)
        metrics["reward_margin_last"] = round(float(rewards[-1].get("rewards/margins", 0.0)), 4)
    import shutil

    shutil.rmtree(scratch, ignore_errors=True)
    return save_adapter(trainer.model, base, Path(out), method=method, config=config,
                        data=dataset.describe(), metrics=metrics, init=init)
