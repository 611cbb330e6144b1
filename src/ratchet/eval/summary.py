"""Summaries of a run: pass@k, cost and speed, from attempts alone (reports read only logs)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

from ratchet.core import Attempt, Task, Usage
from ratchet.eval.intervals import pass_at_k_interval
from ratchet.eval.passk import mean_pass_at_k


def summarize(
    attempts: Sequence[Attempt], tasks: Sequence[Task], k: Sequence[int], wall_seconds: float
) -> dict:
    """pass@k over `tasks` (a task with fewer samples than k counts as missing) with its 95%
    interval (Wilson for one sample per task at k = 1, else a seeded bootstrap over tasks), tokens,
    time, verdict statuses, and pass@1 per difficulty when the suite labels difficulty."""
    by_task: dict[str, list[Attempt]] = defaultdict(list)
    for attempt in attempts:
        by_task[attempt.task_id].append(attempt)
    counts = {t.id: (len(by_task[t.id]), sum(a.passed for a in by_task[t.id])) for t in tasks}
    complete = [counts[t.id] for t in tasks if counts[t.id][0] > 0]
    usage = sum((a.solution.usage for a in attempts), Usage())
    generated = sum(a.solution.usage.generated_tokens for a in attempts)  # replays excluded
    summary = {
        "tasks": len(tasks),
        "tasks_done": len(complete),
        "attempts": len(attempts),
        "pass_at_k": {
            f"pass@{kk}": mean_pass_at_k([c for c in complete if c[0] >= kk], kk) for kk in k
        },
        "intervals": {
            f"pass@{kk}": pass_at_k_interval([c for c in complete if c[0] >= kk], kk).to_json() for kk in k
        },
        "statuses": dict(Counter(a.verdict.status.value for a in attempts)),
        # answers whose generation stopped at the token limit: cut off, often a greedy loop
        "cut_off": sum(a.solution.stop_reason == "length" for a in attempts),
        "tokens_in": usage.prompt_tokens,
        "tokens_out": usage.completion_tokens,
        "tokens_in_replayed": usage.replayed_prompt_tokens,
        "tokens_out_replayed": round(usage.completion_tokens - generated),
        "model_calls": usage.calls,
        "cached_calls": usage.cached_calls,
        "generation_seconds": round(usage.seconds, 2),
        "queue_seconds": round(usage.wait_seconds, 2),
        "wall_seconds": round(wall_seconds, 2),
        "tokens_per_second": round(generated / usage.seconds, 1) if usage.seconds > 0 else None,
    }
    difficulties = {t.id: t.difficulty for t in tasks if t.difficulty is not None}
    if difficulties:
        summary["pass@1_by_difficulty"] = _by_difficulty(counts, difficulties)
    return summary


def token_split(summary: dict | None) -> tuple[int, int]:
    """(generated, replayed) tokens, prompt and completion together, of a run summary. A summary
    written before replays were counted apart has all its tokens counted as generated."""
    if not summary:
        return 0, 0
    replayed = summary.get("tokens_in_replayed", 0) + summary.get("tokens_out_replayed", 0)
    return summary["tokens_in"] + summary["tokens_out"] - replayed, replayed


def _by_difficulty(counts: dict[str, tuple[int, int]], difficulties: dict[str, int]) -> dict:
    groups: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for task_id, level in difficulties.items():
        if counts.get(task_id, (0, 0))[0] > 0:
            groups[level].append(counts[task_id])
    return {
        str(level): {"tasks": len(group), "pass@1": round(mean_pass_at_k(group, 1), 4),
                     "interval": pass_at_k_interval(group, 1).to_json()}
        for level, group in sorted(groups.items())
    }
