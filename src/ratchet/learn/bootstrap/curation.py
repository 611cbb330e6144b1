"""The two curations of Traj-Bootstrap, as pure functions over stored experiences and dev scores.

- Exemplar curation: an exemplar's empirical utility is how often a task succeeded when it was
  shown, against how often tasks succeeded when it was not. Retrieval ranks by it and the saved
  database keeps only exemplars whose utility is not clearly negative.
- Database curation (population-based): the worst database on dev is replaced by a copy of the
  best one, if the ratchet gate accepts the best as a candidate against the worst as incumbent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass

from ratchet.experience import Experience
from ratchet.learn.gate import GateDecision, gate


@dataclass(frozen=True)
class ExemplarUtility:
    exemplar_id: str
    uses: int  # attempts it was shown in
    successes: int  # of those, how many passed
    utility: float  # smoothed success rate when shown minus the rate when not shown

    def to_json(self) -> dict:
        return asdict(self)


def exemplar_utilities(attempts: Iterable[Experience], prior: float = 2.0) -> dict[str, ExemplarUtility]:
    """Utility of every exemplar shown in `attempts` (train attempts that record exemplar_ids).

    Shown n times with s successes, while the other attempts succeeded at rate b:
    utility = (s + prior·b) / (n + prior) − b. The prior pulls rarely used exemplars towards zero,
    so one lucky or unlucky use does not decide their fate.
    """
    attempts = list(attempts)
    total, passed = len(attempts), sum(a.passed for a in attempts)
    uses: dict[str, int] = {}
    wins: dict[str, int] = {}
    for attempt in attempts:
        for exemplar in set(attempt.exemplar_ids):
            uses[exemplar] = uses.get(exemplar, 0) + 1
            wins[exemplar] = wins.get(exemplar, 0) + int(attempt.passed)
    utilities = {}
    for exemplar, n in uses.items():
        s = wins[exemplar]
        others = total - n
        baseline = (passed - s) / others if others else passed / max(total, 1)
        value = (s + prior * baseline) / (n + prior) - baseline
        utilities[exemplar] = ExemplarUtility(exemplar, n, s, round(value, 4))
    return utilities


def kept_exemplars(
    successes: Iterable[str],
    utilities: Mapping[str, ExemplarUtility],
    *,
    min_uses: int = 2,
    min_utility: float = -0.1,
) -> set[str]:
    """The successful experiences to keep: every one not yet shown `min_uses` times (no evidence
    against it), and every one whose utility is at least `min_utility`."""
    kept = set()
    for experience_id in successes:
        stats = utilities.get(experience_id)
        if stats is None or stats.uses < min_uses or stats.utility >= min_utility:
            kept.add(experience_id)
    return kept


@dataclass(frozen=True)
class Replacement:
    """One exploit step of population-based training: member `worst` gets a copy of `best`."""

    worst: int
    best: int
    decision: GateDecision

    def to_json(self) -> dict:
        return {"worst": self.worst, "best": self.best, "decision": self.decision.to_json()}


def exploit(dev_scores: Sequence[Mapping[str, float]], level: float) -> Replacement | None:
    """Pick the best and worst members by mean dev score (ties: lowest index is best, highest is
    worst) and gate the best against the worst; None for a population of one or all equal."""
    if len(dev_scores) < 2:
        return None
    means = [sum(s.values()) / max(len(s), 1) for s in dev_scores]
    best = max(range(len(means)), key=lambda i: (means[i], -i))
    worst = min(range(len(means)), key=lambda i: (means[i], -i))
    if means[best] == means[worst]:
        return None
    return Replacement(worst, best, gate(dev_scores[worst], dev_scores[best], level))
