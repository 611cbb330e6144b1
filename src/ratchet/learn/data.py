"""Training data from experience: SFT examples and preference pairs built from attempts.

Every builder reads `Iterable[Attempt]` (a run directory's attempts.jsonl, or an experience store
later), keeps only attempts at train tasks of the suite, and records where each example came from
(`Provenance`). Builders:

- `verified_examples`: attempts the verifier passed (STaR's kept rationales, ReST-EM / RFT).
- `verified_pairs`: a passing and a failing attempt at the same task (DPO).
- `judge_pairs`: two attempts ordered by a judge, where no verifier is used (self-rewarding).
- `star_rationalisations`: for a failed task, a rationale generated with the gold answer as a hint,
  kept only if it verifies and does not lean on the hint; trained on *without* the hint.
- `correction_traces`: wrong attempt -> feedback -> right attempt, as one conversation.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ratchet.core import Attempt, Message, Split, Suite, Task, Turn, Usage
from ratchet.errors import UserError
from ratchet.models.base import Model, SamplingParams


@dataclass(frozen=True)
class Provenance:
    """Where an example came from: which kind of builder, which task and attempts, which model."""

    kind: str  # verified | verified-pair | judge-pair | star-rationale | correction
    suite: str
    task_id: str
    attempts: tuple[str, ...] = ()  # "task_id#sample" of the attempts used
    model: str = ""  # identity of the model that wrote the text, when known
    iteration: int | None = None
    note: str = ""


@dataclass(frozen=True)
class SftExample:
    """Train the model to answer `prompt` (chat turns) with `completion`."""

    prompt: tuple[Turn, ...]
    completion: str
    provenance: Provenance

    def to_json(self) -> dict:
        return {"prompt": [asdict(t) for t in self.prompt], "completion": self.completion,
                "provenance": asdict(self.provenance)}

    @classmethod
    def from_json(cls, data: dict) -> SftExample:
        return cls(tuple(Turn(**t) for t in data["prompt"]), data["completion"], _provenance(data["provenance"]))


@dataclass(frozen=True)
class PreferencePair:
    """`chosen` is preferred to `rejected` as an answer to `prompt`; `strength` in [0, 1]."""

    prompt: tuple[Turn, ...]
    chosen: str
    rejected: str
    provenance: Provenance
    strength: float = 1.0

    def to_json(self) -> dict:
        return {"prompt": [asdict(t) for t in self.prompt], "chosen": self.chosen,
                "rejected": self.rejected, "strength": self.strength,
                "provenance": asdict(self.provenance)}

    @classmethod
    def from_json(cls, data: dict) -> PreferencePair:
        return cls(tuple(Turn(**t) for t in data["prompt"]), data["chosen"], data["rejected"],
                   _provenance(data["provenance"]), data.get("strength", 1.0))


Example = SftExample | PreferencePair


def _provenance(data: dict) -> Provenance:
    return Provenance(**{**data, "attempts": tuple(data.get("attempts", ()))})


@dataclass(frozen=True)
class Dataset:
    """Examples of one kind plus the counts a report needs (found, dropped and why)."""

    examples: tuple[Example, ...]
    stats: dict[str, Any] = field(default_factory=dict)
    usage: Usage = field(default_factory=Usage)

    def __len__(self) -> int:
        return len(self.examples)

    def sha256(self) -> str:
        """Hash of the examples' content (prompt, targets, strength), not of their provenance."""
        digest = hashlib.sha256()
        for example in self.examples:
            payload = example.to_json()
            payload.pop("provenance")
            digest.update(json.dumps(payload, sort_keys=True).encode())
        return digest.hexdigest()

    def kinds(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for example in self.examples:
            counts[example.provenance.kind] += 1
        return dict(counts)

    def describe(self) -> dict[str, Any]:
        return {"examples": len(self), "sha256": self.sha256(), "kinds": self.kinds(), **self.stats}

    def __add__(self, other: Dataset) -> Dataset:
        stats = {k: v for k, v in {**self.stats, **other.stats}.items() if not isinstance(v, int | float)}
        for key in set(self.stats) | set(other.stats):
            a, b = self.stats.get(key, 0), other.stats.get(key, 0)
            if isinstance(a, int | float) and isinstance(b, int | float):
                stats[key] = a + b
        return Dataset(self.examples + other.examples, stats, self.usage + other.usage)

    def save(self, path: Path) -> None:
        from ratchet.learn.adapters import write_json_atomic

        write_json_atomic(Path(path), {"stats": self.stats, "usage": asdict(self.usage),
                                       "examples": [e.to_json() for e in self.examples]})

    @classmethod
    def load(cls, path: Path) -> Dataset:
        data = json.loads(Path(path).read_text())
        examples = tuple(
            PreferencePair.from_json(e) if "chosen" in e else SftExample.from_json(e) for e in data["examples"]
        )
        return cls(examples, data.get("stats", {}), Usage(**data.get("usage", {})))


def require_enough(dataset: Dataset, needed: int, what: str, hint: str) -> None:
    """A one-line UserError naming how many examples were found and how many are needed."""
    if len(dataset) < needed:
        raise UserError(f"found {len(dataset)} {what}, need at least {needed}: {hint}")


# ---------------------------------------------------------------------------------------------
# Grouping attempts by train task.


@dataclass(frozen=True)
class _Grouped:
    tasks: dict[str, Task]
    by_task: dict[str, list[Attempt]]
    dropped_not_train: int


def group_train_attempts(attempts: Iterable[Attempt], suite: Suite) -> _Grouped:
    """Attempts at the suite's train tasks, by task, in sample order; others are counted."""
    tasks = {task.id: task for task in suite.tasks(Split.TRAIN)}
    by_task: dict[str, list[Attempt]] = defaultdict(list)
    dropped = 0
    for attempt in attempts:
        if attempt.task_id in tasks:
            by_task[attempt.task_id].append(attempt)
        else:
            dropped += 1
    for group in by_task.values():
        group.sort(key=lambda a: a.sample)
    return _Grouped(tasks, dict(by_task), dropped)


def prompt_turns(suite: Suite, task: Task) -> tuple[Turn, ...]:
    return tuple(Turn(m["role"], m["content"]) for m in suite.messages(task))


def _key(attempt: Attempt) -> str:
    return f"{attempt.task_id}#{attempt.sample}"


def _normalise(text: str) -> str:
    return " ".join(text.split())


def _distinct(attempts: Iterable[Attempt]) -> list[Attempt]:
    seen: set[str] = set()
    kept = []
    for attempt in attempts:
        text = _normalise(attempt.solution.completion)
        if text and text not in seen:
            seen.add(text)
            kept.append(attempt)
    return kept


def _grouped_stats(grouped: _Grouped) -> dict[str, int]:
    return {
        "train_tasks_seen": len(grouped.by_task),
        "attempts_seen": sum(len(g) for g in grouped.by_task.values()),
        "dropped_not_train": grouped.dropped_not_train,
    }


# ---------------------------------------------------------------------------------------------
# Builders.


def verified_examples(
    attempts: Iterable[Attempt], suite: Suite, *, max_per_task: int = 2, model: str = "",
    iteration: int | None = None,
) -> Dataset:
    """Passing attempts as SFT targets: at most `max_per_task` distinct completions per task."""
    grouped = group_train_attempts(attempts, suite)
    examples = []
    for task_id, group in sorted(grouped.by_task.items()):
        passing = _distinct(a for a in group if a.passed)[:max_per_task]
        for attempt in passing:
            provenance = Provenance("verified", suite.name, task_id, (_key(attempt),), model, iteration)
            examples.append(SftExample(prompt_turns(suite, grouped.tasks[task_id]), attempt.solution.completion, provenance))
    stats = {**_grouped_stats(grouped), "tasks_with_a_pass": sum(any(a.passed for a in g) for g in grouped.by_task.values())}
    return Dataset(tuple(examples), stats)


def verified_pairs(
    attempts: Iterable[Attempt], suite: Suite, *, max_pairs_per_task: int = 2, model: str = "",
    iteration: int | None = None,
) -> Dataset:
    """(passing, failing) pairs at the same task. Failures with an answer come before failures
    without one (a wrong answer is the more informative contrast)."""
    grouped = group_train_attempts(attempts, suite)
    pairs = []
    for task_id, group in sorted(grouped.by_task.items()):
        passing = _distinct(a for a in group if a.passed)
        failing = _distinct(a for a in group if not a.passed)
        failing.sort(key=lambda a: (a.verdict.status.value == "bad_format", a.sample))
        prompt = prompt_turns(suite, grouped.tasks[task_id])
        for chosen, rejected in list(zip(passing * len(failing), _repeat_each(failing, len(passing))))[:max_pairs_per_task]:
            provenance = Provenance("verified-pair", suite.name, task_id, (_key(chosen), _key(rejected)), model, iteration)
            pairs.append(PreferencePair(prompt, chosen.solution.completion, rejected.solution.completion, provenance))
    stats = {**_grouped_stats(grouped),
             "tasks_with_both": sum(any(a.passed for a in g) and not all(a.passed for a in g) for g in grouped.by_task.values())}
    return Dataset(tuple(pairs), stats)


def _repeat_each(items: list, times: int) -> list:
    return [item for item in items for _ in range(times)]


def judge_pairs(
    attempts: Iterable[Attempt], suite: Suite, judge, *, max_pairs_per_task: int = 1,
    min_strength: float = 0.0, model: str = "", iteration: int | None = None,
) -> tuple[Dataset, list[tuple[Any, str | None]]]:
    """Pairs ordered by `judge` (no verifier). Returns the dataset and, for monitoring only, each
    judgement with the answer the verifier passed ("a"/"b"; None when both got the same verdict),
    ready for `judge_report`."""
    grouped = group_train_attempts(attempts, suite)
    pairs, judged = [], []
    usage = Usage()
    ties = 0
    for task_id, group in sorted(grouped.by_task.items()):
        distinct = _distinct(group)
        prompt = prompt_turns(suite, grouped.tasks[task_id])
        messages = [{"role": t.role, "content": t.content} for t in prompt]
        for a, b in list(zip(distinct[0::2], distinct[1::2]))[:max_pairs_per_task]:
            judgement = judge.judge(messages, a.solution.completion, b.solution.completion)
            usage = usage + judgement.usage
            truth = None if a.passed == b.passed else ("a" if a.passed else "b")
            judged.append((judgement, truth))
            if judgement.preferred not in ("a", "b") or judgement.strength < min_strength:
                ties += 1
                continue
            chosen, rejected = (a, b) if judgement.preferred == "a" else (b, a)
            provenance = Provenance("judge-pair", suite.name, task_id, (_key(chosen), _key(rejected)), model, iteration, judge.name)
            pairs.append(PreferencePair(prompt, chosen.solution.completion, rejected.solution.completion, provenance, judgement.strength))
    stats = {**_grouped_stats(grouped), "judged": len(judged), "undecided_or_weak": ties}
    return Dataset(tuple(pairs), stats, usage), judged


#: Rationales that lean on the hint instead of deriving the answer are refused.
HINT_LEAK = re.compile(r"\bhint\b|(?:given|told|stated|provided)\s+(?:that\s+)?(?:the\s+)?(?:correct\s+|final\s+)?answer", re.I)

RATIONALISE = (
    "\n\nHint: the correct final answer is {gold}. Write the step-by-step solution that arrives at "
    "it, without mentioning this hint, and end with the final line as instructed."
)


def star_rationalisations(
    attempts: Iterable[Attempt], suite: Suite, model: Model, *, gold: Callable[[Task], Any] | None = None,
    params: SamplingParams | None = None, max_tasks: int | None = None, iteration: int | None = None,
) -> Dataset:
    """STaR's rationalisation: for each train task with no passing attempt, ask `model` again with
    the gold answer as a hint; keep the rationale only if the verifier passes it and it does not
    mention the hint. The kept example's prompt is the original one, without the hint."""
    gold = gold or getattr(suite, "gold", None)
    if gold is None:
        raise UserError(f"suite '{suite.name}' exposes no gold answers (a gold(task) method): STaR rationalisation needs them")
    params = params or SamplingParams(temperature=0.0, max_tokens=512)
    grouped = group_train_attempts(attempts, suite)
    failed = [task_id for task_id, group in sorted(grouped.by_task.items()) if not any(a.passed for a in group)]
    failed = failed[:max_tasks] if max_tasks is not None else failed
    examples, usage = [], Usage()
    refused = {"wrong": 0, "mentions_hint": 0}
    for task_id in failed:
        task = grouped.tasks[task_id]
        messages = [dict(m) for m in suite.messages(task)]
        messages[-1] = {**messages[-1], "content": messages[-1]["content"] + RATIONALISE.format(gold=gold(task))}
        completion = model.complete(messages, params)
        usage = usage + completion.usage
        if HINT_LEAK.search(completion.text):
            refused["mentions_hint"] += 1
            continue
        if not suite.verify(task, completion.text).passed:  # judged without the hint
            refused["wrong"] += 1
            continue
        provenance = Provenance("star-rationale", suite.name, task_id, tuple(_key(a) for a in grouped.by_task[task_id][:1]),
                                model.identity, iteration)
        examples.append(SftExample(prompt_turns(suite, task), completion.text, provenance))
    stats = {**_grouped_stats(grouped), "failed_tasks": len(failed),
             "rationales_refused_wrong": refused["wrong"], "rationales_refused_hint": refused["mentions_hint"]}
    return Dataset(tuple(examples), stats, usage)


RETRY_FEEDBACK = "That answer is not correct. Please solve the problem again, carefully, step by step."


def correction_traces(
    attempts: Iterable[Attempt], suite: Suite, *, max_per_task: int = 1, feedback: str = RETRY_FEEDBACK,
    model: str = "", iteration: int | None = None,
) -> Dataset:
    """Wrong -> feedback -> right conversations. From a multi-round attempt whose rounds went from
    failing to passing (its own trajectory), or else from a failing and a passing sample of the same
    task joined by a fixed feedback message (which never states the answer)."""
    grouped = group_train_attempts(attempts, suite)
    examples = []
    for task_id, group in sorted(grouped.by_task.items()):
        prompt = prompt_turns(suite, grouped.tasks[task_id])
        found: list[SftExample] = []
        for attempt in group:
            trace = _within_attempt_trace(attempt)
            if trace is not None:
                turns, target = trace
                provenance = Provenance("correction", suite.name, task_id, (_key(attempt),), model, iteration, "own rounds")
                found.append(SftExample(turns, target, provenance))
        wrong = [a for a in _distinct(group) if not a.passed and a.solution.rounds == 1]
        right = [a for a in _distinct(group) if a.passed]
        for bad, good in zip(wrong, right):
            turns = prompt + (Turn("assistant", bad.solution.completion), Turn("user", feedback))
            provenance = Provenance("correction", suite.name, task_id, (_key(bad), _key(good)), model, iteration, "paired samples")
            found.append(SftExample(turns, good.solution.completion, provenance))
        examples.extend(found[:max_per_task])
    return Dataset(tuple(examples), _grouped_stats(grouped))


def _within_attempt_trace(attempt: Attempt) -> tuple[tuple[Turn, ...], str] | None:
    """The trajectory up to the first passing round after a failing one, if there is one."""
    verdicts = attempt.round_verdicts
    if len(verdicts) < 2 or verdicts[0].passed:
        return None
    first_pass = next((i for i, v in enumerate(verdicts) if v.passed), None)
    if first_pass is None:
        return None
    assistant_turns = [i for i, turn in enumerate(attempt.solution.trajectory) if turn.role == "assistant"]
    if len(assistant_turns) <= first_pass:
        return None
    cut = assistant_turns[first_pass]
    trajectory = attempt.solution.trajectory
    return tuple(trajectory[:cut]), trajectory[cut].content


def merge(datasets: Sequence[Dataset]) -> Dataset:
    total = Dataset(())
    for dataset in datasets:
        total = total + dataset
    return total


def turns_to_messages(turns: Sequence[Turn]) -> list[Message]:
    return [{"role": t.role, "content": t.content} for t in turns]
