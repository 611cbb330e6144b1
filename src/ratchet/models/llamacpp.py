"""llama.cpp in process, through `llama-cpp-python`.

Why llama-cpp-python rather than xllamacpp: it is the widely used binding, its
`create_chat_completion` applies the chat template stored in the GGUF, takes a per-call seed,
returns OpenAI-shaped usage and log-probabilities, loads LoRA adapters, and ships an
OpenAI-compatible server (`python -m llama_cpp.server`) that our integration tests use. It
compiles from source on install (about 5 minutes on 2 cores); pip caches the wheel afterwards.

That build targets the installing CPU, AMX included, and llama.cpp's AMX path has crashed on the
first decode: every model here is therefore loaded through `new_llama`, which applies the setting
`ratchet.models.cpu` chooses (docs/ARCHITECTURE.md, "The local runtime").
"""

from __future__ import annotations

import contextlib
import io
import os
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from ratchet.core import Message, Usage
from ratchet.errors import MissingExtraError, UserError
from ratchet.models.base import Completion, SamplingParams, openai_logprobs, top_logprobs_to_request
from ratchet.models.cpu import CpuSetting, detect_setting

_LOADING = threading.Lock()  # the safe setting swaps a module function while a model loads: one load at a time


def _llama_class():
    try:
        from llama_cpp import Llama
    except ImportError as error:
        raise MissingExtraError("running models in process", "local", "llama-cpp-python") from error
    return Llama


def new_llama(setting: CpuSetting | None = None, **kwargs):  # noqa: ANN201 - llama_cpp.Llama
    """`llama_cpp.Llama(**kwargs)` loaded with the CPU setting (default: this machine's)."""
    Llama = _llama_class()
    setting = setting or detect_setting()
    with _LOADING, contextlib.nullcontext() if setting.use_extra_bufts else without_extra_bufts():
        return Llama(**kwargs)


@contextlib.contextmanager
def without_extra_bufts() -> Iterator[None]:
    """Models loaded inside get llama.cpp's `use_extra_bufts = false`. `Llama(...)` has no
    parameter for it (llama-cpp-python 0.3.36), but builds its model parameters from
    `llama_model_default_params()`, looked up at call time, so that function is wrapped here."""
    import llama_cpp.llama_cpp as lib

    original = lib.llama_model_default_params

    def safe_params():  # noqa: ANN202
        params = original()
        params.use_extra_bufts = False
        return params

    lib.llama_model_default_params = safe_params
    try:
        yield
    finally:
        lib.llama_model_default_params = original


class LlamaCppModel:
    """A GGUF model served in process. Calls are serialised (llama.cpp contexts are not
    thread-safe); the runner overlaps generation with verification instead.

    Log-probabilities need llama.cpp's `logits_all`, which costs memory (n_ctx x vocab floats)
    and prompt speed, so a second context with it is created only when a call asks for them.
    """

    supports_logprobs = True
    max_concurrency = 1

    def __init__(
        self,
        path: Path,
        name: str,
        sha256: str,
        n_ctx: int = 4096,
        n_threads: int | None = None,
        adapter: Path | None = None,
        cpu: CpuSetting | None = None,
    ) -> None:
        self.path = Path(path)
        self.name = name
        self.sha256 = sha256
        self.adapter = Path(adapter) if adapter else None
        self.cpu = cpu or detect_setting()
        self.identity = f"llama.cpp:{name}:{sha256[:16]}"
        if self.adapter is not None:
            from ratchet.models.catalog import file_sha256

            self.identity += f"+lora:{file_sha256(self.adapter)[:16]}"
        self.identity += self.cpu.identity_suffix
        self.n_ctx = n_ctx
        self.n_threads = n_threads or os.cpu_count() or 2
        self._lock = threading.Lock()
        self._llama = self._load(logits_all=False)
        self._llama_logprobs = None

    def _load(self, logits_all: bool):
        _llama_class()  # a missing extra is named before anything else
        kwargs = {
            "model_path": str(self.path),
            "n_ctx": self.n_ctx,
            "n_threads": self.n_threads,
            "logits_all": logits_all,
            "verbose": False,
        }
        if self.adapter is not None:
            kwargs["lora_path"] = str(self.adapter)
        stderr = io.StringIO()
        try:
            with contextlib.redirect_stderr(stderr):
                return new_llama(self.cpu, **kwargs)
        except ValueError as error:
            raise UserError(f"llama.cpp cannot load {self.path}: {error}; is it a valid GGUF file?") from None

    @property
    def n_vocab(self) -> int:
        return self._llama.n_vocab()

    def complete(self, messages: Sequence[Message], params: SamplingParams) -> Completion:
        with self._lock:
            llama = self._llama
            if params.logprobs is not None:
                if self._llama_logprobs is None:
                    self._llama_logprobs = self._load(logits_all=True)
                llama = self._llama_logprobs
            start = time.perf_counter()
            response = llama.create_chat_completion(
                messages=[dict(m) for m in messages],
                temperature=params.temperature,
                top_p=params.top_p,
                top_k=params.top_k,
                min_p=params.min_p,
                repeat_penalty=params.repeat_penalty,
                max_tokens=params.max_tokens,
                stop=list(params.stop) or None,
                seed=params.seed,
                logprobs=params.logprobs is not None or None,
                top_logprobs=None if params.logprobs is None else top_logprobs_to_request(params.logprobs),
            )
            seconds = time.perf_counter() - start
        choice = response["choices"][0]
        usage = response.get("usage") or {}
        return Completion(
            text=choice["message"].get("content") or "",
            finish_reason=choice.get("finish_reason") or "stop",
            usage=Usage(usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0), 1, 0, seconds),
            logprobs=openai_logprobs(choice.get("logprobs"), params.logprobs or 0),
        )
