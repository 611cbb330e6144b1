"""`ratchet view RUNS`: browse a runs directory in a web browser (read-only, 127.0.0.1 only)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

console = Console()


def view_command(
    runs: Annotated[Path, typer.Argument(help="the directory that holds run directories (ratchet eval --runs)")] = Path("runs"),
    port: Annotated[int, typer.Option(min=0, max=65535, help="port on 127.0.0.1 (0: any free port)")] = 8000,
) -> None:
    """Serve a page over RUNS: runs side by side with 95% intervals, per-task attempts with
    verdicts and feedback, the tasks two runs disagree on, and an improvement run's gate
    decisions. It only reads the logs; stop it with Ctrl-C."""
    from ratchet.view import make_server

    server = make_server(runs, port)
    host, bound = server.server_address[:2]
    console.print(f"serving {runs} at http://{host}:{bound}/  (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        console.print("stopped")
    finally:
        server.server_close()
