"""Bookkeeping shared by multi-call strategies: the trajectory, the summed cost, the completion
after each round, and the seeds of inner samples."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ratchet.core import Message, Solution, SolverView, Suite, Task, Turn, Usage
from ratchet.errors import UserError
from ratchet.models.base import Completion, Model, SamplingParams

#: Inner sample j of a solve whose params carry seed s is drawn with seed s * SEED_STRIDE + j.
#: Runner samples (s, s+1, ...) therefore never share an inner seed, so the response cache never
#: collapses them, and for s = 0 inner sample j uses seed j, as `ratchet eval --samples n` does.
SEED_STRIDE = 1000


def inner_sample_params(
    params: SamplingParams, j: int, temperature: float, top_p: float
) -> SamplingParams:
    """Params for inner sample `j` of one solve (a vote, a best-of-n draw, a gate's probe)."""
    if not 0 <= j < SEED_STRIDE:
        raise UserError(f"a strategy may draw at most {SEED_STRIDE} samples per task, asked for {j + 1}")
    return replace(params, temperature=temperature, top_p=top_p, seed=params.seed * SEED_STRIDE).for_sample(j)


class Trace:
    """What a strategy did for one task so far. Starts from a first solution (round 1)."""

    def __init__(self, first: Solution) -> None:
        self.turns: list[Turn] = list(first.trajectory)
        self.usage: Usage = first.usage
        self.round_completions: list[str] = list(first.round_completions or (first.completion,))
        self.completion = first.completion
        self.answer = first.answer

    def ask(self, model: Model, messages: Sequence[Message], params: SamplingParams) -> Completion:
        """One model call. Only its last message and the reply join the trajectory (the rest is
        context the trajectory already shows)."""
        completion = model.complete(messages, params)
        self.usage = self.usage + completion.usage
        self.turns.append(Turn(messages[-1]["role"], messages[-1]["content"]))
        self.turns.append(Turn("assistant", completion.text))
        return completion

    def add_cost(self, usage: Usage) -> None:
        self.usage = self.usage + usage

    def new_round(self, completion: str, answer: str | None) -> None:
        self.round_completions.append(completion)
        self.completion = completion
        self.answer = answer

    @property
    def rounds(self) -> int:
        return len(self.round_completions)

    def solution(self, stop_reason: str) -> Solution:
        return Solution(
            completion=self.completion,
            answer=self.answer,
            trajectory=tuple(self.turns),
            usage=self.usage,
            stop_reason=stop_reason,
            rounds=self.rounds,
            round_completions=tuple(self.round_completions),
        )


def first_answer(task: Task, view: SolverView, model: Model, params: SamplingParams) -> Solution:
    """Round 1 of every correction strategy: the plain answer (shared with `sample` through the
    response cache, since the request is identical)."""
    from ratchet.solvers.sample import SampleSolver

    return SampleSolver().solve(task, view, model, params)


#: Critiques and reflections are a few sentences; capping them bounds a runaway reply's cost.
SHORT_REPLY_TOKENS = 256


def short_reply(params: SamplingParams) -> SamplingParams:
    """Params for a critique or reflection: the same, with at most SHORT_REPLY_TOKENS new tokens."""
    return replace(params, max_tokens=min(params.max_tokens, SHORT_REPLY_TOKENS))


def continue_after(messages: Sequence[Message], completion: str, request: str) -> list[Message]:
    """The task's prompt, the model's answer, then a new user request."""
    return [*messages, {"role": "assistant", "content": completion}, {"role": "user", "content": request}]


def check_max_rounds(max_rounds: int) -> None:
    if max_rounds < 1:
        raise UserError(f"--max-rounds must be >= 1 (round 1 is the first answer), got {max_rounds}")


def has_visible_checks(suite: Suite | SolverView) -> bool:
    """Whether a suite (or a view of one) can check answers with visible information (e.g.
    docstring examples), as its public part says (`SolverView.has_visible_checks`)."""
    return SolverView(suite).has_visible_checks


def require_visible_checks(strategy: str, suite: Suite | SolverView,
                           instead: str = "self-refine or self-consistency") -> None:
    if not has_visible_checks(suite):
        raise UserError(
            f"{strategy} needs visible tests, and suite '{suite.name}' has none: "
            f"use {instead} there, or a suite with visible examples (humaneval)"
        )


LOGPROB_BACKENDS = (
    "llama.cpp in process (named models and GGUF files), OpenAI-compatible endpoints that return "
    "logprobs (vLLM, llama.cpp server, OpenAI), and the scripted test model"
)


def require_logprobs(strategy: str, model: Model | None) -> None:
    """Refuse a model without log-probabilities (None: not loaded yet, nothing to check)."""
    if model is not None and not getattr(model, "supports_logprobs", False):
        raise UserError(
            f"{strategy} needs token log-probabilities, which model '{model.name}' does not return; "
            f"backends with them: {LOGPROB_BACKENDS}"
        )
