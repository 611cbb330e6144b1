"""Collapse monitors for self-training: signs that a model trained on its own outputs is narrowing
or drifting, computed from attempts alone (reports read only logs).

- `diversity`: how varied the samples are: distinct final answers per task (with several samples
  a task), distinct completions, and distinct word bigrams over all completions.
- `transitions`: between two rounds of samples on the same tasks, how often a task that was
  right becomes wrong (right->wrong) and the reverse.
- `agreement_drift`: the judge's agreement with the verifier per iteration, minus the first.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from ratchet.core import Attempt


def _by_task(attempts: Iterable[Attempt]) -> dict[str, list[Attempt]]:
    groups: dict[str, list[Attempt]] = defaultdict(list)
    for attempt in attempts:
        groups[attempt.task_id].append(attempt)
    return groups


def diversity(attempts: Sequence[Attempt]) -> dict[str, float | None]:
    groups = _by_task(attempts)
    multi = [g for g in groups.values() if len(g) > 1]
    answers = [len({a.solution.answer for a in g}) / len(g) for g in multi]
    completions = [" ".join(a.solution.completion.split()) for a in attempts]
    bigrams, total = set(), 0
    for text in completions:
        words = text.split()
        pairs = list(zip(words, words[1:]))
        bigrams.update(pairs)
        total += len(pairs)
    return {
        "distinct_answers_per_task": round(sum(answers) / len(answers), 4) if answers else None,
        "distinct_completions": round(len(set(completions)) / len(completions), 4) if completions else None,
        "distinct_bigrams": round(len(bigrams) / total, 4) if total else None,
    }


def task_right(attempts: Iterable[Attempt]) -> dict[str, bool]:
    """A task counts as right when at least half of its samples passed."""
    return {task: sum(a.passed for a in g) * 2 >= len(g) for task, g in _by_task(attempts).items()}


def transitions(before: Iterable[Attempt], after: Iterable[Attempt]) -> dict[str, float | int | None]:
    """right->wrong and wrong->right rates over the tasks both rounds sampled."""
    old, new = task_right(before), task_right(after)
    shared = sorted(set(old) & set(new))
    right = [t for t in shared if old[t]]
    wrong = [t for t in shared if not old[t]]
    right_to_wrong = sum(not new[t] for t in right)
    wrong_to_right = sum(new[t] for t in wrong)
    return {
        "tasks": len(shared),
        "right_to_wrong": right_to_wrong,
        "wrong_to_right": wrong_to_right,
        "right_to_wrong_rate": round(right_to_wrong / len(right), 4) if right else None,
        "wrong_to_right_rate": round(wrong_to_right / len(wrong), 4) if wrong else None,
    }


def agreement_drift(agreements: Sequence[float | None]) -> list[float | None]:
    """Each iteration's judge-verifier agreement minus the first iteration's."""
    first = next((a for a in agreements if a is not None), None)
    return [None if a is None or first is None else round(a - first, 4) for a in agreements]
