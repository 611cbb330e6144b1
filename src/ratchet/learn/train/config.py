"""The training configuration shared by the LoRA trainers. Frozen, typed, documented field by
field; it is written into every adapter artifact, so a run can be repeated from its log."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, fields, replace

from ratchet.errors import UserError

StepProgress = Callable[[int, int], None]  # a trainer's report: (optimiser steps done, total steps)
# LoRA learning rates by objective: SFT's would overfit DPO (on 18 gsm pairs with the 0.5B model,
# 5e-4 drove the DPO loss to 0 and lost on dev; 5e-5 gained 50 test points; docs/SELF_TRAINING.md).
LEARNING_RATES = {"sft": 2e-4, "dpo": 5e-5}


def learning_rate_for(objective: str, given: float | None = None) -> float:
    """The learning rate asked for, else the objective's default."""
    return given if given is not None else LEARNING_RATES[objective]


ALL_LINEAR = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


@dataclass(frozen=True)
class TrainConfig:
    rank: int = 8  # LoRA rank r
    alpha: float = 16.0  # LoRA alpha: the update is scaled by alpha / rank
    dropout: float = 0.05  # LoRA dropout on the adapter's input (training only)
    target_modules: tuple[str, ...] = ALL_LINEAR  # projections that get an adapter
    learning_rate: float | None = None  # None: the objective's default (LEARNING_RATES), set by `for_objective`
    epochs: float = 2.0  # passes over the data (ignored when max_steps is set)
    max_steps: int | None = None  # stop after this many optimiser steps
    batch_size: int = 4  # examples per device step
    grad_accum: int = 1  # steps accumulated per optimiser update
    max_length: int = 768  # tokens per example (prompt + answer); longer ones are truncated
    warmup_ratio: float = 0.0
    scheduler: str = "linear"  # transformers scheduler name: linear, constant, cosine, ...
    beta: float = 0.1  # DPO: strength of the pull toward the reference model
    seed: int = 0
    precision: str = "auto"  # auto (bf16 on a GPU that supports it, else fp32), fp32, bf16
    threads: int | None = None  # CPU threads for torch (None: torch's default); 1 suits a busy machine

    def __post_init__(self) -> None:
        object.__setattr__(self, "target_modules", tuple(self.target_modules))
        checks = [
            (self.rank >= 1, f"rank must be >= 1, got {self.rank}"),
            (self.alpha > 0, f"alpha must be > 0, got {self.alpha}"),
            (0 <= self.dropout < 1, f"dropout must be in [0, 1), got {self.dropout}"),
            (self.learning_rate is None or self.learning_rate > 0, f"learning rate must be > 0, got {self.learning_rate}"),
            (self.epochs > 0, f"epochs must be > 0, got {self.epochs}"),
            (self.max_steps is None or self.max_steps >= 1, f"max_steps must be >= 1, got {self.max_steps}"),
            (self.batch_size >= 1 and self.grad_accum >= 1, "batch size and gradient accumulation must be >= 1"),
            (self.max_length >= 16, f"max_length must be >= 16, got {self.max_length}"),
            (self.beta > 0, f"beta must be > 0, got {self.beta}"),
            (self.precision in ("auto", "fp32", "bf16"), f"precision must be auto, fp32 or bf16, got {self.precision}"),
            (bool(self.target_modules), "target_modules must name at least one projection"),
        ]
        for ok, message in checks:
            if not ok:
                raise UserError(message)

    def for_objective(self, objective: str) -> TrainConfig:
        """This configuration with its learning rate settled for `sft` or `dpo`: what a trainer runs
        and an artifact records."""
        return replace(self, learning_rate=learning_rate_for(objective, self.learning_rate))

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})
