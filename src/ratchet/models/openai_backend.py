"""Any OpenAI-compatible endpoint (vLLM, llama.cpp server, Ollama, OpenAI) via the official client.

The client already retries connection errors, 408/409/429 and 5xx with exponential backoff; we
set how often and how long, retry a 200 that is not a chat completion (bad JSON, an HTML page,
no choices) the same way, cap concurrency with a semaphore, and turn what is left into
`BackendError` (retryable or not) or, for a wrong URL or model, a one-line `UserError`.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Sequence

from ratchet.core import Message, Usage
from ratchet.errors import BackendError, MissingExtraError, UserError
from ratchet.models.base import Completion, SamplingParams, TokenLogprob, top_logprobs_to_request
from ratchet.models.timing import BusyClock

RETRY_BASE_SECONDS = 0.5  # backoff before the first retry of a malformed 200; doubles, capped at 8 s


class OpenAIModel:
    supports_logprobs = True  # vLLM, llama.cpp server and OpenAI return them; others may not

    def __init__(
        self,
        model: str,
        base_url: str,
        api_key: str | None = None,
        max_concurrency: int = 8,
        timeout: float = 120.0,
        max_retries: int = 4,
    ) -> None:
        try:
            import openai
        except ImportError as error:  # pragma: no cover - openai is a core dependency
            raise MissingExtraError("the openai backend", "openai", "openai") from error
        self._openai = openai
        self.name = model
        self.base_url = base_url.rstrip("/")
        # ":explicit-sampler": top_k, min_p and repeat_penalty are sent with every request, so
        # responses cached before (under the server's own defaults) are not reused
        self.identity = f"openai:{self.base_url}:{model}:explicit-sampler"
        self.sends_sampler_extras = True  # False once the server rejected them (OpenAI's API does)
        self.max_concurrency = max_concurrency
        self.max_retries = max_retries
        self._slots = threading.BoundedSemaphore(max_concurrency)
        self._busy = BusyClock()
        self._client = openai.OpenAI(
            base_url=self.base_url,
            api_key=api_key or os.environ.get("OPENAI_API_KEY") or "not-needed",
            timeout=timeout,
            max_retries=max_retries,
        )

    def check_reachable(self) -> None:
        """Fail fast, with a one-line error, when the endpoint is down or the URL is wrong."""
        try:
            self._client.with_options(max_retries=0, timeout=10).models.list()
        except self._openai.APIConnectionError as error:
            raise UserError(
                f"cannot reach the endpoint {self.base_url} ({_cause(error)}): start the server "
                "or fix --base-url"
            ) from None
        except self._openai.AuthenticationError:
            raise UserError(
                f"the endpoint {self.base_url} refused the API key: set OPENAI_API_KEY"
            ) from None
        except self._openai.APIStatusError:
            pass  # some servers have no /models; the first completion will tell

    def complete(self, messages: Sequence[Message], params: SamplingParams) -> Completion:
        request = {
            "model": self.name,
            "messages": [dict(m) for m in messages],
            "temperature": params.temperature,
            "top_p": params.top_p,
            "max_tokens": params.max_tokens,
            "seed": params.seed,
            "n": 1,
        }
        if params.stop:
            request["stop"] = list(params.stop)
        if params.logprobs is not None:
            request["logprobs"] = True
            request["top_logprobs"] = top_logprobs_to_request(params.logprobs)
        if self.sends_sampler_extras:
            request["extra_body"] = sampler_extras(params)
        start = time.perf_counter()
        with self._slots:
            ticket = self._busy.start()
            try:
                response, choice = self._create_valid(request)
            finally:
                seconds = self._busy.stop(ticket)
        usage = Usage(
            prompt_tokens=getattr(response.usage, "prompt_tokens", 0) or 0,
            completion_tokens=getattr(response.usage, "completion_tokens", 0) or 0,
            calls=1,
            seconds=seconds,
            wait_seconds=max(time.perf_counter() - start - seconds, 0.0),
        )
        return Completion(
            text=choice.message.content or "",
            finish_reason=choice.finish_reason or "stop",
            usage=usage,
            logprobs=_logprobs(choice, params.logprobs or 0),
        )

    def _create_valid(self, request: dict):  # noqa: ANN202
        """A response with a usable first choice. A 200 whose body is not a chat completion (bad
        JSON, an HTML error page from a proxy, no `choices`) is retried with backoff like a 5xx;
        after `max_retries` retries it is a retryable BackendError."""
        for retry in range(self.max_retries + 1):
            try:
                response = self._create(request)
            except json.JSONDecodeError as error:
                problem = f"a body that is not JSON ({error.msg})"
            else:
                problem = _malformed(response)
                if problem is None:
                    return response, response.choices[0]
            if retry < self.max_retries:
                time.sleep(min(RETRY_BASE_SECONDS * 2 ** retry, 8.0))
        raise BackendError(f"{self.base_url} answered HTTP 200 with {problem}, {self.max_retries + 1} times: "
                           "check the server and its log", retryable=True)

    def _create(self, request: dict):
        openai = self._openai
        try:
            return self._client.chat.completions.create(**request)
        except openai.APIConnectionError as error:
            raise BackendError(f"{self.base_url}: {_cause(error)}", retryable=True) from error
        except openai.RateLimitError as error:
            raise BackendError(f"{self.base_url}: rate limited", retryable=True) from error
        except openai.NotFoundError:
            raise UserError(
                f"the endpoint {self.base_url} has no model '{self.name}': check --model"
            ) from None
        except openai.BadRequestError as error:
            if request.get("extra_body") and any(name in str(error) for name in request["extra_body"]):
                self.sends_sampler_extras = False  # a server that takes only OpenAI's parameters
                return self._create({key: value for key, value in request.items() if key != "extra_body"})
            raise BackendError(f"{self.base_url} rejected the request: {error}", retryable=False) from error
        except openai.APIStatusError as error:
            retryable = error.status_code >= 500
            raise BackendError(f"{self.base_url}: HTTP {error.status_code}", retryable=retryable) from error


def _malformed(response) -> str | None:  # noqa: ANN001
    """What is wrong with a 200 response that should be a chat completion, or None."""
    if isinstance(response, str):  # the client returns the text of a body that is not JSON
        start = " ".join(response.split())[:40]
        return f"a body that is not a chat completion ({start!r})"
    choices = getattr(response, "choices", None)
    if not choices:
        return "no choices"
    if getattr(choices[0], "message", None) is None:
        return "a choice without a message"
    return None


def sampler_extras(params: SamplingParams) -> dict:
    """The sampler settings servers default differently, sent explicitly (llama.cpp's server and
    vLLM take them as extra request fields; vLLM calls repeat_penalty `repetition_penalty`)."""
    return {
        "top_k": params.top_k,
        "min_p": params.min_p,
        "repeat_penalty": params.repeat_penalty,
        "repetition_penalty": params.repeat_penalty,
    }


def _cause(error: Exception) -> str:
    cause = error.__cause__ or error
    return f"{type(cause).__name__}: {cause}".splitlines()[0][:160]


def _logprobs(choice, top: int) -> tuple[TokenLogprob, ...] | None:
    """The chosen tokens' log-probabilities, each with at most `top` alternatives."""
    content = getattr(getattr(choice, "logprobs", None), "content", None)
    if not content:
        return None
    return tuple(
        TokenLogprob(
            item.token,
            item.logprob,
            tuple((alt.token, alt.logprob) for alt in (item.top_logprobs or ())[:top]),
        )
        for item in content
    )
