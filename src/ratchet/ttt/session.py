"""Per-input adaptation: train a LoRA from its fresh state, answer with it, put the weights back.

`LoraSession` keeps everything loaded across test inputs: the base model in llama.cpp (which
answers), and the same base dequantised in transformers with one PEFT LoRA on it (which trains).
Per uncertain input it
1. trains the LoRA for a few steps on the augmented examples (the `train` extra's SFT pieces:
   `sft_rows`, `trainer_arguments`, TRL's SFTTrainer, completion-only loss);
2. exports the LoRA to GGUF (`export_gguf`) and sets it on the llama.cpp context already
   serving the base (`llama_set_adapters_lora`): no weights are reloaded;
3. answers, clears the adapter from the context, copies the LoRA's initial values back, and
   checks that a hash of every transformers weight equals the one taken before the first input.

`ScriptedSession` is the same contract on a handful of numpy weights, for unit tests.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import shutil
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ratchet.core import Message
from ratchet.errors import RatchetError, UserError
from ratchet.learn.data import SftExample
from ratchet.learn.train.config import TrainConfig
from ratchet.models.base import Completion, Model, SamplingParams
from ratchet.ttt.scoring import local_llama


class ResetError(RatchetError):
    """The weights after an adapted answer differ from those before: a bug, never ignored."""


class AdaptationSession(Protocol):
    def digest(self) -> str:
        """A hash of every weight the session can change."""
        ...

    def train(self, examples: Sequence[SftExample]) -> dict[str, Any]:
        """Train from the initial weights; returns metrics (steps, seconds, losses)."""
        ...

    def complete(self, messages: Sequence[Message], params: SamplingParams) -> Completion:
        """Answer with the weights `train` produced."""
        ...

    def reset(self) -> None:
        """Back to the initial weights; raises ResetError when the hash says otherwise."""
        ...


def tensors_digest(named: Sequence[tuple[str, Any]]) -> str:
    """sha256 over (name, bytes) of numpy-convertible tensors, in name order."""
    digest = hashlib.sha256()
    for name, tensor in sorted(named, key=lambda item: item[0]):
        array = tensor.detach().cpu().numpy() if hasattr(tensor, "detach") else tensor
        digest.update(name.encode())
        digest.update(memoryview(array.reshape(-1)).cast("B") if array.flags.c_contiguous else array.tobytes())
    return digest.hexdigest()


# ---------------------------------------------------------------------------------------------
# llama.cpp: set and clear a LoRA on the context that serves the base model.


class LlamaAdapterSlot:
    """One LoRA at a time on an in-process llama.cpp model's generation context."""

    def __init__(self, model: Model) -> None:
        inner = local_llama(model)
        if inner is None:
            raise UserError(
                f"test-time training needs a llama.cpp model in process (a named model or GGUF file); "
                f"'{model.name}' is not one (an endpoint cannot swap adapters per input)"
            )
        if getattr(inner, "adapter", None) is not None:
            raise UserError("test-time training adapts the base model: run it without --adapter")
        self.model = inner

    def complete_with(self, gguf: Path, messages: Sequence[Message], params: SamplingParams) -> Completion:
        import llama_cpp

        llama = self.model._llama
        with self.model._lock:
            adapter = llama_cpp.llama_adapter_lora_init(llama.model, str(gguf).encode())
            if not adapter:
                raise UserError(f"llama.cpp could not load the adapter {gguf}")
            adapters = (llama_cpp.llama_adapter_lora_p_ctypes * 1)(adapter)
            scales = (ctypes.c_float * 1)(1.0)
            llama_cpp.llama_set_adapters_lora(llama._ctx.ctx, adapters, 1, scales)
            llama.reset()  # the prompt cache holds states computed without the adapter
        try:
            return self.model.complete(messages, params)
        finally:
            with self.model._lock:
                llama_cpp.llama_set_adapters_lora(llama._ctx.ctx, None, 0, None)
                llama_cpp.llama_adapter_lora_free(adapter)
                llama.reset()


# ---------------------------------------------------------------------------------------------
# The real session.


@dataclass(frozen=True)
class TestTimeTraining:
    """The few-step LoRA fit per uncertain input (a `TrainConfig` with test-time defaults)."""

    __test__ = False  # not a pytest class, whatever its name

    steps: int = 4  # optimiser steps per input
    learning_rate: float = 5e-4
    rank: int = 8
    alpha: float = 16.0
    max_length: int = 512
    seed: int = 0
    #: torch threads while training (0: torch's default). On a machine whose cores are shared with
    #: other busy processes, 1 thread can be several times faster than 2 (threads wait on each other).
    threads: int = 0
    #: adapt only the last `layers` transformer blocks (0: all). Gradients then stop there, so a
    #: step costs about a forward pass plus a short backward one.
    layers: int = 0

    def config(self, examples: int) -> TrainConfig:
        return TrainConfig(rank=self.rank, alpha=self.alpha, dropout=0.0, learning_rate=self.learning_rate,
                           max_steps=self.steps, batch_size=max(1, min(examples, 4)), max_length=self.max_length,
                           scheduler="constant", seed=self.seed, precision="fp32")


class LoraSession:
    """Train in transformers, answer in llama.cpp; both load once (see the module docstring)."""

    def __init__(self, model: Model, training: TestTimeTraining = TestTimeTraining()) -> None:
        from ratchet.learn.train.hf import require_train_extra

        self.slot = LlamaAdapterSlot(model)
        require_train_extra("test-time training (tt-si, tt-d)")
        self.training = training
        self.base = _base_ref(self.slot.model)
        self._lock = threading.Lock()
        self._load()
        self._workdir = Path(tempfile.mkdtemp(prefix="ratchet-ttt-"))
        self._gguf: Path | None = None
        self.initial_digest = self.digest()

    def _load(self) -> None:
        from ratchet.learn.train.hf import load_base, lora_model, quiet_training

        quiet_training()
        hf_model, self.tokenizer = load_base(self.base)
        self.peft = lora_model(hf_model, self.training.config(1), None, self.base, layers=self.training.layers)
        self.peft.eval()
        self._initial = {name: p.detach().clone() for name, p in self.peft.named_parameters() if p.requires_grad}

    def digest(self) -> str:
        return tensors_digest(list(self.peft.state_dict().items()))

    def train(self, examples: Sequence[SftExample]) -> dict[str, Any]:
        import datasets
        from transformers import PrinterCallback
        from trl import SFTConfig, SFTTrainer

        from ratchet.learn.adapters import export_gguf
        from ratchet.learn.train.hf import Timer, make_arguments, trainer_arguments, training_metrics
        from ratchet.learn.train.sft import sft_rows

        config = self.training.config(len(examples))
        item = Path(tempfile.mkdtemp(dir=self._workdir))
        args = make_arguments(SFTConfig, **trainer_arguments(config, item / "trainer"), max_length=config.max_length,
                              completion_only_loss=True, packing=False, dataset_num_proc=None)
        trainer = SFTTrainer(model=self.peft, args=args, train_dataset=datasets.Dataset.from_list(sft_rows(examples)),
                             processing_class=self.tokenizer)
        trainer.remove_callback(PrinterCallback)  # no per-step log lines on the terminal
        with Timer() as timer, _torch_threads(self.training.threads):
            trainer.train()
        self.peft.eval()
        metrics = training_metrics(trainer, timer.seconds, len(examples))
        self.peft.save_pretrained(str(item / "peft"), safe_serialization=True)
        self._gguf = export_gguf(item / "peft", self.base, item / "adapter.gguf", method="tt")
        return metrics

    def complete(self, messages: Sequence[Message], params: SamplingParams) -> Completion:
        if self._gguf is None:
            raise RuntimeError("LoraSession.complete before train")
        return self.slot.complete_with(self._gguf, messages, params)

    def reset(self) -> None:
        import torch

        with torch.no_grad():
            for name, parameter in self.peft.named_parameters():
                if name in self._initial:
                    parameter.copy_(self._initial[name])
        self._gguf = None
        for child in self._workdir.iterdir():
            shutil.rmtree(child, ignore_errors=True)
        after = self.digest()
        if after != self.initial_digest:
            raise ResetError(f"weights changed across a test-time adaptation: sha256 {after[:12]}… != {self.initial_digest[:12]}…")

    def close(self) -> None:
        shutil.rmtree(self._workdir, ignore_errors=True)


@contextlib.contextmanager
def _torch_threads(threads: int):
    import torch

    before = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _base_ref(inner):
    from ratchet.learn.adapters import BaseModelRef
    from ratchet.models.catalog import CATALOG

    if inner.name in CATALOG:
        return BaseModelRef.resolve(inner.name)
    return BaseModelRef(inner.name, inner.sha256, Path(inner.path))


# ---------------------------------------------------------------------------------------------
# The fake, for unit tests.


@dataclass
class ScriptedSession:
    """Weights are a few numpy arrays; training adds one to each per example; `complete` asks the
    `adapted` model. `forget_to_reset` leaves the weights trained, to test that the hash check
    catches it."""

    adapted: Model
    forget_to_reset: bool = False
    trained_on: list[list[SftExample]] = field(default_factory=list)

    def __post_init__(self) -> None:
        import numpy as np

        self.weights = {"lora_a": np.zeros((4, 2), dtype=np.float32), "lora_b": np.ones((2, 4), dtype=np.float32)}
        self.initial = {name: array.copy() for name, array in self.weights.items()}
        self.initial_digest = self.digest()

    def digest(self) -> str:
        return tensors_digest(list(self.weights.items()))

    def train(self, examples: Sequence[SftExample]) -> dict[str, Any]:
        self.trained_on.append(list(examples))
        for array in self.weights.values():
            array += len(examples)
        return {"steps": 1, "train_seconds": 0.0, "examples": len(examples)}

    def complete(self, messages: Sequence[Message], params: SamplingParams) -> Completion:
        return self.adapted.complete(messages, params)

    def reset(self) -> None:
        if not self.forget_to_reset:
            for name, array in self.weights.items():
                array[...] = self.initial[name]
        after = self.digest()
        if after != self.initial_digest:
            raise ResetError(f"weights changed across a test-time adaptation: sha256 {after[:12]}… != {self.initial_digest[:12]}…")
