"""`ratchet`: the command-line entry point. User mistakes print one line and exit 2."""

from __future__ import annotations

import sys

import typer
from rich.console import Console

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


def main(argv: list[str] | None = None) -> None:
    try:
        app(args=route(list(sys.argv[1:] if argv is None else argv)), standalone_mode=False)
    except UserError as error:
        err.print(f"[bold red]error:[/] {error}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except BackendError as error:
        kind = "retryable" if error.retryable else "not retryable"
        err.print(f"[bold red]backend error ({kind}):[/] {error}", highlight=False, soft_wrap=True)
        sys.exit(1)
    except KeyboardInterrupt:
        err.print("interrupted: rerun the same command to resume")
        sys.exit(130)
    except typer.Exit as exit_:
        sys.exit(exit_.exit_code)
    except Exception as error:
        # Usage errors (unknown option, missing value) arrive here in non-standalone mode, as
        # exceptions of whichever click typer bundles; recognise them by shape, not by class.
        if callable(getattr(error, "format_message", None)) and hasattr(error, "exit_code"):
            err.print(f"[bold red]error:[/] {error.format_message()}", highlight=False, soft_wrap=True)
            sys.exit(2)
        if type(error).__name__ == "Abort":
            sys.exit(130)
        raise


if __name__ == "__main__":
    main()
