"""Grouping answers that mean the same thing, and counting votes.

Two answers vote together when they have the same *key*:
- for a task with visible checks (code with docstring examples), the behaviour on the visible
  inputs: all answers that pass every example share one key; a failing answer's key is the list
  of what each failing example returned or raised, so answers that compute the same wrong outputs
  vote together;
- otherwise the normalised answer: a number in canonical form ("1,000.0" -> "1000"), code by its
  syntax tree (comments and layout ignored), other text lower-cased with spaces collapsed.
"""

from __future__ import annotations

import ast
import math
import re
import textwrap
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from ratchet.core import SolverView, Status, Task, Verdict

_EXAMPLE_OUTCOME = re.compile(r"\) (returned|raised) ")
_CODE_STARTS = ("def ", "async def ", "class ", "import ", "from ", "@", "lambda")
_NUMBER = re.compile(r"[-+]?\$?\d[\d,]*(\.\d+)?")


def normalize_answer(answer: str) -> str:
    """A canonical form of an answer, for equality between samples and between rounds."""
    text = answer.strip()
    if _NUMBER.fullmatch(text):
        value = Fraction(text.replace(",", "").replace("$", ""))
        return f"number:{value}"
    if "\n" in text or text.startswith(_CODE_STARTS):
        try:
            return "code:" + ast.dump(ast.parse(textwrap.dedent(text)))
        except (SyntaxError, ValueError):
            pass
    return "text:" + " ".join(text.lower().rstrip(".").split())


def behaviour_key(verdict: Verdict) -> str:
    """What an answer did on the visible inputs, as a string two equal behaviours share."""
    if verdict.passed:
        return "visible:pass"
    lines = [line.strip() for line in verdict.feedback.splitlines() if line.strip()]
    if verdict.status == Status.FAIL and lines and all(_EXAMPLE_OUTCOME.search(line) for line in lines):
        return "visible:" + "\n".join(lines)
    # A crash or timeout: the last line (the exception) identifies it; tracebacks differ by layout.
    return f"visible:{verdict.status.value}:{lines[-1] if lines else ''}"


class VisibleChecker:
    """Runs `view.check_visible` at most once per distinct answer of one task."""

    def __init__(self, task: Task, view: SolverView) -> None:
        self.task = task
        self.view = view
        self._seen: dict[str, Verdict | None] = {}

    def check(self, answer: str) -> Verdict | None:
        if answer not in self._seen:
            self._seen[answer] = self.view.check_visible(self.task, answer)
        return self._seen[answer]

    def vote_key(self, answer: str | None) -> str | None:
        if answer is None:
            return None
        verdict = self.check(answer)
        return behaviour_key(verdict) if verdict is not None else normalize_answer(answer)


@dataclass(frozen=True)
class Tally:
    """The state of a vote: the winning candidate's index, its votes and the runner-up's."""

    winner: int | None  # index of the first candidate of the biggest group; None if no answers
    top: int
    second: int
    voters: int  # candidates with an answer

    @property
    def share(self) -> float:
        return self.top / self.voters if self.voters else 0.0


def tally(keys: Sequence[str | None]) -> Tally:
    """Majority vote over keys (None = no answer, no vote). Ties go to the group seen first."""
    counts = Counter(key for key in keys if key is not None)
    if not counts:
        return Tally(None, 0, 0, 0)
    first_seen = {key: keys.index(key) for key in counts}
    ranked = sorted(counts, key=lambda key: (-counts[key], first_seen[key]))
    second = counts[ranked[1]] if len(ranked) > 1 else 0
    return Tally(first_seen[ranked[0]], counts[ranked[0]], second, sum(counts.values()))


def leader_probability(top: int, second: int) -> float:
    """Adaptive-Consistency's Beta stopping statistic: the posterior probability that the leading
    answer is truly more likely than the runner-up.

    With a uniform prior, the leader's share p of the two is Beta(top + 1, second + 1), and for
    integer parameters P(p > 1/2) = P(Binomial(top + second + 1, 1/2) <= top), computed exactly.
    """
    trials = top + second + 1
    return sum(math.comb(trials, j) for j in range(top + 1)) / 2**trials
