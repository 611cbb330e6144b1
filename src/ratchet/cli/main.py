"""`ratchet`: the command-line entry point. Exit codes: 0 done, 1 a run or backend failure (one
line), 2 a user error (one line naming the fix), 130 interrupted (what was saved, how to resume)."""

from __future__ import annotations

import errno
import sqlite3
import sys

import typer
from rich.console import Console
from rich.markup import escape

from ratchet.errors import BackendError, UserError

app = typer.Typer(
    help="Ratchet: language-model systems that improve themselves, gated on held-out data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True)


def _register() -> None:
    from ratchet.cli import compare_cmd, eval_cmd, models_cmd

    app.command("eval")(eval_cmd.eval_command)
    app.command("compare")(compare_cmd.compare_command)
    app.command("models")(models_cmd.models_command)
    app.command("suites")(models_cmd.suites_command)
    from ratchet.cli import experience_cmd, improve_cmd

    app.command("improve")(improve_cmd.improve_command)
    from ratchet.cli import view_cmd

    app.command("view")(view_cmd.view_command)
    app.add_typer(experience_cmd.app, name="experience", help="Inspect, export, import and diff experience stores.")
    from ratchet.cli import train_cmd

    train_cmd.register(app)  # `ratchet train ...`, `ratchet judge ...`
    try:
        from ratchet.nesy.cli import app as nesy_app
    except ImportError:
        return
    app.add_typer(nesy_app, name="nesy", help="Neural-Symbolic Recursive Machine (SCAN, PCFG, HINT).")


_register()


def route(argv: list[str]) -> list[str]:
    """`ratchet improve --method star|rest-em|dpo|self-rewarding ...` is `ratchet train improve ...`:
    one entry point for every improvement loop, each method with its own options and help."""
    from ratchet.cli.train_cmd import WEIGHT_METHODS

    if not argv or argv[0] != "improve":
        return argv
    for i, token in enumerate(argv):
        value = token.partition("=")[2] if token.startswith("--method=") else (
            argv[i + 1] if token == "--method" and i + 1 < len(argv) else None)
        if value in WEIGHT_METHODS:
            return ["train", *argv]
    return argv


def run(argv: list[str]) -> int:
    """Run one command in this process and return its exit code: 0 done, 1 a run or backend
    failure, 2 a user error, 130 interrupted. Every failure is one line on stderr."""
    try:
        result = app(args=route(argv), standalone_mode=False)
    except UserError as error:
        return _fail(f"error: {error}", 2)
    except BackendError as error:
        kind = "retryable" if error.retryable else "not retryable"
        return _fail(f"backend error ({kind}): {error}", 1)
    except KeyboardInterrupt:
        return _interrupted()
    except typer.Exit as exit_:
        return exit_.exit_code
    except OSError as error:
        return _fail(*os_error_line(error))
    except Exception as error:
        if _database_full(error):
            return _fail("error: no space left on the device writing a database (the response cache or an "
                         "experience store): free some space and rerun the same command to resume (finished "
                         "attempts are saved)", 1)
        return _click_error(error)
    if result == 130:  # typer turns a KeyboardInterrupt inside a command into exit code 130
        return _interrupted()
    return result if isinstance(result, int) else 0


def _click_error(error: Exception) -> int:
    """Usage errors (unknown option, missing value, a value out of range) arrive here in
    non-standalone mode, as exceptions of whichever click typer bundles; recognised by shape."""
    name = type(error).__name__
    if name == "NoArgsIsHelpError":  # `ratchet`, `ratchet train`: the help, and no error line
        print(error.format_message())  # type: ignore[attr-defined]
        return 0
    if callable(getattr(error, "format_message", None)) and hasattr(error, "exit_code"):
        return _fail(f"error: {error.format_message()}", 2)  # type: ignore[attr-defined]
    if name == "Abort":  # click turns a KeyboardInterrupt into Abort
        return _interrupted()
    raise error


def _database_full(error: BaseException) -> bool:
    """SQLite's "database or disk is full", raised as it is or wrapped (SQLAlchemy's `.orig`)."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, sqlite3.OperationalError) and "is full" in str(error):
            return True
        error = getattr(error, "orig", None) or error.__cause__ or error.__context__
    return False


def _fail(line: str, code: int) -> int:
    prefix, _, message = line.partition(": ")
    err.print(f"[bold red]{escape(prefix)}:[/] {escape(' '.join(message.split()))}", highlight=False,
              soft_wrap=True)
    return code


def _interrupted() -> int:
    from ratchet.cli.supervisor import announced_run_dir, saved_summary

    err.print(f"interrupted: {escape(saved_summary(announced_run_dir()))}; rerun the same command to resume",
              highlight=False, soft_wrap=True)
    return 130


def os_error_line(error: OSError) -> tuple[str, int]:
    """A file-system failure as one line: a full disk is a run failure (free space and rerun: every
    finished attempt is on disk), a path the user gave that cannot be written is a user error."""
    where = error.filename or "a file"
    reason = error.strerror or str(error)
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return (f"error: no space left on the device writing {where}: free some space and rerun the same "
                "command to resume (finished attempts are saved)", 1)
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOTDIR, errno.EEXIST, errno.EISDIR):
        return f"error: cannot write {where} ({reason}): choose a writable location", 2
    return f"error: {reason}: {where}", 1


def main(argv: list[str] | None = None) -> None:
    """The `ratchet` entry point. From the command line (no `argv`) the command runs in a supervised
    child process, so a native crash of the model runtime is reported in one line (see
    `ratchet.cli.supervisor`); called with `argv` (from Python) it runs in this process. Exits with
    the command's code unless that is 0."""
    if argv is not None:
        code = run(list(argv))
    else:
        from ratchet.cli.supervisor import supervised

        code = supervised(lambda: run(sys.argv[1:]))
    if code:
        sys.exit(code)


if __name__ == "__main__":
    main()
