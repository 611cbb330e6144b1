"""What the self-training loop needs from a model stack, and the real one: llama.cpp serves the
policy (base GGUF + the adapter's GGUF export), transformers + peft + trl train the adapters.

The loop only sees `TrainingBackend`, so its control flow is unit-tested with a scripted backend
and runs unchanged on the real one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from ratchet.learn.adapters import AdapterArtifact, BaseModelRef, check_adapter_base
from ratchet.learn.data import Dataset
from ratchet.learn.train.config import StepProgress, TrainConfig
from ratchet.models.base import Model


class TrainingBackend(Protocol):
    name: str  # the base model's name

    def policy(self, adapter: AdapterArtifact | None) -> Model:
        """The base model, served with `adapter` when one is given."""
        ...

    def fit(self, objective: str, data: Dataset, out: Path, init: AdapterArtifact | None, method: str,
            config: TrainConfig, progress: StepProgress | None = None) -> AdapterArtifact:
        """Train an adapter (`objective` "sft" or "dpo") on `data` with `config` (the run's, so what
        is recorded is what ran), saved atomically at `out`; optimiser steps go to
        `progress(done, total)`."""
        ...

    def scorer(self, adapter: AdapterArtifact | None):
        """A `Scorer` (mean log-prob per token of a continuation) for the policy, or None."""
        ...


class LoraBackend:
    """A named local model (or GGUF path): llama.cpp for sampling, LoRA training in process."""

    def __init__(self, model: str, *, cache: bool = True, n_ctx: int = 4096, threads: int | None = None) -> None:
        self.name = model
        self.base = BaseModelRef.resolve(model)
        self.cache = cache
        self.n_ctx = n_ctx
        self.threads = threads  # llama.cpp threads; 1 is fastest when other processes share the cores
        self._policies: dict[str, Model] = {}

    def policy(self, adapter: AdapterArtifact | None) -> Model:
        key = str(adapter.gguf) if adapter else ""
        if key not in self._policies:
            if adapter is not None:
                check_adapter_base(adapter.path, self.base)
            self._policies.clear()  # one llama.cpp context at a time keeps memory flat
            self._policies[key] = self._load(adapter.gguf if adapter else None)
        return self._policies[key]

    def _load(self, adapter: Path | None) -> Model:
        """The same model and identity `load_model` gives (so cache keys agree), with `threads`."""
        from ratchet.models.cache import CachedModel, ResponseCache
        from ratchet.models.catalog import ratchet_home
        from ratchet.models.llamacpp import LlamaCppModel

        model: Model = LlamaCppModel(self.base.gguf, self.base.name, self.base.sha256, n_ctx=self.n_ctx,
                                     n_threads=self.threads, adapter=adapter)
        if self.cache:
            model = CachedModel(model, ResponseCache(ratchet_home() / "cache.sqlite"))
        return model

    def fit(self, objective: str, data: Dataset, out: Path, init: AdapterArtifact | None, method: str,
            config: TrainConfig, progress: StepProgress | None = None) -> AdapterArtifact:
        from ratchet.learn.train import fit_dpo, fit_sft

        fit = fit_sft if objective == "sft" else fit_dpo
        self._policies.clear()  # free llama.cpp's memory while torch trains
        return fit(data, self.base, out, config, init=init, method=method, progress=progress)

    def scorer(self, adapter: AdapterArtifact | None):
        from ratchet.learn.scoring import LlamaCppScorer

        return LlamaCppScorer(self.base.gguf, adapter.gguf if adapter else None, n_ctx=2048, n_threads=self.threads)
