"""What strategies cost, and how accuracy grows with what is spent (pass@t).

Tokens count every call a strategy made, replayed from the response cache or not: that is what the
strategy costs. Seconds are measured on fresh calls only (a replay takes none), so a strategy
whose first round was replayed from `sample`'s run would look cheaper than it is; replayed calls
are therefore charged at the seconds per completion token measured on the strategy's own fresh
calls, or, for a strategy whose calls were all replayed, on the whole comparison's
(`seconds_per_token`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ratchet.core import Attempt
from ratchet.eval.passk import pass_at_k


def seconds_per_token(attempts: Sequence[Attempt]) -> float | None:
    """Generation seconds per completion token, over the tokens that were generated (not
    replayed; see `Usage.generated_tokens`)."""
    seconds = tokens = 0.0
    for attempt in attempts:
        usage = attempt.solution.usage
        if usage.calls and usage.cached_calls < usage.calls:
            seconds += usage.seconds
            tokens += usage.generated_tokens
    return seconds / tokens if tokens and seconds > 0 else None


def estimated_seconds(attempt: Attempt, rate: float | None) -> float:
    """Measured seconds plus the replayed share of the attempt's tokens charged at `rate`."""
    usage = attempt.solution.usage
    if not usage.cached_calls or rate is None or not usage.calls:
        return usage.seconds
    replayed_tokens = usage.completion_tokens - usage.generated_tokens
    return usage.seconds + replayed_tokens * rate


@dataclass(frozen=True)
class Cost:
    tasks: int
    tokens_per_task: float
    tokens_out_per_task: float
    calls_per_task: float
    seconds_per_task: float
    replayed_calls: int  # calls served by the response cache (their seconds are estimated)

    def to_json(self) -> dict:
        return {key: round(value, 3) if isinstance(value, float) else value for key, value in self.__dict__.items()}


def cost_of(attempts: Sequence[Attempt], rate: float | None) -> Cost:
    n = max(len({a.task_id for a in attempts}), 1)
    usages = [a.solution.usage for a in attempts]
    return Cost(
        tasks=n,
        tokens_per_task=sum(u.total_tokens for u in usages) / n,
        tokens_out_per_task=sum(u.completion_tokens for u in usages) / n,
        calls_per_task=sum(u.calls for u in usages) / n,
        seconds_per_task=sum(estimated_seconds(a, rate) for a in attempts) / n,
        replayed_calls=sum(u.cached_calls for u in usages),
    )


def pass_at_t(attempts: Sequence[Attempt]) -> list[tuple[float, float]]:
    """Share of tasks whose answer is right *and* cost at most t tokens, for each t at which it
    changes: points (t, accuracy), t ascending, ending at the strategy's accuracy. One attempt per
    task (sample 0) is used."""
    first = _first_sample(attempts)
    if not first:
        return []
    costs = sorted(a.solution.usage.total_tokens for a in first if a.passed)
    return [(float(t), (i + 1) / len(first)) for i, t in enumerate(costs)]


def resampling_curve(attempts: Sequence[Attempt]) -> list[tuple[float, float]]:
    """Plain resampling at equal budget: pass@k (hidden-test pick, an upper bound) against k times
    the mean tokens of one sample, from a run with n samples per task."""
    by_task: dict[str, list[Attempt]] = {}
    for attempt in attempts:
        by_task.setdefault(attempt.task_id, []).append(attempt)
    if not by_task:
        return []
    n = min(len(group) for group in by_task.values())
    per_sample = float(np.mean([a.solution.usage.total_tokens for a in attempts]))
    points = []
    for k in range(1, n + 1):
        values = [pass_at_k(len(g), sum(a.passed for a in g), k) for g in by_task.values()]
        points.append((k * per_sample, float(np.mean(values))))
    return points


def vote_curve(attempts: Sequence[Attempt]) -> list[tuple[float, float]]:
    """For strategies whose rounds are samples (self-consistency): accuracy of the majority after
    r samples against r times the mean tokens of one sample."""
    first = _first_sample(attempts)
    if not first:
        return []
    samples = sum(a.solution.rounds for a in first)
    per_sample = sum(a.solution.usage.total_tokens for a in first) / max(samples, 1)
    from ratchet.analysis.correction import accuracy_by_round

    return [((r + 1) * per_sample, acc) for r, acc in enumerate(accuracy_by_round(first))]


def _first_sample(attempts: Sequence[Attempt]) -> list[Attempt]:
    return [a for a in attempts if a.sample == 0]
