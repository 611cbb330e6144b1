"""The two curations of Traj-Bootstrap, as pure functions over stored experiences and dev scores.

- Exemplar curation: an exemplar's empirical utility is how often a task succeeded when it was
  shown, against how often tasks succeeded when it was not. Retrieval ranks by it and the saved
  database keeps only exemplars whose utility is not clearly negative, and carries the ranking
  (`ratchet.experience.utility`, where these functions live so the artifact can use them).
- Database curation (population-based): the worst database on dev is replaced by a copy of the
  best one, if the ratchet gate accepts the best as a candidate against the worst as incumbent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ratchet.experience.utility import ExemplarUtility, exemplar_utilities, kept_exemplars
from ratchet.learn.gate import GateDecision, gate

__all__ = ["ExemplarUtility", "Replacement", "exemplar_utilities", "exploit", "kept_exemplars"]


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
