"""Suites by name, or from a file the user brings."""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path

from ratchet.core import Suite
from ratchet.errors import UserError, unknown_name


def _humaneval() -> Suite:
    from ratchet.suites.humaneval import HumanEvalSuite

    return HumanEvalSuite()


def _gsm() -> Suite:
    from ratchet.suites.gsm import GsmSuite

    return GsmSuite()


def _toolcall() -> Suite:
    from ratchet.suites.toolcall import ToolCallSuite

    return ToolCallSuite()


def _sql() -> Suite:
    from ratchet.envs.sql import SqlSuite

    return SqlSuite()


def _wordcraft() -> Suite:
    from ratchet.envs.wordcraft import WordcraftSuite

    return WordcraftSuite()


def _textworld() -> Suite:
    from ratchet.envs.textworld_games import TextWorldSuite

    return TextWorldSuite()


def _sciworld() -> Suite:
    from ratchet.envs.sciworld import SciWorldSuite

    return SciWorldSuite()


#: Built-in suites, name -> factory (imported lazily). sql, wordcraft, textworld and sciworld are
#: environments for multi-turn agents (`--solver react`), see docs/ENVIRONMENTS.md.
SUITES: dict[str, Callable[[], Suite]] = {
    "humaneval": _humaneval, "gsm": _gsm, "toolcall": _toolcall, "sql": _sql, "wordcraft": _wordcraft,
    "textworld": _textworld, "sciworld": _sciworld,
}


def load_suite(name: str) -> Suite:
    """A built-in suite by name, a JSONL task file, a Python file defining `suite` (a Suite)
    or `make_suite()`, or `toolcall:FILE.json` (the user's own function schemas)."""
    if name in SUITES:
        return SUITES[name]()
    if name.startswith("toolcall:"):
        from ratchet.suites.toolcall import load_toolcall_file

        return load_toolcall_file(name.removeprefix("toolcall:"))
    path = Path(name)
    if path.suffix == ".jsonl":
        from ratchet.suites.custom import JsonlSuite

        return JsonlSuite(path)
    if path.suffix == ".py":
        return _suite_from_module(path)
    raise unknown_name("suite", name, SUITES)


def suite_fingerprint(name: str, suite: Suite) -> str | None:
    """sha256 of what a suite file defines: the .jsonl bytes, or the .py source plus the bytes of
    the task file its suite reads (`suite.path`). None for a built-in suite (its content comes with
    Ratchet's version). Part of a run's identity, so an edited verifier re-judges."""
    if name in SUITES:
        return None
    files = [Path(name.removeprefix("toolcall:"))]
    data = getattr(suite, "path", None)
    if isinstance(data, (str, Path)) and Path(data).is_file() and Path(data).resolve() != files[0].resolve():
        files.append(Path(data))
    digest = hashlib.sha256()
    for file in files:
        if not file.is_file():
            return None
        digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def _suite_from_module(path: Path) -> Suite:
    if not path.is_file():
        raise UserError(f"no suite file at {path}")
    spec = importlib.util.spec_from_file_location(f"ratchet_user_suite_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.path.insert(0, str(path.parent.resolve()))
    try:
        spec.loader.exec_module(module)  # type: ignore[union-attr]
    except Exception as error:
        raise UserError(f"{path} failed to import: {type(error).__name__}: {error}") from None
    finally:
        sys.path.pop(0)
    suite = getattr(module, "suite", None)
    if suite is None and callable(getattr(module, "make_suite", None)):
        suite = module.make_suite()
    if not isinstance(suite, Suite):
        raise UserError(
            f"{path} must define `suite` (or `make_suite()`) returning a Suite, e.g. "
            "ratchet.suites.JsonlSuite('tasks.jsonl', verify=my_check)"
        )
    return suite
