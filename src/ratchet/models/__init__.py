"""Models: one interface over llama.cpp in process, OpenAI-compatible endpoints and a scripted
fake; a response cache that wraps any of them."""

from ratchet.models.base import Completion, Model, SamplingParams, TokenLogprob, sample_n
from ratchet.models.cache import CachedModel, ResponseCache
from ratchet.models.catalog import CATALOG, DEFAULT_MODEL
from ratchet.models.loading import load_model
from ratchet.models.scripted import ScriptedModel

__all__ = [
    "CATALOG",
    "CachedModel",
    "Completion",
    "DEFAULT_MODEL",
    "Model",
    "ResponseCache",
    "SamplingParams",
    "ScriptedModel",
    "TokenLogprob",
    "load_model",
    "sample_n",
]
