"""Suites and models for strategy tests: visible checks in plain Python, a hidden verifier that
fails loudly when read during solving."""

from __future__ import annotations

import threading
from dataclasses import replace

from ratchet.core import Verdict
from ratchet.models import Completion, ScriptedModel, TokenLogprob
from tests.toy import AdditionSuite


class VisibleAdditionSuite(AdditionSuite):
    """"What is a + b?" whose visible check knows only that the sum of i and i + 1 is odd."""

    name = "visible-addition"

    def check_visible(self, task, answer):
        self.visible_calls = getattr(self, "visible_calls", 0) + 1
        value = int(answer)
        if value % 2 == 1:
            return Verdict.ok()
        return Verdict.fail(f"check({value}) returned 'even', expected 'odd'")


class TextAnswerSuite(AdditionSuite):
    """Answers are the whole reply, stripped: normalisation is the voter's job."""

    def extract(self, task, completion):
        return completion.strip() or None


class HiddenRead(AssertionError):
    """Raised when anything reads hidden information while a solver is solving."""


class GuardedSuite(VisibleAdditionSuite):
    """Its hidden verifier raises while `solving` is set (a thread-local flag, so the runner's
    scoring of other tasks on other threads is not mistaken for a read)."""

    name = "guarded"

    def __init__(self, n: int = 20) -> None:
        super().__init__(n)
        self._state = threading.local()

    @property
    def solving(self) -> bool:
        return getattr(self._state, "solving", False)

    @solving.setter
    def solving(self, value: bool) -> None:
        self._state.solving = value

    def verify(self, task, completion):
        if self.solving:
            raise HiddenRead(f"hidden verifier called while solving {task.id}")
        return super().verify(task, completion)

    def verify_many(self, items):
        if self.solving:
            raise HiddenRead("hidden verifier called while solving")
        return super().verify_many(items)

    @property
    def _gold(self):
        if self.solving:
            raise HiddenRead("gold answers read while solving")
        return self.__dict__["_hidden_gold"]

    @_gold.setter
    def _gold(self, value):
        self.__dict__["_hidden_gold"] = value


class GuardingSolver:
    """Marks the suite as solving for the duration of the wrapped solver's `solve`."""

    def __init__(self, solver, suite: GuardedSuite) -> None:
        self.solver = solver
        self.suite = suite
        self.name = solver.name

    def solve(self, task, view, model, params):
        self.suite.solving = True
        try:
            return self.solver.solve(task, view, model, params)
        finally:
            self.suite.solving = False


class LogprobModel(ScriptedModel):
    """A scripted model whose replies carry a chosen log-probability and top-2 alternatives:
    `replies` maps reply text to (logprob of the chosen token, logprob of the runner-up)."""

    def __init__(self, replies, scores: dict[str, tuple[float, float]], **kwargs) -> None:
        super().__init__(replies, **kwargs)
        self.scores = scores

    def complete(self, messages, params) -> Completion:
        completion = super().complete(messages, params)
        if params.logprobs is None or completion.text not in self.scores:
            return completion
        chosen, second = self.scores[completion.text]
        tokens = tuple(
            TokenLogprob(token, chosen, (("a", chosen), ("b", second))) for token in completion.text.split()
        )
        return replace(completion, logprobs=tokens)


class NoLogprobModel(ScriptedModel):
    supports_logprobs = False


def wrong_then(fixed: str):
    """A responder: the first answer is wrong ("4"), any later request gets `fixed`."""

    def respond(messages, params):
        return "4" if len(messages) == 1 else fixed

    return respond

