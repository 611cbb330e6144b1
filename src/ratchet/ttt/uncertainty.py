"""How sure is the model of its answer? Three estimates, each a confidence in [0, 1] that is low
when the model is unsure (TT-SI's gate: uncertain when confidence < tau).

- **margin** (card 4's self-awareness step): score each candidate answer by its log-likelihood
  under the model, softmax over the candidates, u = p1 - p2. Candidates come from the task
  (`task.visible["candidates"]`: answer prefixes such as `{"name": "get_forecast"`, or the options
  of a multiple-choice question) and are scored as forced continuations of the prompt; without a
  scoring path, or without listed candidates, they are the distinct answers among sampled
  completions, each scored by its own sequence log-probability.
- **agreement** (free-form answers): the share of `n` samples whose answer equals the greedy one.
- **logprob** (free-form answers): exp(mean token log-probability) of the greedy answer, the
  geometric-mean probability of its tokens.

Listed candidates are scored by their summed log-likelihood: the probability that the model
writes that continuation. They share their prefix (`{"name": "`), and the tokens after the first
distinguishing one are nearly certain, so the sum is in effect the probability of the choice; a
per-token mean would divide that evidence by the candidate's length and flatten the softmax.
Sampled candidates are whole answers of very different lengths, so they are compared by mean
token log-probability instead (`normalise` overrides either).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from ratchet.core import Message, Solution, SolverView, Task, Turn, Usage
from ratchet.errors import UserError
from ratchet.models.base import Completion, Model, SamplingParams
from ratchet.solvers.trace import inner_sample_params

#: (prompt messages, candidate continuations) -> per candidate (sum of token log-probs, tokens)
CandidateScorer = Callable[[Sequence[Message], Sequence[str]], list[tuple[float, int]]]

GATES = ("margin", "agreement", "logprob")
LOGPROB_BACKENDS = (
    "llama.cpp in process (named models and GGUF files; candidates scored exactly), "
    "OpenAI-compatible servers that return logprobs (vLLM, llama.cpp server, OpenAI; candidates "
    "from samples), and the scripted test model"
)


@dataclass(frozen=True)
class Uncertainty:
    """One estimate for one input: `confidence` in [0, 1], low when the model is unsure."""

    gate: str
    confidence: float
    answer: Solution  # the model's greedy answer (the base answer when the input is certain)
    candidates: tuple[tuple[str, float], ...] = ()  # (candidate, probability), most likely first
    source: str = ""  # how candidates were found: "task" or "samples"
    usage: Usage = field(default_factory=Usage)

    def uncertain(self, tau: float) -> bool:
        return self.confidence < tau

    def to_json(self) -> dict:
        return {"gate": self.gate, "confidence": round(self.confidence, 4), "source": self.source,
                "candidates": [[c, round(p, 4)] for c, p in self.candidates[:5]]}


def check_tau(tau: float) -> None:
    if not 0 <= tau <= 1:
        raise UserError(f"--tau must be between 0 and 1 (a confidence threshold), got {tau}")


def check_gate(gate: str, model: Model | None) -> None:
    """Refuse an unknown gate, or a probability gate on a backend without log-probabilities."""
    if gate not in GATES:
        raise UserError(f"unknown gate '{gate}': choose one of {', '.join(GATES)}")
    if gate in ("margin", "logprob") and model is not None and not getattr(model, "supports_logprobs", False):
        raise UserError(
            f"the {gate} gate needs token log-probabilities, which model '{model.name}' does not return; "
            f"use --gate agreement, or a backend with them: {LOGPROB_BACKENDS}"
        )


# ---------------------------------------------------------------------------------------------
# The arithmetic.


def softmax(scores: Sequence[float]) -> list[float]:
    if not scores:
        return []
    top = max(scores)
    weights = [math.exp(s - top) for s in scores]
    total = sum(weights)
    return [w / total for w in weights]


def margin(probabilities: Sequence[float]) -> float:
    """p1 - p2 (1.0 with a single candidate, 0.0 with none)."""
    ordered = sorted(probabilities, reverse=True)
    if not ordered:
        return 0.0
    return ordered[0] - (ordered[1] if len(ordered) > 1 else 0.0)


def candidate_distribution(scored: Sequence[tuple[str, float, int]], normalise: bool = True) -> list[tuple[str, float]]:
    """(candidate, sum log-prob, tokens) -> (candidate, softmax probability), most likely first."""
    scores = [(total / max(tokens, 1)) if normalise else total for _, total, tokens in scored]
    probabilities = softmax(scores)
    pairs = [(candidate, p) for (candidate, _, _), p in zip(scored, probabilities)]
    return sorted(pairs, key=lambda pair: -pair[1])


def mean_logprob_confidence(completion: Completion) -> float | None:
    """exp(mean token log-probability): 1.0 when every token was certain."""
    mean = completion.mean_logprob
    return None if mean is None else math.exp(mean)


# ---------------------------------------------------------------------------------------------
# Estimating for one task.


def greedy_answer(task: Task, view: SolverView, model: Model, params: SamplingParams,
                  logprobs: bool = False) -> tuple[Solution, Completion]:
    messages = view.messages(task)
    call = replace(params, temperature=0.0, top_p=1.0, logprobs=0 if logprobs else None)
    completion = model.complete(messages, call)
    trajectory = tuple(Turn(m["role"], m["content"]) for m in messages)
    solution = Solution(completion.text, view.extract(task, completion.text),
                        trajectory + (Turn("assistant", completion.text),), completion.usage,
                        completion.finish_reason)
    return solution, completion


def estimate(
    gate: str,
    task: Task,
    view: SolverView,
    model: Model,
    params: SamplingParams,
    *,
    n: int = 5,
    scorer: CandidateScorer | None = None,
    normalise: bool | None = None,
) -> Uncertainty:
    """The `gate` estimate for `task`, with the greedy answer it was computed around."""
    check_gate(gate, model)
    scored = gate == "margin" and bool(task.visible.get("candidates")) and scorer is not None
    answer, completion = greedy_answer(task, view, model, params, logprobs=gate == "logprob" or (gate == "margin" and not scored))
    if gate == "logprob":
        confidence = mean_logprob_confidence(completion)
        if confidence is None:
            raise _no_logprobs(model, gate)
        return Uncertainty(gate, confidence, answer, source="greedy", usage=answer.usage)
    if scored:
        return _task_margin(task, view, answer, scorer, bool(normalise))
    samples = _samples(task, view, model, params, n, logprobs=gate == "margin")
    usage = answer.usage + sum((c.usage for c in samples), Usage())
    if gate == "agreement":
        return Uncertainty(gate, agreement(answer.answer, [view.extract(task, c.text) for c in samples]),
                           answer, source="samples", usage=usage)
    distribution = sample_distribution(task, view, [completion, *samples], normalise is not False)
    if distribution is None:
        raise _no_logprobs(model, gate)
    return Uncertainty(gate, margin([p for _, p in distribution]), answer, tuple(distribution), "samples", usage)


def agreement(reference: str | None, answers: Sequence[str | None]) -> float:
    """The share of `answers` equal to `reference` (0.0 when the reference has no answer)."""
    if reference is None or not answers:
        return 0.0
    return sum(answer == reference for answer in answers) / len(answers)


def sample_distribution(task: Task, view: SolverView, completions: Sequence[Completion],
                        normalise: bool = True) -> list[tuple[str, float]] | None:
    """Distinct answers among `completions` as candidates, each scored by its best sequence
    log-probability; None when the completions carry no log-probabilities."""
    best: dict[str, tuple[float, int]] = {}
    for completion in completions:
        if not completion.logprobs:
            return None
        key = view.extract(task, completion.text)
        key = "<no answer>" if key is None else key
        total = sum(t.logprob for t in completion.logprobs)
        tokens = len(completion.logprobs)
        score = total / tokens if normalise else total
        if key not in best or score > (best[key][0] / best[key][1] if normalise else best[key][0]):
            best[key] = (total, tokens)
    return candidate_distribution([(key, total, tokens) for key, (total, tokens) in best.items()], normalise)


def _task_margin(task: Task, view: SolverView, answer: Solution, scorer: CandidateScorer, normalise: bool) -> Uncertainty:
    candidates = list(task.visible["candidates"])
    scored = scorer(view.messages(task), candidates)
    distribution = candidate_distribution(
        [(c, total, tokens) for c, (total, tokens) in zip(candidates, scored)], normalise)
    probabilities = [p for _, p in distribution]
    return Uncertainty("margin", margin(probabilities), answer, tuple(distribution), "task", answer.usage)


def _samples(task, view, model, params, n: int, logprobs: bool) -> list[Completion]:
    if n < 1:
        raise UserError(f"the sampling gates need at least 1 sample, got n={n}")
    messages = view.messages(task)
    base = replace(params, logprobs=0 if logprobs else None)
    return [model.complete(messages, inner_sample_params(base, j, 0.8, 0.95)) for j in range(n)]


def _no_logprobs(model: Model, gate: str) -> UserError:
    return UserError(
        f"model '{model.name}' returned no log-probabilities for the {gate} gate: use --gate agreement, "
        f"or a backend that returns them: {LOGPROB_BACKENDS}"
    )


def majority(answers: Sequence[str | None]) -> tuple[str | None, int]:
    """The most common non-empty answer and its count."""
    counts = Counter(a for a in answers if a is not None)
    if not counts:
        return None, 0
    return counts.most_common(1)[0]
