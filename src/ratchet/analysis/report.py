"""Plots (PNG) and a self-contained HTML report of a comparison, drawn from compare.json alone."""

from __future__ import annotations

import base64
import html
from pathlib import Path

PLOTS = {
    "accuracy_vs_tokens.png": "Accuracy against tokens spent per task",
    "pass_at_t.png": "pass@t: tasks solved within a budget of t tokens",
    "transitions.png": "Round 1 → final answer: the four transitions",
}


def write_report(data: dict, directory: Path) -> list[Path]:
    """Write the PNG plots and report.html into `directory`; returns the files written."""
    directory = Path(directory)
    written = [plot_accuracy_vs_tokens(data, directory / "accuracy_vs_tokens.png"),
               plot_pass_at_t(data, directory / "pass_at_t.png"),
               plot_transitions(data, directory / "transitions.png")]
    report = directory / "report.html"
    report.write_text(render_html(data, directory))
    return [*written, report]


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_accuracy_vs_tokens(data: dict, path: Path) -> Path:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    colours = _colours(data)
    for row in data["rows"]:
        x, y = row["cost"]["tokens_per_task"], 100 * row["accuracy"]
        ax.scatter([x], [y], s=40, zorder=3, color=colours[row["strategy"]])
        if row.get("accuracy_interval"):  # the 95% interval as a vertical bar
            low, high = 100 * row["accuracy_interval"]["low"], 100 * row["accuracy_interval"]["high"]
            ax.errorbar([x], [y], yerr=[[y - low], [high - y]], color=colours[row["strategy"]], capsize=3, alpha=0.6)
        ax.annotate(row["strategy"], (x, y), textcoords="offset points", xytext=(5, 4), fontsize=8)
    for name, points in {**data["curves"]["vote"], **data["curves"]["resampling"]}.items():
        if points:
            xs, ys = zip(*points)
            ax.plot(xs, [100 * y for y in ys], marker=".", linestyle="--", color=colours.get(name, "black"),
                    label=f"{name}: after r samples" if name in colours else name)
    _log_tokens_axis(ax)
    ax.set_xlabel("tokens per task (prompt + completion, log scale)")
    ax.set_ylabel("pass@1 (%), bars: 95% interval")
    ax.set_title(_title(data))
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)
    return _save(fig, path)


def plot_pass_at_t(data: dict, path: Path) -> Path:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    colours = _colours(data)
    for name, points in data["curves"]["pass_at_t"].items():
        if points:
            xs, ys = zip(*[(points[0][0], 0.0), *points])
            ax.step(xs, [100 * y for y in ys], where="post", label=name, color=colours[name])
    for name, points in data["curves"]["resampling"].items():
        if points:
            xs, ys = zip(*points)
            ax.plot(xs, [100 * y for y in ys], marker="o", linestyle=":", color="black", label=name)
    _log_tokens_axis(ax)
    ax.set_xlabel("token budget t per task (log scale)")
    ax.set_ylabel("tasks solved within t tokens (%)")
    ax.set_title(_title(data))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return _save(fig, path)


def plot_transitions(data: dict, path: Path) -> Path:
    plt = _pyplot()
    rows = [row for row in data["rows"] if row["correction"]]
    fig, ax = plt.subplots(figsize=(7, 0.6 * max(len(rows), 1) + 1.5))
    parts = [("right_right", "right→right", "#4c9a2a"), ("wrong_right", "wrong→right", "#9bd37a"),
             ("right_wrong", "right→wrong", "#e07b39"), ("wrong_wrong", "wrong→wrong", "#b0b0b0")]
    for index, row in enumerate(rows):
        left = 0
        for key, label, colour in parts:
            value = row["correction"][key]
            ax.barh(index, value, left=left, color=colour, label=label if index == 0 else None)
            left += value
    ax.set_yticks(range(len(rows)), [row["strategy"] for row in rows])
    ax.set_xlabel("tasks")
    ax.set_title("round 1 → final answer" if rows else "no multi-round strategy in this comparison")
    if rows:
        ax.legend(fontsize=8, ncols=4, loc="upper center", bbox_to_anchor=(0.5, -0.25))
    return _save(fig, path)


def _log_tokens_axis(ax) -> None:
    """A log x axis labelled with plain token counts (200, 500, 1,000), no crowded minor labels."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    ax.set_xscale("log")
    ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))
    ax.xaxis.set_minor_formatter(NullFormatter())


def _colours(data: dict) -> dict[str, str]:
    """One colour per strategy, the same in every plot."""
    return {row["strategy"]: f"C{index % 10}" for index, row in enumerate(data["rows"])}


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    fig.clf()
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path


def _title(data: dict) -> str:
    limit = f", first {data['limit']} tasks" if data.get("limit") else ""
    return f"{data['suite']} {data['split']}{limit} · {data['model']}"


def _pct(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "—"
    return f"{100 * value:+.1f}" if signed else f"{100 * value:.1f}"


def _with_interval(value: float | None, interval: dict | None, signed: bool = False) -> str:
    """'52.0 [41.3, 62.5]' (percent) when the interval is known, else the bare value."""
    if interval is None:
        return _pct(value, signed)
    return f"{_pct(interval['estimate'], signed)} [{_pct(interval['low'], signed)}, {_pct(interval['high'], signed)}]"


def _vs_sample_cells(row: dict) -> list[str]:
    vs = row.get("vs_sample")
    if vs is None:  # the baseline itself, or an older compare.json
        return [_pct(row["delta_vs_sample"], signed=True), "—", "—"]
    return [_with_interval(row["delta_vs_sample"], vs["difference"], signed=True), f"{vs['p_value']:.2g}",
            vs["verdict"]]


def table_rows(data: dict) -> list[list[str]]:
    """The comparison table as text cells (shared by the terminal table and the HTML report)."""
    rows = []
    for row in data["rows"]:
        c = row["correction"] or {}
        cost = row["cost"]
        rows.append([
            row["strategy"], _with_interval(row["accuracy"], row.get("accuracy_interval")), *_vs_sample_cells(row),
            _pct(c.get("acc1")), str(c.get("right_wrong", "—")), str(c.get("wrong_right", "—")),
            _pct(c.get("cl")), _pct(c.get("cs")),
            f"{cost['tokens_per_task']:,.0f}", f"{cost['calls_per_task']:.1f}", f"{cost['seconds_per_task']:.1f}",
        ])
    return rows


HEADERS = ["strategy", "pass@1 % [95%]", "Δ vs sample [95%]", "p", "vs sample", "Acc1 %", "r→w", "w→r", "CL %", "CS %",
           "tokens/task", "calls/task", "s/task"]


def markdown_table(data: dict) -> str:
    """The comparison table in Markdown (for docs)."""
    lines = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    lines += ["| " + " | ".join(cells) + " |" for cells in table_rows(data)]
    return "\n".join(lines)


def render_html(data: dict, directory: Path) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in HEADERS)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>" for row in table_rows(data)
    )
    reasons = "".join(
        f"<tr><td>{html.escape(row['strategy'])}</td><td>"
        + html.escape(", ".join(f"{k} {v}" for k, v in row["stop_reasons"].items()))
        + "</td><td>" + html.escape(" → ".join(_pct(a) for a in row["accuracy_by_round"])) + "</td></tr>"
        for row in data["rows"]
    )
    images = ""
    for name, caption in PLOTS.items():
        path = directory / name
        if path.exists():
            encoded = base64.b64encode(path.read_bytes()).decode()
            images += f'<figure><img src="data:image/png;base64,{encoded}" alt="{caption}"><figcaption>{caption}</figcaption></figure>'
    params = html.escape(", ".join(f"{k}={v}" for k, v in data["params"].items()))
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>Ratchet comparison: {html.escape(_title(data))}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}}
table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #ccc;padding:4px 8px;text-align:right}}
td:first-child,th:first-child{{text-align:left}}figure{{margin:1.5em 0}}img{{max-width:100%}}
.note{{color:#555;font-size:90%}}</style></head><body>
<h1>Strategies on {html.escape(_title(data))}</h1>
<p class="note">sampling: {params}. Hidden tests score answers only; strategies see visible checks only.</p>
<table><tr>{head}</tr>{body}</table>
<p class="note">Acc1: accuracy of round 1; r→w, w→r: answers turned wrong / right between round 1 and the
final answer; CL = P(right after | right before), CS = P(right after | wrong before), so
pass@1 = Acc1·CL + (1 − Acc1)·CS. Intervals are 95%: Wilson for pass@1, Newcombe's paired interval
for Δ vs sample; p is McNemar's exact two-sided test on the tasks one strategy solves and the other
does not; "n too small to decide" means the interval of Δ holds 0. Tokens count replayed (cached) calls too; seconds of replayed calls
are estimated at the measured seconds per token.</p>
<h2>Why the loops stopped, and accuracy after each round</h2>
<table><tr><th>strategy</th><th>stop reasons</th><th>pass@1 % after round 1, 2, …</th></tr>{reasons}</table>
{images}
</body></html>
"""
