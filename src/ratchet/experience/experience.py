"""An experience: one attempt at one task, kept with where it came from and how it was judged."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, replace

from ratchet.core import Attempt, Turn

DEFAULT_COLLECTION = "default"


@dataclass(frozen=True)
class Experience:
    """One stored attempt with its provenance.

    `collection` names the database it belongs to (one store file can hold several: the members
    of a population, a curated copy); `(collection, id)` is unique, so writing the same attempt
    twice (a resumed run) stores it once. `key` is the text retrieval matches (the task prompt);
    `trajectory` is the task's own turns, without any exemplars shown; `exemplar_ids` names the
    exemplars that were shown, which is what exemplar curation learns from. `seq` is the store's
    insertion order (0 before the experience is stored).
    """

    id: str
    suite: str
    task_id: str
    key: str
    trajectory: tuple[Turn, ...]
    passed: bool
    status: str = "ok"
    score: float = 0.0
    model: str = ""
    strategy: str = ""
    run: str = ""
    iteration: int = 0
    sample: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    replayed_tokens: int = 0  # of prompt_tokens + completion_tokens, replayed from the response cache
    exemplar_ids: tuple[str, ...] = ()
    created: float = 0.0
    collection: str = DEFAULT_COLLECTION
    seq: int = field(default=0, compare=False)

    def to_json(self) -> dict:
        """A JSON-ready dict (the JSONL export format); `seq` is store-local and left out."""
        data = asdict(self)
        data.pop("seq")
        data["trajectory"] = [asdict(turn) for turn in self.trajectory]
        data["exemplar_ids"] = list(self.exemplar_ids)
        return data

    @classmethod
    def from_json(cls, data: dict) -> Experience:
        data = dict(data)
        data.pop("seq", None)
        data["trajectory"] = tuple(Turn(**turn) for turn in data.get("trajectory", ()))
        data["exemplar_ids"] = tuple(data.get("exemplar_ids", ()))
        return cls(**data)

    def in_collection(self, collection: str) -> Experience:
        return replace(self, collection=collection, seq=0)


def experience_id(run: str, iteration: int, task_id: str, sample: int) -> str:
    """A deterministic id: the same attempt of the same run always gets the same id."""
    text = json.dumps([run, iteration, task_id, sample])
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def experience_from_attempt(
    attempt: Attempt,
    *,
    suite: str,
    key: str,
    model: str,
    run: str,
    iteration: int = 0,
    collection: str = DEFAULT_COLLECTION,
    created: float = 0.0,
) -> Experience:
    """Wrap a judged attempt as an experience (the runner's verdict travels with it)."""
    solution = attempt.solution
    return Experience(
        id=experience_id(run, iteration, attempt.task_id, attempt.sample),
        suite=suite,
        task_id=attempt.task_id,
        key=key,
        trajectory=solution.trajectory,
        passed=attempt.passed,
        status=attempt.verdict.status.value,
        score=attempt.verdict.score,
        model=model,
        strategy=attempt.solver,
        run=run,
        iteration=iteration,
        sample=attempt.sample,
        prompt_tokens=solution.usage.prompt_tokens,
        completion_tokens=solution.usage.completion_tokens,
        seconds=solution.usage.seconds,
        replayed_tokens=solution.usage.replayed_prompt_tokens + solution.usage.replayed_completion_tokens,
        exemplar_ids=tuple(getattr(solution, "exemplar_ids", ())),
        created=created,
        collection=collection,
    )
