"""LLM judges that compare two answers to the same question (docs/METHODS.md card 3).

- `NaiveJudge`: show A and B, ask which is better; the verdict is the first ordering's. The
  swapped ordering is also asked, only to measure position-swap consistency.
- `SelfReferenceJudge`: (1) the judge answers the question itself; (2) it criticises each
  candidate using its own answer as the reference; (3) it decides under one general principle;
  (4) it judges both orderings (and `samples` draws of each) and aggregates the votes; (5) the
  preference strength combines the vote margin with the candidates' perplexity under the judge.

A `Judgement` says which is preferred ("a", "b" or "tie"), what each ordering said, and how
strongly. `judge_report` gives position-swap consistency and, where a verifier knows the truth,
agreement with it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ratchet.core import Message, Usage
from ratchet.eval.intervals import wilson
from ratchet.models.base import Model, SamplingParams

PRINCIPLE = "Which response is correct and complete?"

SYSTEM = "You are a careful, impartial judge of answers."

NAIVE_PROMPT = """Question:
{question}

Response A:
{first}

Response B:
{second}

{principle} Reply with a single letter: A or B."""

CRITIQUE_PROMPT = """Question:
{question}

Your own answer (the reference):
{reference}

A candidate answer:
{candidate}

Compare the candidate answer with your reference answer. Point out briefly every error or omission
in the candidate, step by step."""

DECIDE_PROMPT = """Question:
{question}

Response A:
{first}

Critique of response A:
{first_critique}

Response B:
{second}

Critique of response B:
{second_critique}

{principle} Reply with a single letter: A or B."""

_VERDICT_PATTERNS = (
    re.compile(r"\[\[\s*([AB])\s*\]\]"),
    re.compile(r"(?:response|answer|option|candidate)\s*\(?([AB])\)?\b", re.I),
    re.compile(r"^\s*\(?([AB])\)?(?:[\s.:,)]|$)"),
    re.compile(r"\b([AB])\b"),
)


def parse_choice(text: str) -> str:
    """'A', 'B' or '?' from a judge's reply (explicit forms first, then the first lone letter)."""
    for pattern in _VERDICT_PATTERNS:
        match = pattern.search(text)
        if match:
            return match.group(1).upper()
    return "?"


def _flip(choice: str) -> str:
    return {"A": "B", "B": "A"}.get(choice, "?")


def _label(choice: str) -> str:
    return {"A": "a", "B": "b"}.get(choice, "?")


@dataclass(frozen=True)
class Judgement:
    """A comparison of answers a and b. `first` is the verdict with a shown first, `swapped` the
    verdict with b shown first (mapped back to a/b); "?" when the reply had no verdict."""

    preferred: str  # "a", "b" or "tie"
    first: str
    swapped: str
    strength: float  # in [0, 1]
    vote_share: float = 0.5  # share of votes for the preferred answer
    logprob_margin: float | None = None  # mean log-prob per token, preferred minus other
    usage: Usage = field(default_factory=Usage)
    notes: dict = field(default_factory=dict)  # the reference answer and critiques, for logs

    @property
    def consistent(self) -> bool:
        """Position-swap consistency: both orderings name the same answer."""
        return self.first in ("a", "b") and self.first == self.swapped

    def to_json(self) -> dict:
        return {"preferred": self.preferred, "first": self.first, "swapped": self.swapped,
                "strength": round(self.strength, 4), "vote_share": round(self.vote_share, 4),
                "logprob_margin": self.logprob_margin, "consistent": self.consistent,
                "tokens": self.usage.total_tokens}


class Judge(Protocol):
    name: str

    def judge(self, question: Sequence[Message], a: str, b: str) -> Judgement: ...


def _question_text(question: Sequence[Message]) -> str:
    users = [m["content"] for m in question if m["role"] == "user"]
    return users[-1] if users else question[-1]["content"]


class _Asker:
    """Sends one-turn prompts to the judge model and keeps the bill."""

    def __init__(self, model: Model, params: SamplingParams) -> None:
        self.model = model
        self.params = params
        self.usage = Usage()

    def ask(self, prompt: str, max_tokens: int | None = None, sample: int = 0, messages: Sequence[Message] | None = None) -> str:
        params = self.params.for_sample(sample)
        if max_tokens is not None:
            from dataclasses import replace

            params = replace(params, max_tokens=max_tokens)
        chat = list(messages) if messages is not None else [{"role": "system", "content": SYSTEM}, {"role": "user", "content": prompt}]
        completion = self.model.complete(chat, params)
        self.usage = self.usage + completion.usage
        return completion.text


class NaiveJudge:
    """Ask once which answer is better; the swapped ordering is asked for the consistency metric."""

    name = "naive"

    def __init__(self, model: Model, params: SamplingParams | None = None, principle: str = PRINCIPLE) -> None:
        self.model = model
        self.params = params or SamplingParams(temperature=0.0, max_tokens=16)
        self.principle = principle

    def judge(self, question: Sequence[Message], a: str, b: str) -> Judgement:
        asker = _Asker(self.model, self.params)
        text = _question_text(question)
        first = _label(parse_choice(asker.ask(NAIVE_PROMPT.format(question=text, first=a, second=b, principle=self.principle))))
        swapped = _label(_flip(parse_choice(asker.ask(NAIVE_PROMPT.format(question=text, first=b, second=a, principle=self.principle)))))
        preferred = first if first in ("a", "b") else "tie"
        return Judgement(preferred, first, swapped, 1.0 if preferred != "tie" else 0.0,
                         1.0 if preferred != "tie" else 0.5, None, asker.usage)


class SelfReferenceJudge:
    """Answer first, criticise each candidate against that answer, decide under one principle,
    over both orderings; graded strength from the vote margin and the candidates' perplexity.

    `scorer(messages, text)` gives the mean log-probability per token of `text` as an answer to
    the question under the judge model (see `ratchet.learn.scoring`); without one, strength is the
    vote margin alone.
    """

    name = "self-reference"

    def __init__(
        self,
        model: Model,
        params: SamplingParams | None = None,
        principle: str = PRINCIPLE,
        samples: int = 1,
        scorer=None,
        answer_tokens: int = 384,
        critique_tokens: int = 160,
        temperature: float = 0.7,
    ) -> None:
        self.model = model
        self.params = params or SamplingParams(temperature=0.0, max_tokens=16)
        self.principle = principle
        self.samples = max(1, samples)
        self.scorer = scorer
        self.answer_tokens = answer_tokens
        self.critique_tokens = critique_tokens
        self.temperature = temperature  # for the extra draws when samples > 1

    def judge(self, question: Sequence[Message], a: str, b: str) -> Judgement:
        asker = _Asker(self.model, self.params)
        text = _question_text(question)
        reference = asker.ask("", max_tokens=self.answer_tokens, messages=question)
        critique_a = asker.ask(CRITIQUE_PROMPT.format(question=text, reference=reference, candidate=a), self.critique_tokens)
        critique_b = asker.ask(CRITIQUE_PROMPT.format(question=text, reference=reference, candidate=b), self.critique_tokens)
        votes = {"a": 0, "b": 0}
        orderings: dict[str, list[str]] = {"first": [], "swapped": []}
        for sample in range(self.samples):
            if sample:
                from dataclasses import replace

                asker.params = replace(self.params, temperature=self.temperature)
            one = _label(parse_choice(asker.ask(DECIDE_PROMPT.format(
                question=text, first=a, first_critique=critique_a, second=b, second_critique=critique_b,
                principle=self.principle), sample=sample)))
            two = _label(_flip(parse_choice(asker.ask(DECIDE_PROMPT.format(
                question=text, first=b, first_critique=critique_b, second=a, second_critique=critique_a,
                principle=self.principle), sample=sample))))
            orderings["first"].append(one)
            orderings["swapped"].append(two)
            for vote in (one, two):
                if vote in votes:
                    votes[vote] += 1
        margin = None
        if self.scorer is not None:
            margin = self.scorer(question, a) - self.scorer(question, b)  # log-prob of a minus b
        preferred, share, strength = _aggregate(votes, margin)
        if margin is not None and preferred == "b":
            margin = -margin
        notes = {"reference": reference, "critique_a": critique_a, "critique_b": critique_b}
        return Judgement(preferred, orderings["first"][0], orderings["swapped"][0], strength, share,
                         margin, asker.usage, notes)


def _aggregate(votes: dict[str, int], margin_a: float | None) -> tuple[str, float, float]:
    """(preferred, vote share, strength in [0, 1]).

    strength = vote margin x sigmoid(2 x log-prob margin toward the preferred answer): unanimous
    votes for the answer the judge also finds more likely approach 1; a vote against the judge's
    own likelihood is discounted. A tied vote is broken by the log-prob margin when a scorer is
    available, with strength below 0.5; otherwise it stays a tie.
    """
    total = votes["a"] + votes["b"]
    if total == 0 or votes["a"] == votes["b"]:
        if margin_a is None or margin_a == 0:
            return "tie", 0.5, 0.0
        return ("a" if margin_a > 0 else "b"), 0.5, _sigmoid(2 * abs(margin_a)) - 0.5
    preferred = "a" if votes["a"] > votes["b"] else "b"
    share = votes[preferred] / total
    vote_margin = 2 * share - 1
    if margin_a is None:
        return preferred, share, vote_margin
    toward = margin_a if preferred == "a" else -margin_a
    return preferred, share, vote_margin * _sigmoid(2 * toward)


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def judge_report(judged: Sequence[tuple[Judgement, str | None]]) -> dict:
    """Position-swap consistency and agreement with the verifier.

    `judged` holds (judgement, truth) where truth is "a"/"b" (the answer the verifier passed) or
    None when the verifier cannot tell them apart. Ties count as disagreement in `agreement`;
    `agreement_decided` is over decided judgements only.
    """
    n = len(judged)
    consistent = sum(j.consistent for j, _ in judged)
    with_truth = [(j, t) for j, t in judged if t is not None]
    agree = sum(j.preferred == t for j, t in with_truth)
    decided = [(j, t) for j, t in with_truth if j.preferred in ("a", "b")]
    first_agree = sum(j.first == t for j, t in with_truth)
    return {
        "pairs": n,
        "position_swap_consistency": consistent / n if n else None,
        "pairs_with_truth": len(with_truth),
        "agreement": agree / len(with_truth) if with_truth else None,
        "agreement_decided": sum(j.preferred == t for j, t in decided) / len(decided) if decided else None,
        "first_ordering_agreement": first_agree / len(with_truth) if with_truth else None,
        "ties": sum(j.preferred == "tie" for j, _ in judged),
        "prefers_first_shown": sum(j.first == "a" for j, _ in judged) / n if n else None,
        "tokens": sum(j.usage.total_tokens for j, _ in judged),
        **_agreement_interval(agree, len(with_truth)),
    }


def _agreement_interval(agree: int, n: int) -> dict:
    """Agreement with the verifier's 95% Wilson interval (None without pairs the verifier can
    tell apart): on 12 pairs, 0.75 means anything from about 0.47 to 0.91."""
    if not n:
        return {"agreement_low": None, "agreement_high": None}
    interval = wilson(agree, n)
    return {"agreement_low": round(interval.low, 4), "agreement_high": round(interval.high, 4)}


def make_judge(name: str, model: Model, *, scorer=None, samples: int = 1, principle: str = PRINCIPLE) -> Judge:
    from ratchet.errors import unknown_name

    if name == "naive":
        return NaiveJudge(model, principle=principle)
    if name == "self-reference":
        return SelfReferenceJudge(model, principle=principle, samples=samples, scorer=scorer)
    raise unknown_name("judge", name, ("naive", "self-reference"))


def verified_contrast_pairs(attempts, suite, limit: int | None = None) -> list[dict]:
    """For judge evaluation: per task, one passing and one failing attempt, the passing one shown
    first at even positions and second at odd ones (so position bias cannot pass for accuracy)."""
    from collections import defaultdict

    by_task = defaultdict(list)
    for attempt in attempts:
        by_task[attempt.task_id].append(attempt)
    tasks = {task.id: task for task in suite.tasks()}
    pairs = []
    for task_id in sorted(by_task):
        group = sorted(by_task[task_id], key=lambda a: a.sample)
        good = next((a for a in group if a.passed), None)
        bad = next((a for a in group if not a.passed and a.solution.completion.strip()), None)
        if good is None or bad is None or task_id not in tasks:
            continue
        swap = len(pairs) % 2 == 1
        a, b = (bad, good) if swap else (good, bad)
        pairs.append({"task_id": task_id, "messages": suite.messages(tasks[task_id]),
                      "a": a.solution.completion, "b": b.solution.completion, "truth": "b" if swap else "a"})
        if limit is not None and len(pairs) >= limit:
            break
    return pairs


def judge_attempt_pairs(judge: Judge, suite, pairs: Sequence[dict]) -> dict:
    """Judge each pair; the report has consistency, verifier agreement and the judge's tokens."""
    judged = []
    rows = []
    for pair in pairs:
        judgement = judge.judge(pair["messages"], pair["a"], pair["b"])
        judged.append((judgement, pair["truth"]))
        rows.append({"task_id": pair["task_id"], "truth": pair["truth"], **judgement.to_json()})
    return {"judge": judge.name, "report": judge_report(judged), "judgements": rows}
