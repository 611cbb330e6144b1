"""Options and checks that several commands share: validated numeric options (a bad value is a
one-line usage error, exit 2, before anything runs), the llama.cpp thread count, and the checks
that a run directory and the response cache can be written before a model is loaded."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated, Optional

import typer

from ratchet.errors import UserError

Concurrency = Annotated[int, typer.Option(min=1, help="parallel requests to an endpoint")]
Threads = Annotated[Optional[int], typer.Option(
    min=1, help="CPU threads for llama.cpp in process (default: every core but one, at least 1: "
                "1 on a 2-core machine, leaving a core for verification)")]
Slots = Annotated[Optional[int], typer.Option(
    min=1, max=64, help="decode N calls together in process with the batched engine (xllamacpp, prompt "
                        "prefixes reused); 4 suits 2 cores. Default: llama-cpp-python, one call at a time")]
MaxTokens = Annotated[int, typer.Option(min=1, help="max new tokens per call")]
Limit = Annotated[Optional[int], typer.Option(min=1, help="only the first N tasks of the split")]
Seed = Annotated[int, typer.Option(min=0, help="base seed; sample i uses seed + i")]


def above_zero(value: float | None) -> float | None:
    """An option that must be positive (a learning rate, LoRA alpha, epochs)."""
    if value is not None and value <= 0:
        raise typer.BadParameter(f"{value} is not above 0")
    return value


def inside_unit_interval(value: float | None) -> float | None:
    """An option strictly between 0 and 1 (a significance level)."""
    if value is not None and not 0 < value < 1:
        raise typer.BadParameter(f"{value} is not between 0 and 1")
    return value


def default_threads() -> int:
    """llama.cpp's threads wait for each other at every layer, so a thread that shares its core
    with the sandbox or another process slows all of them: leave one core free."""
    return max(1, (os.cpu_count() or 2) - 1)


def check_run_dir(path: Path, option: str = "--run-dir") -> None:
    """A run directory the command can create and write, or a one-line error naming the option."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise UserError(f"{option} {path} is a file, not a directory: choose a directory (new or a run to resume)")
    for parent in (path, *path.parents):
        if parent.exists():
            if not parent.is_dir():
                raise UserError(f"cannot create {path}: {parent} is a file; choose another {option}")
            if not os.access(parent, os.W_OK | os.X_OK):
                raise UserError(f"cannot create or write {path}: {parent} is not writable; choose another {option}")
            return


def suite_tag(name: str) -> str:
    """'-<hash>' of a suite file's content for a run directory's name ('' for a built-in suite), so
    an improvement run on an edited suite or verifier starts afresh instead of reusing verdicts."""
    from ratchet.suites.registry import SUITES, load_suite, suite_fingerprint

    if name in SUITES:
        return ""
    digest = suite_fingerprint(name, load_suite(name))
    return f"-{digest[:8]}" if digest else ""


def check_suite_unchanged(path: Path, name: str) -> None:
    """A run directory given by hand (`--run-dir`) keeps the suite file's content hash: resuming
    it with an edited suite or verifier would mix old verdicts with new ones, so that is refused."""
    from ratchet.suites.registry import SUITES, load_suite, suite_fingerprint

    if name in SUITES:
        return
    digest = suite_fingerprint(name, load_suite(name)) or ""
    record = Path(path) / "suite.sha256"
    if record.exists() and record.read_text().strip() != digest:
        raise UserError(f"{path} was made with another version of the suite {name} (its file or verifier "
                        "changed): give a new --run-dir, or leave it out to get one named by the suite's hash")
    Path(path).mkdir(parents=True, exist_ok=True)
    record.write_text(digest + "\n")


def check_cache_home(cache: bool) -> None:
    """With the response cache on, $RATCHET_HOME must be a writable directory."""
    if not cache:
        return
    from ratchet.models.catalog import ratchet_home

    home = ratchet_home()
    try:
        home.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=home):
            pass
    except OSError as error:
        raise UserError(f"the response cache cannot be written in {home} ({error.strerror or error}): "
                        "set RATCHET_HOME to a writable directory, or pass --no-cache") from None
