"""Reading TT-SI / TT-D runs back from their attempts (reports read only logs).

Every test-time solution's `stop_reason` is "<outcome> <json record>" (see `ratchet.ttt.solver`):
outcome `certain` (answered directly), `adapted` (trained and answered), or `unadapted` (unsure,
but no written example survived the filter, or the teacher failed with fallback=base).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence

from ratchet.core import Attempt
from ratchet.eval.intervals import compare_paired, mean_interval
from ratchet.ttt.calibration import summarise_estimate

OUTCOMES = ("certain", "adapted", "unadapted")


def item_record(attempt: Attempt) -> dict | None:
    """The outcome and record of one test-time attempt, or None for other strategies."""
    outcome, _, rest = attempt.solution.stop_reason.partition(" ")
    if outcome not in OUTCOMES:
        return None
    try:
        record = json.loads(rest) if rest else {}
    except json.JSONDecodeError:
        return None
    return {"task_id": attempt.task_id, "outcome": outcome, "passed": attempt.passed,
            "base_passed": attempt.round_verdicts[0].passed if attempt.round_verdicts else attempt.passed,
            **record}


def item_records_of(attempts: Iterable[Attempt]) -> list[dict]:
    """The records of the test-time attempts among `attempts`, in order."""
    return [r for r in (item_record(a) for a in attempts) if r is not None]


def summarise_items(attempts: Iterable[Attempt]) -> dict:
    """Counts per outcome, fallbacks, training samples used, seconds, and base -> adapted flips."""
    records = item_records_of(attempts)
    outcomes = Counter(r["outcome"] for r in records)
    adapted = [r for r in records if r["outcome"] == "adapted"]
    fallbacks = Counter(r["fallback"].rsplit(": ", 1)[-1] for r in records if r.get("fallback"))
    return {
        "items": len(records),
        "outcomes": {o: outcomes.get(o, 0) for o in OUTCOMES},
        "teacher_fallbacks": dict(fallbacks),  # e.g. {"tt-si": 2, "base": 1}
        "training_samples": sum(r.get("kept", 0) for r in adapted),
        "examples_written": sum(r.get("written", 0) for r in records),
        "train_seconds": round(sum(r.get("train_seconds") or 0.0 for r in adapted), 1),
        "seconds_per_item": round(sum(r.get("seconds", 0.0) for r in records) / len(records), 2) if records else None,
        "wrong_to_right": sum(1 for r in adapted if r["passed"] and not r["base_passed"]),
        "right_to_wrong": sum(1 for r in adapted if r["base_passed"] and not r["passed"]),
        "accuracy": round(sum(r["passed"] for r in records) / len(records), 4) if records else None,
        "base_accuracy": round(sum(r["base_passed"] for r in records) / len(records), 4) if records else None,
        **_intervals(records),
    }


def _intervals(records: Sequence[dict]) -> dict:
    """Accuracy's 95% interval (Wilson) and the paired difference from the base answers on the
    same items (Newcombe, McNemar's exact two-sided p)."""
    if not records:
        return {"accuracy_interval": None, "vs_base": None}
    passed = [float(r["passed"]) for r in records]
    base = [float(r["base_passed"]) for r in records]
    return {"accuracy_interval": mean_interval(passed).to_json(), "vs_base": compare_paired(passed, base).to_json()}


def gate_quality(records: Sequence[dict]) -> dict:
    """AUROC and accuracy-coverage of the gate's confidence for the *base* answer's errors."""
    return summarise_estimate([r["confidence"] for r in records], [r["base_passed"] for r in records])
