"""Attempts: one solver output for one task, with what it cost and how it was judged."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from ratchet.core.verdict import Verdict


@dataclass(frozen=True)
class Usage:
    """Cost of producing something: tokens in and out, model calls, wall seconds."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    calls: int = 0
    cached_calls: int = 0
    seconds: float = 0.0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
            self.calls + other.calls,
            self.cached_calls + other.cached_calls,
            self.seconds + other.seconds,
        )

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class Turn:
    """One message of a trajectory (OpenAI chat roles: system, user, assistant, tool)."""

    role: str
    content: str


@dataclass(frozen=True)
class Solution:
    """What a solver returns: its final output and the trajectory that led to it.

    A solver never sees a verdict from the hidden verifier; the runner adds that afterwards.
    """

    completion: str
    answer: str | None
    trajectory: tuple[Turn, ...] = ()
    usage: Usage = field(default_factory=Usage)
    stop_reason: str = "done"
    rounds: int = 1
    #: The completion at the end of each round of a multi-round strategy (self-correction);
    #: the runner judges each with the hidden verifier for the correction analysis.
    round_completions: tuple[str, ...] = ()
    #: Ids of the stored experiences shown as in-context examples (few-shot from experience);
    #: their turns are not repeated in `trajectory`, which holds the task's own turns only.
    exemplar_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Attempt:
    """A solution to one task, sample `sample`, judged by the suite's verifier."""

    task_id: str
    sample: int
    solution: Solution
    verdict: Verdict
    solver: str = "sample"
    round_verdicts: tuple[Verdict, ...] = ()

    @property
    def passed(self) -> bool:
        return self.verdict.passed

    def to_json(self) -> dict:
        solution = asdict(self.solution)
        return {
            "task_id": self.task_id,
            "sample": self.sample,
            "solver": self.solver,
            "verdict": self.verdict.to_json(),
            "round_verdicts": [v.to_json() for v in self.round_verdicts],
            **solution,
        }

    @classmethod
    def from_json(cls, data: dict) -> Attempt:
        solution = Solution(
            completion=data["completion"],
            answer=data["answer"],
            trajectory=tuple(Turn(**turn) for turn in data.get("trajectory", ())),
            usage=Usage(**data["usage"]),
            stop_reason=data.get("stop_reason", "done"),
            rounds=data.get("rounds", 1),
            round_completions=tuple(data.get("round_completions", ())),
            exemplar_ids=tuple(data.get("exemplar_ids", ())),
        )
        return cls(
            data["task_id"], data["sample"], solution, Verdict.from_json(data["verdict"]),
            data.get("solver", "sample"),
            tuple(Verdict.from_json(v) for v in data.get("round_verdicts", ())),
        )
