"""Exemplar utility: how much showing a stored trajectory helps (METHODS card 1, +exemplar-curation).

An exemplar's empirical utility is how often a task succeeded when it was shown, against how often
tasks succeeded when it was not. `UtilityRanking` is what a curated database carries with it, so
whoever retrieves from the saved database (`ratchet eval --exemplars`) ranks and hides exemplars
exactly as the bootstrap loop did while measuring it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field

from ratchet.experience.experience import Experience


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
class UtilityRanking:
    """Retrieval by BM25 (scaled to the best candidate) plus `weight` × utility, never showing an
    exemplar below `min_utility`; `utility` holds the exemplars with enough uses to be judged."""

    utility: Mapping[str, float] = field(default_factory=dict)
    weight: float = 0.5
    min_utility: float = -0.1

    @classmethod
    def measure(cls, attempts: Iterable[Experience], *, weight: float = 0.5, min_utility: float = -0.1,
                min_uses: int = 2) -> UtilityRanking:
        return cls.from_utilities(exemplar_utilities(attempts), weight=weight, min_utility=min_utility,
                                  min_uses=min_uses)

    @classmethod
    def from_utilities(cls, utilities: Mapping[str, ExemplarUtility], *, weight: float = 0.5,
                       min_utility: float = -0.1, min_uses: int = 2) -> UtilityRanking:
        return cls({k: u.utility for k, u in utilities.items() if u.uses >= min_uses}, weight, min_utility)

    def retriever_kwargs(self) -> dict:
        return {"utility": dict(self.utility), "utility_weight": self.weight, "min_utility": self.min_utility}

    def to_text(self) -> str:
        return json.dumps({"utility": dict(sorted(self.utility.items())), "weight": self.weight,
                           "min_utility": self.min_utility})

    @classmethod
    def from_text(cls, text: str) -> UtilityRanking:
        data = json.loads(text)
        return cls(dict(data["utility"]), float(data["weight"]), float(data["min_utility"]))
