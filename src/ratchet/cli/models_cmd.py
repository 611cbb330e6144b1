"""`ratchet models` and `ratchet suites`."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from ratchet.models.catalog import CATALOG, DEFAULT_MODEL, ratchet_home, status

console = Console()


def models_command() -> None:
    """List the named models: installed or not, size, sha256 status (joins the weights once)."""
    table = Table(title=f"Named models (weights cache: {ratchet_home() / 'models'})")
    for column in ("model", "installed", "size (MB)", "sha256", "licence / install"):
        table.add_column(column)
    for name, model in CATALOG.items():
        row = status(name)
        label = name + (" (default)" if name == DEFAULT_MODEL else "")
        last = model.licence if row["installed"] else row["install"]
        table.add_row(
            label,
            "yes" if row["installed"] else "no",
            "-" if row["size_mb"] is None else f"{row['size_mb']:.1f}",
            row["sha256"],
            last,
        )
    console.print(table)
    console.print("Any other GGUF works by path: --model path/to/model.gguf; "
                  "any OpenAI-compatible server with --base-url URL --model NAME.")


def suites_command() -> None:
    """List the built-in suites and their split sizes."""
    from ratchet.core import Split
    from ratchet.suites.registry import SUITES

    table = Table(title="Built-in suites (or --suite FILE.jsonl / FILE.py)")
    for column in ("suite", "train", "dev", "test"):
        table.add_column(column)
    for name, factory in SUITES.items():
        suite = factory()
        table.add_row(name, *(str(len(suite.tasks(split))) for split in Split))
    console.print(table)
