"""`ratchet experience`: look into an experience store (ls, show, stats), move it (export, import)
and compare two databases (diff). STORE is a SQLite path or a postgresql:// URL."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

console = Console(soft_wrap=True)  # paths in messages stay whole
app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  help="Inspect, export, import and diff experience stores.")

StoreArg = Annotated[str, typer.Argument(help="store: a .sqlite path or postgresql:// URL")]
CollectionOpt = Annotated[Optional[str], typer.Option(help="one collection (default: all)")]


def _open(location: str, create: bool = False):  # noqa: ANN202
    from ratchet.experience import ExperienceStore

    return ExperienceStore.open(location, create=create)


@app.command("ls")
def ls_command(
    store: StoreArg,
    collection: CollectionOpt = None,
    suite: Annotated[Optional[str], typer.Option(help="only this suite")] = None,
    passed: Annotated[Optional[bool], typer.Option("--passed/--failed", help="only successes/failures")] = None,
    limit: Annotated[int, typer.Option(min=1, help="at most N rows (the latest)")] = 30,
) -> None:
    """List experiences, latest last."""
    with _open(store) as opened:
        rows = list(opened.iter(collection=collection, suite=suite, passed=passed))[-limit:]
    table = Table(title=f"{store} · {len(rows)} shown (`show ID` for provenance)")
    for name in ("seq", "id", "collection", "task", "ok", "iter", "tokens", "shown"):
        table.add_column(name, justify="right" if name in ("seq", "iter", "tokens", "shown") else "left",
                         no_wrap=name in ("id", "seq"))
    for e in rows:
        table.add_row(
            str(e.seq), e.id[:10], e.collection, f"{e.suite}/{e.task_id}", "✓" if e.passed else "✗",
            str(e.iteration), str(e.prompt_tokens + e.completion_tokens), str(len(e.exemplar_ids)),
        )
    console.print(table)


@app.command("show")
def show_command(
    store: StoreArg,
    experience: Annotated[str, typer.Argument(help="experience id (a unique prefix will do)")],
    collection: CollectionOpt = None,
) -> None:
    """Show one experience: its provenance, verdict and trajectory."""
    from ratchet.errors import UserError

    with _open(store) as opened:
        found = opened.get(experience, collection)
    if found is None:
        raise UserError(f"no experience '{experience}' in {store} (or the prefix is ambiguous)")
    data = found.to_json()
    for key in ("id", "collection", "suite", "task_id", "passed", "status", "score", "model", "strategy",
                "run", "iteration", "sample", "prompt_tokens", "completion_tokens", "seconds", "exemplar_ids"):
        console.print(f"[bold]{key}[/]: {escape(str(data[key]))}", highlight=False)
    for turn in found.trajectory:
        console.rule(turn.role)
        console.print(turn.content, highlight=False, markup=False)


@app.command("export")
def export_command(
    store: StoreArg,
    out: Annotated[Path, typer.Argument(help="JSONL file to write")],
    collection: CollectionOpt = None,
) -> None:
    """Export experiences as JSON lines."""
    with _open(store) as opened:
        count = opened.export_jsonl(out, collection)
    console.print(f"exported {count} experiences to {out}")


@app.command("import")
def import_command(
    store: StoreArg,
    source: Annotated[Path, typer.Argument(help="JSONL file from `ratchet experience export`")],
    collection: Annotated[Optional[str], typer.Option(help="put every line in this collection")] = None,
) -> None:
    """Import JSON lines into a store (created if absent); lines already there are skipped."""
    with _open(store, create=True) as opened:
        before = sum(c["experiences"] for c in opened.collections().values())
        count = opened.import_jsonl(source, collection)
        after = sum(c["experiences"] for c in opened.collections().values())
    console.print(f"read {count} lines from {source}: {after - before} new experiences")


@app.command("demos")
def demos_command(
    store: StoreArg,
    suite: Annotated[str, typer.Option(help="an environment suite with known solutions: sql, wordcraft, textworld")],
    tasks: Annotated[int, typer.Option(min=1, help="how many train tasks to demonstrate (the split's last ones)")] = 3,
) -> None:
    """Write the few initial examples an agent may start from: known solutions of train tasks,
    played by the ReAct agent and verified (use it with `ratchet improve --initial STORE`)."""
    from ratchet.learn.bootstrap.demos import write_demonstrations
    from ratchet.suites.registry import load_suite

    loaded = load_suite(suite)
    try:
        added = write_demonstrations(loaded, store, tasks)
    finally:
        getattr(loaded, "close", lambda: None)()
    console.print(f"{store}: {added} new demonstrations of {suite} train tasks (collection 'default')")


@app.command("stats")
def stats_command(store: StoreArg) -> None:
    """Per collection: experiences, successes, tasks solved."""
    with _open(store) as opened:
        collections = opened.collections()
    table = Table(title=str(store))
    for name in ("collection", "experiences", "successes", "tasks solved", "success rate"):
        table.add_column(name, justify="left" if name == "collection" else "right")
    for name, c in collections.items():
        rate = c["successes"] / c["experiences"] if c["experiences"] else 0.0
        table.add_row(name, str(c["experiences"]), str(c["successes"]), str(c["tasks_solved"]), f"{100 * rate:.1f}%")
    console.print(table)


@app.command("diff")
def diff_command(
    a: Annotated[str, typer.Argument(help="database A: STORE or STORE#collection")],
    b: Annotated[str, typer.Argument(help="database B: STORE or STORE#collection")],
) -> None:
    """Compare the successful trajectories of two databases."""
    from ratchet.experience import DatabaseRef, diff_databases, resolve_collection

    ref_a, ref_b = DatabaseRef.parse(a), DatabaseRef.parse(b)
    with _open(ref_a.location) as store_a, _open(ref_b.location) as store_b:
        diff = diff_databases(store_a, resolve_collection(store_a, ref_a.collection),
                              store_b, resolve_collection(store_b, ref_b.collection))
    console.print(f"successes: A {diff.successes[0]}, B {diff.successes[1]}, in both {diff.common}")
    console.print(f"only in A: {len(diff.only_a)} experiences, {len(diff.tasks_only_a)} solved tasks")
    console.print(f"only in B: {len(diff.only_b)} experiences, {len(diff.tasks_only_b)} solved tasks")
    for label, tasks in (("tasks only A solved", diff.tasks_only_a), ("tasks only B solved", diff.tasks_only_b)):
        if tasks:
            console.print(f"{label}: {', '.join(tasks[:20])}{' …' if len(tasks) > 20 else ''}", highlight=False)
