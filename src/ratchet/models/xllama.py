"""llama.cpp's server in process, through `xllamacpp`: parallel slots with continuous batching.

`llama-cpp-python` (`LlamaCppModel`) decodes one sequence at a time. `xllamacpp` embeds
llama.cpp's server (no HTTP: requests are Python dicts): it keeps `slots` sequences in flight and
decodes them in one batch per step, so the calls that the eval runner, the loops and the judges
already submit concurrently (up to `max_concurrency`) share each forward pass. Each slot keeps the
prompt it last processed and the server picks the slot whose cached prompt shares the longest
prefix with a new one (`cache_prompt`), so a shared system prompt, few-shot exemplars or a ReAct
history are not recomputed.

Batched decoding is not bit-for-bit sequential decoding: the matrix products of a step depend on
how many sequences share it, so greedy text may part from one-at-a-time text after a few tokens
(measured in docs/ARCHITECTURE.md, "The batched local engine"). Each call keeps its own seed.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from ratchet.core import Message, Usage
from ratchet.errors import BackendError, MissingExtraError, UserError
from ratchet.models.base import Completion, SamplingParams, openai_logprobs, top_logprobs_to_request
from ratchet.models.timing import BusyClock

#: Slots when none are asked for: issue 20 measured 4 requests at once on 4 slots at 4.2-4.7x the
#: tokens/s of one at a time on a 2-core Intel VM; on the AMD EPYC VM of docs/BENCHMARKS.md the gain
#: did not show. Every slot holds its own n_ctx of KV cache.
DEFAULT_SLOTS = 4
MAX_SLOTS = 64


def _xllamacpp():  # noqa: ANN202 - the module
    try:
        import xllamacpp
    except ImportError as error:
        raise MissingExtraError("the batched local engine", "local", "xllamacpp") from error
    return xllamacpp


def check_slots(slots: int) -> int:
    if not 1 <= slots <= MAX_SLOTS:
        raise UserError(f"--slots must be between 1 and {MAX_SLOTS}, got {slots}")
    return slots


class XLlamaModel:
    """A GGUF model served by llama.cpp's server in process, `slots` calls decoded together.

    `n_ctx` is each slot's context (the server allocates slots x n_ctx), so a prompt that fits
    `LlamaCppModel(n_ctx=...)` fits here whatever the slot count. `prompt_cache=False` makes every
    call evaluate its whole prompt (for measuring what the reuse saves).
    """

    supports_logprobs = True

    def __init__(
        self,
        path: Path,
        name: str,
        sha256: str,
        n_ctx: int = 4096,
        n_threads: int | None = None,
        slots: int = DEFAULT_SLOTS,
        adapter: Path | None = None,
        prompt_cache: bool = True,
    ) -> None:
        self.path = Path(path)
        self.name = name
        self.sha256 = sha256
        self.adapter = Path(adapter) if adapter else None
        self.max_concurrency = check_slots(slots)
        self.slots = slots
        self.n_ctx = n_ctx
        self.n_threads = n_threads or os.cpu_count() or 2
        self.prompt_cache = prompt_cache
        # another llama.cpp build, batched arithmetic: its outputs are cached apart from
        # llama-cpp-python's. The slot count stays out: it does not fix which calls share a step.
        self.identity = f"xllamacpp:{name}:{sha256[:16]}"
        if self.adapter is not None:
            from ratchet.models.catalog import file_sha256

            self.identity += f"+lora:{file_sha256(self.adapter)[:16]}"
        self._in_flight = threading.BoundedSemaphore(slots)
        self._busy = BusyClock()
        self._server = self._start()

    def _start(self):  # noqa: ANN202 - xllamacpp.Server
        xllamacpp = _xllamacpp()
        if not self.path.is_file():
            raise UserError(f"no GGUF file at {self.path}")
        params = xllamacpp.CommonParams()
        params.model.path = str(self.path)
        params.n_parallel = self.slots
        params.n_ctx = self.n_ctx * self.slots
        params.cpuparams.n_threads = self.n_threads
        params.cpuparams_batch.n_threads = self.n_threads
        params.warmup = False
        params.verbosity = -1  # the server logs every request on stderr otherwise
        params.cache_prompt = self.prompt_cache
        if self.adapter is not None:
            lora = xllamacpp.CommonAdapterLoraInfo()
            lora.path, lora.scale = str(self.adapter), 1.0
            params.lora_adapters = [lora]
        try:
            return xllamacpp.Server(params)
        except (RuntimeError, ValueError) as error:
            what = f" with the adapter {self.adapter}" if self.adapter else ""
            raise UserError(f"llama.cpp cannot load {self.path}{what}: {error}; is it a valid GGUF file?") from None

    def request(self, messages: Sequence[Message], params: SamplingParams) -> dict:
        """The chat request the embedded server receives (the same fields as its HTTP API)."""
        request = {
            "messages": [dict(m) for m in messages],
            "temperature": params.temperature,
            "top_p": params.top_p,
            "top_k": params.top_k,
            "min_p": params.min_p,
            "repeat_penalty": params.repeat_penalty,
            "max_tokens": params.max_tokens,
            "seed": params.seed,
            "cache_prompt": self.prompt_cache,
        }
        if params.stop:
            request["stop"] = list(params.stop)
        if params.logprobs is not None:
            request["logprobs"] = True
            request["top_logprobs"] = top_logprobs_to_request(params.logprobs)
        return request

    def complete(self, messages: Sequence[Message], params: SamplingParams) -> Completion:
        request = self.request(messages, params)
        start = time.perf_counter()
        with self._in_flight:
            ticket = self._busy.start()
            try:
                response = self._server.handle_chat_completions(request)
            except ValueError as error:
                raise BackendError(f"llama.cpp's server rejected the request: {error}", retryable=False) from None
            finally:
                seconds = self._busy.stop(ticket)
        choice = _first_choice(response, self.n_ctx)
        usage = response.get("usage") or {}
        return Completion(
            text=choice["message"].get("content") or "",
            finish_reason=choice.get("finish_reason") or "stop",
            usage=Usage(usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0), 1, 0, seconds,
                        wait_seconds=max(time.perf_counter() - start - seconds, 0.0)),
            logprobs=openai_logprobs(choice.get("logprobs"), params.logprobs or 0),
        )

    def close(self) -> None:
        """Stop the server's threads and free the model (also done when the object is collected)."""
        with contextlib.suppress(AttributeError):
            del self._server


def _first_choice(response: dict, n_ctx: int) -> dict:
    """The response's first choice; an error response becomes a BackendError that says what."""
    error = response.get("error")
    if error:
        message = error.get("message", error) if isinstance(error, dict) else error
        if isinstance(error, dict) and error.get("type") == "exceed_context_size_error":
            message = f"{message} (each slot holds {n_ctx} tokens: raise n_ctx)"
        raise BackendError(f"llama.cpp's server: {message}", retryable=False)
    choices = response.get("choices")
    if not choices or "message" not in choices[0]:
        raise BackendError(f"llama.cpp's server answered without a choice: {str(response)[:160]}", retryable=True)
    return choices[0]
