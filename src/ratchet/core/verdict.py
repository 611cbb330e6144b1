"""Verdicts: what a verifier says about one answer. A verdict is data, never an exception."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    OK = "ok"  # the answer was checked and is right
    FAIL = "fail"  # checked and wrong
    TIMEOUT = "timeout"  # the check ran out of time (e.g. an infinite loop in generated code)
    ERROR = "error"  # the answer crashed the check (exception, memory, signal)
    BAD_FORMAT = "bad_format"  # no answer could be extracted from the output


@dataclass(frozen=True)
class Verdict:
    """The verifier's judgement of one answer.

    `score` is 1.0 for a pass and may be fractional for partial credit; `feedback` is text a
    self-correcting strategy may show the model *only* when it comes from a visible check.
    `seconds` is what the verification cost.
    """

    passed: bool
    status: Status
    score: float = 0.0
    feedback: str = ""
    seconds: float = 0.0

    @classmethod
    def ok(cls, feedback: str = "", seconds: float = 0.0) -> Verdict:
        return cls(True, Status.OK, 1.0, feedback, seconds)

    @classmethod
    def fail(cls, feedback: str = "", status: Status = Status.FAIL, seconds: float = 0.0) -> Verdict:
        return cls(False, status, 0.0, feedback, seconds)

    def to_json(self) -> dict:
        return {
            "passed": self.passed,
            "status": self.status.value,
            "score": self.score,
            "feedback": self.feedback,
            "seconds": round(self.seconds, 4),
        }

    @classmethod
    def from_json(cls, data: dict) -> Verdict:
        return cls(
            data["passed"], Status(data["status"]), data["score"], data["feedback"], data["seconds"]
        )
