"""The Traj-Bootstrap report, made from result.json alone: a PNG of held-out success against
database size, and an HTML page with that figure and the before/after table."""

from __future__ import annotations

import html
import json
from pathlib import Path

from ratchet.eval.intervals import compare_paired, mean_interval
from ratchet.eval.rundir import RunDir
from ratchet.learn.gate import describe


def write_report(run_dir: Path) -> tuple[Path, Path]:
    """Write growth.png and report.html next to result.json; returns their paths."""
    run_dir = Path(run_dir)
    result = json.loads((run_dir / "result.json").read_text())
    png = plot_growth(result, run_dir / "growth.png")
    page = run_dir / "report.html"
    page.write_text(render_html(result, png.name, compare_on_test(run_dir)))
    return page, png


def compare_on_test(run_dir: Path) -> dict | None:
    """The test split's greedy evaluations of the base agent and of the saved database, from
    their logs: each pass@1 with its 95% interval, and the paired difference (Newcombe) with
    McNemar's exact two-sided p-value. None before the test split was read."""
    def scores(name: str) -> dict[str, float]:
        attempts = RunDir(Path(run_dir) / "evals" / name).load_attempts()
        return {a.task_id: float(a.passed) for a in attempts if a.sample == 0}

    base, final = scores("base-test"), scores("final-test")
    if not base:
        return None
    final = final or base  # no database was saved: the final agent is the base agent
    shared = sorted(set(base) & set(final))
    sampled = Path(run_dir) / "evals" / "base-test-sampled" / "summary.json"
    return {"sampled": json.loads(sampled.read_text()).get("intervals", {}) if sampled.exists() else {},
            "base": mean_interval(list(base.values())).to_json(),
            "final": mean_interval(list(final.values())).to_json(),
            "final_vs_base": compare_paired([final[t] for t in shared], [base[t] for t in shared]).to_json()}


def plot_growth(result: dict, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=110)
    base = result["base"]
    curve = result["curve"]
    for member in sorted({p["member"] for p in curve}):
        points = [p for p in curve if p["member"] == member]
        sizes = [0] + [p["db_size"] for p in points]
        which = f" (database {member})" if len({p['member'] for p in curve}) > 1 else ""
        ax.plot(sizes, [base["dev_pass@1"]] + [p["dev_pass@1"] for p in points], marker="o",
                color=f"C{member}", label=f"dev{which}")
        tested = [p for p in points if p["test_pass@1"] is not None]
        if tested:
            ax.plot([0] + [p["db_size"] for p in tested],
                    [base["test_pass@1"]] + [p["test_pass@1"] for p in tested],
                    marker="s", linestyle="--", color=f"C{member}", label=f"test{which}")
    final = result["final"]
    final_size = max((p["db_size"] for p in curve if p["member"] == final.get("member", 0)), default=0)
    ax.plot([0, final_size], [base["test_pass@1"], final["test_pass@1"]], marker="*", markersize=11,
            linestyle="none", color="black", label="test: base, then the saved database")
    sampled = base.get("test_sampled", {})
    for name, style in (("pass@2", ":"), ("pass@3", "-.")):
        if name in sampled:
            ax.axhline(sampled[name], color="grey", linestyle=style, label=f"base test {name}")
    ax.set_xlabel("successful trajectories in the database")
    ax.set_ylabel("held-out pass@1")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title(f"Traj-Bootstrap ({_variant(result)}) · {result['config']['suite']}")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def _variant(result: dict) -> str:
    curation = result["config"]["curation"]
    return "+".join(curation) if curation else "naive"


def _with_interval(value: float | None, interval: dict | None) -> str:
    if value is None:
        return "–"
    if interval is None:
        return f"{100 * value:.1f}%"
    return f"{100 * value:.1f}% [{100 * interval['low']:.1f}, {100 * interval['high']:.1f}]"


def before_after_rows(result: dict, tested: dict | None = None) -> list[tuple[str, str, str]]:
    """(metric, before, after) rows of the report's table, with 95% intervals where the gate's
    record (dev) or `tested` (compare_on_test: the test logs) has them."""
    base, final, decision = result["base"], result["final"], result["decision"]
    tested = tested or {}
    pct = lambda v: "–" if v is None else f"{100 * v:.1f}%"  # noqa: E731
    rows = [
        ("dev pass@1 (greedy) [95%]", _with_interval(base["dev_pass@1"], decision.get("incumbent_interval")),
         _with_interval(final["dev_pass@1"], decision.get("candidate_interval"))),
        ("test pass@1 (greedy) [95%]", _with_interval(base["test_pass@1"], tested.get("base")),
         _with_interval(final["test_pass@1"], tested.get("final"))),
    ]
    difference = tested.get("final_vs_base")
    if difference:
        d = difference["difference"]
        rows.append(("test: database − base [95%], p (McNemar)", "",
                     f"{100 * d['estimate']:+.1f} [{100 * d['low']:+.1f}, {100 * d['high']:+.1f}], "
                     f"p = {difference['p_value']:.2g}: {difference['verdict']}"))
    for name, value in base.get("test_sampled", {}).items():
        rows.append((f"base test {name} (sampled) [95%]", _with_interval(value, tested.get("sampled", {}).get(name)), ""))
    return rows


def test_read_line(result: dict) -> str:
    """How the run read the test split (older results recorded nothing: said so)."""
    reads = result.get("test_reads")
    if reads is None:
        return "Test split: this result predates the record of test reads."
    if result.get("test_seen"):
        early = sum(1 for r in reads if r["phase"] != "final")
        return (f"Test split: <b>seen</b> — read at {early} checkpoint(s) before the last decision "
                "(--curve-on-test), and again at the end.")
    return f"Test split: read once, at the end, after every decision ({len(reads)} evaluations)."


def render_html(result: dict, png_name: str, tested: dict | None = None) -> str:
    c, cost, decision = result["config"], result["cost"], result["decision"]
    rows = "".join(
        f"<tr><td>{html.escape(m)}</td><td>{html.escape(b)}</td><td>{html.escape(a)}</td></tr>"
        for m, b, a in before_after_rows(result, tested)
    )
    events = "".join(
        f"<li>segment {e['segment']}: database {e['worst']} ← copy of {e['best']}: "
        f"{html.escape(e['decision']['reason'])}</li>" for e in result["replacements"]
    ) or "<li>none</li>"
    curation = result.get("curation", {})
    kept = (f"<p>Exemplar curation kept {curation['kept']} of {curation['successes']} successful "
            f"trajectories.</p>" if "kept" in curation else "")
    return f"""<!doctype html><html><head><meta charset="utf-8">
<title>Traj-Bootstrap · {html.escape(c['suite'])}</title>
<style>body{{font-family:sans-serif;max-width:900px;margin:2em auto}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 10px;text-align:right}}td:first-child{{text-align:left}}</style>
</head><body>
<h1>Traj-Bootstrap ({html.escape(_variant(result))}) · {html.escape(c['suite'])} · {html.escape(c['model'])}</h1>
<img src="{html.escape(png_name)}" alt="held-out success against database size">
<h2>Before and after</h2>
<table><tr><th>metric</th><th>base agent</th><th>with the database</th></tr>{rows}</table>
<p>Gate on dev: <b>{'kept' if decision['kept'] else 'not kept'}</b> — {html.escape(decision['reason'])}.
{html.escape(describe(decision))}.</p>
<p>{test_read_line(result)}</p>
<h2>Cost of bootstrapping</h2>
<p>{cost['train_attempts']} train attempts ({cost['train_successes']} successes),
{cost['prompt_tokens'] + cost['completion_tokens'] - cost.get('replayed_tokens', 0):,} tokens generated
({cost.get('replayed_tokens', 0):,} more replayed from the response cache), phases (s): {html.escape(json.dumps(cost['phase_seconds']))}.</p>
{kept}
<h2>Database replacements (population-based curation)</h2><ul>{events}</ul>
<p>Database: <code>{html.escape(result['database'])}</code>; configuration:</p>
<pre>{html.escape(json.dumps(c, indent=2))}</pre>
</body></html>
"""
