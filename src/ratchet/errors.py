"""The three kinds of failure Ratchet distinguishes.

- A *verdict* (wrong answer, failed test, timeout) is data, not an exception: see `ratchet.core`.
- A `UserError` means the user must change something; the CLI prints its one-line message and
  exits with code 2, never a traceback.
- A `BackendError` is a fault of a model server or runtime; it says whether retrying may help.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class RatchetError(Exception):
    """Base class of every error Ratchet raises on purpose."""


class UserError(RatchetError):
    """Something the user must fix. The message is one line and names the fix."""


class BackendError(RatchetError):
    """A model backend failed. `retryable` says whether trying again may succeed."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


class MissingExtraError(UserError):
    """An optional dependency is not installed; the message holds the pip command that fixes it."""

    def __init__(self, what: str, extra: str, package: str | None = None) -> None:
        hint = f'pip install "ratchet-ai[{extra}]"'
        if package:
            hint += f" (or: pip install {package})"
        super().__init__(f"{what} needs the '{extra}' extra: {hint}")
        self.extra = extra


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """A ' (did you mean X?)' suffix for an unknown name, or '' when nothing is close."""
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.5)
    return f" (did you mean '{close[0]}'?)" if close else ""


def unknown_name(kind: str, name: str, choices: Iterable[str]) -> UserError:
    """The standard error for a misspelt suite, model, strategy or dataset name."""
    choices = sorted(choices)
    return UserError(
        f"unknown {kind} '{name}'{did_you_mean(name, choices)}; choose one of: {', '.join(choices)}"
    )
