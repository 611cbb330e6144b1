"""The model interface every backend implements: one chat completion per call."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Protocol, runtime_checkable

from ratchet.core import Message, Usage
from ratchet.errors import UserError


def top_logprobs_to_request(logprobs: int) -> int:
    """How many alternatives to ask a backend for, to honour `SamplingParams.logprobs`: at least
    one, because llama.cpp (in process and as a server) returns no log-probabilities at all for
    zero; the backend then keeps only the first `logprobs` alternatives."""
    return max(logprobs, 1)


@dataclass(frozen=True)
class SamplingParams:
    """Every knob that changes what a model returns. All of them go into the cache key.

    `seed` is the base seed: sample i of a request is drawn with seed + i, so n samples differ
    from each other and the same command reproduces them exactly. `logprobs`: None for none,
    0 for the chosen tokens' log-probabilities, k > 0 for the top-k alternatives as well.

    `top_k` (0: off), `min_p` and `repeat_penalty` (1.0: off) are sent explicitly by every backend,
    because servers default them differently (llama-cpp-python's server: repeat_penalty 1.1; in
    process: 1.0; vLLM: no top-k, min-p 0). Their defaults are llama.cpp's in-process ones.
    """

    temperature: float = 0.0
    top_p: float = 1.0
    max_tokens: int = 512
    seed: int = 0
    stop: tuple[str, ...] = ()
    logprobs: int | None = None
    top_k: int = 40
    min_p: float = 0.05
    repeat_penalty: float = 1.0

    def __post_init__(self) -> None:
        if self.temperature < 0:
            raise UserError(f"temperature must be >= 0, got {self.temperature}")
        if not 0 < self.top_p <= 1:
            raise UserError(f"top_p must be in (0, 1], got {self.top_p}")
        if self.max_tokens < 1:
            raise UserError(f"max_tokens must be >= 1, got {self.max_tokens}")
        if self.top_k < 0:
            raise UserError(f"top_k must be >= 0 (0 turns it off), got {self.top_k}")
        if not 0 <= self.min_p <= 1:
            raise UserError(f"min_p must be in [0, 1], got {self.min_p}")
        if self.repeat_penalty <= 0:
            raise UserError(f"repeat_penalty must be > 0 (1.0 turns it off), got {self.repeat_penalty}")
        object.__setattr__(self, "stop", tuple(self.stop))

    def to_json(self, every_field: bool = False) -> dict:
        """The fields as JSON, for cache keys and run names. The three sampler fields added later
        are left out at their defaults (unless `every_field`), so keys and run names made before
        them, with those very values in process, stay valid."""
        data = asdict(self)
        if not every_field:
            for name, default in LATER_DEFAULTS.items():
                if data[name] == default:
                    del data[name]
        return data

    def for_sample(self, sample: int) -> SamplingParams:
        return replace(self, seed=self.seed + sample)


#: Fields added to SamplingParams after runs had been recorded, with the values those runs used.
LATER_DEFAULTS = {"top_k": 40, "min_p": 0.05, "repeat_penalty": 1.0}


@dataclass(frozen=True)
class TokenLogprob:
    token: str
    logprob: float
    top: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class Completion:
    """One model output with its cost. `cached` marks a response served from the cache."""

    text: str
    finish_reason: str = "stop"
    usage: Usage = field(default_factory=Usage)
    logprobs: tuple[TokenLogprob, ...] | None = None
    cached: bool = False

    @property
    def mean_logprob(self) -> float | None:
        if not self.logprobs:
            return None
        return sum(t.logprob for t in self.logprobs) / len(self.logprobs)


@runtime_checkable
class Model(Protocol):
    """A chat model. `identity` names exactly which weights or endpoint answer (it keys the cache).

    `max_concurrency` is how many calls may usefully run at once (1 for an in-process model).
    """

    name: str
    identity: str
    supports_logprobs: bool
    max_concurrency: int

    def complete(self, messages: Sequence[Message], params: SamplingParams) -> Completion: ...


def sample_n(
    model: Model, messages: Sequence[Message], params: SamplingParams, n: int
) -> list[Completion]:
    """n independent samples: sample i uses seed + i (see `SamplingParams`)."""
    return [model.complete(messages, params.for_sample(i)) for i in range(n)]


def openai_logprobs(data: dict | None, top: int) -> tuple[TokenLogprob, ...] | None:
    """The chosen tokens' log-probabilities from an OpenAI-shaped `logprobs` object (llama.cpp's
    in-process and embedded servers answer in it), each with at most `top` alternatives."""
    if not data or not data.get("content"):
        return None
    return tuple(
        TokenLogprob(
            item["token"],
            float(item["logprob"]),
            tuple((alt["token"], float(alt["logprob"])) for alt in (item.get("top_logprobs") or ())[:top]),
        )
        for item in data["content"]
    )
