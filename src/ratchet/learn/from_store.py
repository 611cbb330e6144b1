"""Training data from an experience store (issue: "all drawn from the experience store").

`store_attempts` reads a store's experiences of one suite back as `Attempt`s, so every builder in
`ratchet.learn.data` (verified examples, verified pairs, correction traces) takes a
Traj-Bootstrap database, or any store, exactly as it takes a run directory's attempts. The
builders then keep only the suite's train tasks, as always.

An attempt's `sample` is the experience's `seq` (its place in the store), so a provenance entry
`task#seq` names one stored experience. The completion is the attempt's last reply; the
trajectory is kept, so multi-round attempts still yield correction traces. Trajectories of
agents in environments (many thought/action turns) are refused: the builders train a single
answer to the task's prompt, which an agent's episode is not.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ratchet.core import Attempt, Solution, SolverView, Status, Suite, Verdict
from ratchet.errors import UserError
from ratchet.experience.artifact import DatabaseRef, resolve_collection
from ratchet.experience.experience import Experience
from ratchet.experience.store import ExperienceStore


@dataclass(frozen=True)
class StoreAttempts:
    """The attempts read from a store, and what was left out and why."""

    attempts: tuple[Attempt, ...]
    collection: str
    models: tuple[str, ...]  # the models that wrote them
    skipped_other_model: int = 0
    skipped_no_reply: int = 0


def experience_attempt(experience: Experience) -> Attempt | None:
    """One experience as a judged attempt, or None when it holds no model reply."""
    replies = [turn for turn in experience.trajectory if turn.role == "assistant"]
    if not replies:
        return None
    solution = Solution(completion=replies[-1].content, answer=None, trajectory=experience.trajectory,
                        rounds=len(replies), exemplar_ids=experience.exemplar_ids)
    verdict = Verdict(experience.passed, Status(experience.status), experience.score)
    return Attempt(experience.task_id, experience.seq, solution, verdict, solver=experience.strategy or "sample")


def attempts_from_experiences(experiences: Iterable[Experience], *, model: str | None = None,
                              collection: str = "") -> StoreAttempts:
    """Experiences as attempts; with `model`, only those that model wrote."""
    attempts, models = [], set()
    other = empty = 0
    for experience in experiences:
        if model is not None and experience.model != model:
            other += 1
            continue
        attempt = experience_attempt(experience)
        if attempt is None:
            empty += 1
            continue
        attempts.append(attempt)
        models.add(experience.model)
    return StoreAttempts(tuple(attempts), collection, tuple(sorted(models)), other, empty)


def store_attempts(database: str, suite: Suite, *, model: str | None = None) -> StoreAttempts:
    """The attempts at `suite` in `database` (`STORE` or `STORE#collection`)."""
    if SolverView(suite).has_episodes:
        raise UserError(f"suite '{suite.name}' is an environment: its stored episodes are agent trajectories, "
                        "not single answers to train on (use a suite such as gsm or humaneval)")
    ref = DatabaseRef.parse(database)
    with ExperienceStore.open(ref.location, create=False) as store:
        collection = resolve_collection(store, ref.collection)
        found = attempts_from_experiences(store.iter(collection=collection, suite=suite.name), model=model,
                                          collection=collection)
    if not found.attempts:
        who = f" by model '{model}'" if model else ""
        raise UserError(f"{database} holds no attempt at suite '{suite.name}'{who} in collection '{collection}'")
    return found
