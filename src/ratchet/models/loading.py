"""From a model name (or path, or endpoint) to a ready `Model`."""

from __future__ import annotations

from pathlib import Path

from ratchet.errors import UserError
from ratchet.models.base import Model
from ratchet.models.cache import CachedModel, ResponseCache
from ratchet.models.catalog import CATALOG, file_sha256, ratchet_home, resolve_weights
from ratchet.errors import unknown_name


def load_model(
    name: str,
    *,
    base_url: str | None = None,
    api_key: str | None = None,
    cache: bool = True,
    adapter: str | None = None,
    n_ctx: int = 4096,
    max_concurrency: int = 8,
    n_threads: int | None = None,
    slots: int | None = None,
) -> Model:
    """A named bundled model, a GGUF file by path, or (with `base_url`) a model behind an
    OpenAI-compatible endpoint; wrapped in the on-disk response cache unless `cache` is False.
    `n_threads` (in process only; default: every core) is llama.cpp's thread count: on a machine
    whose cores other processes keep busy, one thread is far faster than two (llama.cpp's threads
    wait for each other at every layer). It does not change the cache identity.
    `slots` (in process only) selects the batched engine (`ratchet.models.xllama`): that many
    calls decoded together; None keeps llama-cpp-python, one call at a time."""
    model: Model
    if base_url and slots is not None:
        raise UserError("--slots is for a model in process; an endpoint's parallel requests are --concurrency")
    if base_url:
        from ratchet.models.openai_backend import OpenAIModel

        openai_model = OpenAIModel(name, base_url, api_key, max_concurrency=max_concurrency)
        openai_model.check_reachable()
        model = openai_model
    else:
        from ratchet.models.llamacpp import LlamaCppModel

        if name in CATALOG:
            path = resolve_weights(name)
            digest = CATALOG[name].sha256
        elif name.endswith(".gguf") or Path(name).exists():
            path = Path(name)
            if not path.is_file():
                raise UserError(f"no GGUF file at {path}")
            digest = file_sha256(path)
            name = path.stem
        else:
            raise unknown_name("model", name, CATALOG)
        adapter_path = Path(adapter) if adapter else None
        if adapter_path is not None and not adapter_path.is_file():
            raise UserError(f"no adapter file at {adapter_path}")
        if slots is not None:
            from ratchet.models.xllama import XLlamaModel

            model = XLlamaModel(path, name, digest, n_ctx=n_ctx, n_threads=n_threads, slots=slots,
                                adapter=adapter_path)
        else:
            model = LlamaCppModel(path, name, digest, n_ctx=n_ctx, adapter=adapter_path, n_threads=n_threads)
    if cache:
        model = CachedModel(model, ResponseCache(ratchet_home() / "cache.sqlite"))
    return model
