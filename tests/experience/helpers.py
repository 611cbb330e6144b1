"""Small builders shared by the experience tests."""

from __future__ import annotations

from ratchet.core import Turn
from ratchet.experience import Experience, experience_id

TOPICS = [
    "apples oranges fruit basket market",
    "train station railway ticket journey",
    "garden flowers roses tulips planting",
    "bakery bread loaves flour oven",
    "library books shelves reading pages",
    "football team goals match season",
]


def make_experience(i: int, *, passed: bool = True, collection: str = "default", suite: str = "toy",
                    run: str = "r", shown: tuple[str, ...] = ()) -> Experience:
    topic = TOPICS[i % len(TOPICS)]
    prompt = f"Problem {i} about {topic}: how many?"
    return Experience(
        id=experience_id(run, 0, f"t{i}", 0), suite=suite, task_id=f"t{i}", key=prompt,
        trajectory=(Turn("system", "be brief"), Turn("user", prompt), Turn("assistant", f"answer {i}")),
        passed=passed, status="ok" if passed else "fail", score=1.0 if passed else 0.0,
        model="scripted", strategy="sample", run=run, prompt_tokens=10 + i, completion_tokens=2,
        seconds=0.5, exemplar_ids=shown, created=1_700_000_000.0 + i, collection=collection,
    )
