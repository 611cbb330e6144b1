"""The run browser's HTML pages, rendered from the catalog. Everything that comes from a log
(model output, feedback, task ids, configuration) is untrusted: it goes through `esc` (or into a
URL through `link`), and the server forbids scripts besides, so a completion that holds markup
shows as text."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from html import escape
from urllib.parse import urlencode

from ratchet.core import Attempt
from ratchet.eval.intervals import compare_paired
from ratchet.learn.gate import describe
from ratchet.view.catalog import Catalog, EvalRun, ImproveRun, flips, load_attempts
from ratchet.view.svg import forest

MAX_ATTEMPTS = 2000  # per page; a long run is filtered (?show=failed) rather than scrolled

STYLE = """
body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;color:#1d2430;background:#f6f7f9}
header{background:#1d2a3a;color:#fff;padding:.8em 1.5em}header a{color:#fff;text-decoration:none;font-weight:600}
main{max-width:1250px;margin:1.2em auto;padding:0 1.5em}h1{font-size:1.35em}h2{font-size:1.12em;margin-top:1.8em}
table{border-collapse:collapse;background:#fff;margin:.6em 0;box-shadow:0 1px 2px #0001;width:100%}
th,td{border-bottom:1px solid #e3e6ea;padding:5px 9px;text-align:left;vertical-align:top;overflow-wrap:break-word}
td code,.wrap{overflow-wrap:anywhere}
table.fixed{table-layout:fixed}table.fixed th:first-child{width:14%}
th{background:#eef1f5;font-weight:600;font-size:.92em}td.num{text-align:right;white-space:nowrap}
a{color:#1f5fbf}pre{white-space:pre-wrap;word-break:break-word;background:#f3f4f6;padding:.6em;margin:.3em 0;
max-height:28em;overflow:auto;font-size:.88em}details summary{cursor:pointer;color:#1f5fbf}
.badge{display:inline-block;padding:1px 7px;border-radius:9px;font-size:.85em;font-weight:600}
.pass{background:#dcf3dc;color:#1d6b1d}.fail{background:#fbe0dd;color:#9b2418}.other{background:#fdf0cf;color:#7a5600}
.note{color:#5b6472;font-size:.9em}.card{background:#fff;padding:.8em 1em;box-shadow:0 1px 2px #0001;margin:.6em 0}
.forest .grid{stroke:#dde1e6}.forest .bar{stroke:#1f5fbf;stroke-width:3}.forest .dot{fill:#1d2a3a}
.forest text{font-size:12px;fill:#1d2430}.forest .plot-title{font-weight:600}.forest .tick{fill:#5b6472}
form select{max-width:32em}nav a{margin-right:1em}
"""


def esc(value: object) -> str:
    return escape(str(value), quote=True)


def link(path: str, text: str, **query: str) -> str:
    href = path + ("?" + urlencode(query) if query else "")
    return f'<a href="{esc(href)}">{esc(text)}</a>'


def page(title: str, body: str) -> str:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>'
            f'<meta name="viewport" content="width=device-width,initial-scale=1"><style>{STYLE}</style></head>'
            f'<body><header>{link("/", "Ratchet runs")} · {esc(title)}</header><main>{body}</main></body></html>')


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], numeric: Sequence[int] = (), fixed: bool = False) -> str:
    """`rows` hold HTML cells (already escaped); headers are escaped here. `fixed`: equal columns
    after the first (two runs side by side)."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>"
                                    for i, c in enumerate(row)) + "</tr>" for row in rows)
    opening = '<table class="fixed">' if fixed else "<table>"
    return f"{opening}<tr>{head}</tr>{body}</table>"


def interval_text(interval: dict | None, signed: bool = False) -> str:
    if not interval:
        return "—"
    if signed:
        return (f"{100 * interval['estimate']:+.1f} [{100 * interval['low']:+.1f}, "
                f"{100 * interval['high']:+.1f}]")
    return f"{100 * interval['estimate']:.1f}% [{100 * interval['low']:.1f}, {100 * interval['high']:.1f}]"


def badge(status: str, passed: bool) -> str:
    kind = "pass" if passed else ("fail" if status == "fail" else "other")
    return f'<span class="badge {kind}">{esc(status)}</span>'


# --- the index ---------------------------------------------------------------------------------


def index_page(catalog: Catalog) -> str:
    body = [f"<h1>Runs in {esc(catalog.root)}</h1>"]
    if not (catalog.evals or catalog.improvements or catalog.comparisons):
        body.append('<p class="note">No runs here yet: <code>ratchet eval --runs DIR</code> writes them.</p>')
    if catalog.evals:
        body += ["<h2>Evaluation runs</h2>", _eval_table(catalog.evals), _diff_form(catalog.evals),
                 forest([(run.name, run.pass_at_k["pass@1"]) for run in catalog.evals if "pass@1" in run.pass_at_k],
                        "pass@1 with its 95% interval")]
    if catalog.improvements:
        rows = [[link("/improve", run.name, name=run.name), esc(run.kind), esc(run.config.get("suite", "?")),
                 esc(run.config.get("model", "?")), str(len(run.decisions)),
                 str(sum(bool(d["decision"].get("accept")) for d in run.decisions))] for run in catalog.improvements]
        body += ["<h2>Improvement runs</h2>",
                 table(["run", "method", "suite", "model", "gate decisions", "accepted"], rows, numeric=(4, 5))]
    if catalog.comparisons:
        items = "".join(f"<li>{link('/comparison', name, name=name)}</li>" for name in catalog.comparisons)
        body += ["<h2>Comparisons</h2>", f"<ul>{items}</ul>"]
    return page("index", "".join(body))


def _eval_table(runs: Sequence[EvalRun]) -> str:
    rows = []
    for run in runs:
        c = run.config
        passes = "<br>".join(f"{esc(k)} {esc(interval_text(v))}" for k, v in run.pass_at_k.items())
        statuses = ", ".join(f"{k} {v}" for k, v in sorted(run.statuses.items()))
        wrap = lambda key: f'<span class="wrap">{esc(c.get(key, "?"))}</span>'  # noqa: E731
        rows.append([link("/run", run.name, name=run.name), wrap("model"), wrap("suite"), wrap("split"),
                     wrap("solver"), str(run.tasks), passes, esc(statuses)])
    return table(["run", "model", "suite", "split", "strategy", "n tasks", "pass@k [95%]", "verdicts"], rows,
                 numeric=(5, 6))


def _diff_form(runs: Sequence[EvalRun]) -> str:
    def options(selected: int) -> str:
        return "".join(f'<option value="{esc(run.name)}"{" selected" if i == selected else ""}>{esc(run.name)}</option>'
                       for i, run in enumerate(runs))

    return (f'<form action="/diff" method="get" class="card">Compare run <select name="a">{options(0)}</select> '
            f'with <select name="b">{options(min(1, len(runs) - 1))}</select> '
            f'<button type="submit">show flipped tasks</button></form>')


# --- one evaluation run ------------------------------------------------------------------------


def run_page(run: EvalRun, show: str = "all") -> str:
    attempts = load_attempts(run)
    chosen = [a for a in attempts if show == "all" or (show == "failed") != a.passed]
    body = [f"<h1>{esc(run.name)}</h1>",
            table(["metric", "estimate [95% interval]", "method", "n"],
                  [[esc(k), esc(interval_text(v)), esc(v.get("method", "")), str(v.get("n", ""))]
                   for k, v in run.pass_at_k.items()], numeric=(1, 3)),
            "<nav>Show: " + " ".join(link("/run", label, name=run.name, show=value)
                                     for value, label in (("all", "all"), ("failed", "failed"), ("passed", "passed")))
            + "</nav>",
            _attempts_table(chosen[:MAX_ATTEMPTS])]
    if len(chosen) > MAX_ATTEMPTS:
        body.append(f'<p class="note">first {MAX_ATTEMPTS} of {len(chosen)} attempts shown.</p>')
    body.append(f"<h2>Configuration</h2><pre>{esc(json.dumps(run.config, indent=2))}</pre>")
    return page(run.name, "".join(body))


def _attempts_table(attempts: Sequence[Attempt]) -> str:
    rows = []
    for a in attempts:
        feedback = a.verdict.feedback
        rows.append([esc(a.task_id), str(a.sample), badge(a.verdict.status.value, a.passed), f"{a.verdict.score:g}",
                     f"<code>{esc(_answer(a))}</code>",
                     f"<details><summary>feedback</summary><pre>{esc(feedback)}</pre></details>" if feedback else "",
                     f"<details><summary>completion ({a.solution.rounds} round(s), {a.solution.usage.total_tokens} "
                     f"tokens)</summary><pre>{esc(a.solution.completion)}</pre></details>"])
    return table(["task", "sample", "verdict", "score", "answer", "feedback", "model output"], rows, numeric=(1, 3))


# --- two runs: which tasks flipped -------------------------------------------------------------


def diff_page(first: EvalRun, second: EvalRun) -> str:
    a, b = load_attempts(first), load_attempts(second)
    groups = flips(a, b)
    by_task = lambda attempts: {t.task_id: t for t in attempts if t.sample == 0}  # noqa: E731
    a_first, b_first = by_task(a), by_task(b)
    shared = groups["fixed"] + groups["broken"] + groups["both"] + groups["neither"]
    paired = compare_paired([float(b_first[t].passed) for t in shared], [float(a_first[t].passed) for t in shared])
    summary = (f"<div class='card'><b>{esc(second.name)}</b> − <b>{esc(first.name)}</b> on {len(shared)} shared "
               f"tasks: pass@1 difference {esc(interval_text(paired.difference.to_json(), signed=True))} points "
               f"(95%, {esc(paired.difference.method)}), McNemar exact p = {paired.p_value:.3g}: "
               f"<b>{esc(paired.verdict)}</b>. Fixed {len(groups['fixed'])}, broken {len(groups['broken'])}, "
               f"both pass {len(groups['both'])}, both fail {len(groups['neither'])}.</div>")
    body = [f"<h1>{esc(first.name)} → {esc(second.name)}</h1>", summary,
            forest([(first.name, first.pass_at_k.get("pass@1")), (second.name, second.pass_at_k.get("pass@1"))],
                   "pass@1 with its 95% interval") if "pass@1" in first.pass_at_k and "pass@1" in second.pass_at_k
            else ""]
    for key, title in (("fixed", "Fixed (fail → pass)"), ("broken", "Broken (pass → fail)")):
        rows = [[esc(t), _outcome(a_first[t]), _outcome(b_first[t])] for t in groups[key]]
        body.append(f"<h2>{esc(title)}: {len(rows)}</h2>" + (table(["task", first.name, second.name], rows, fixed=True)
                                                               if rows else "<p class='note'>none</p>"))
    if groups["only_first"] or groups["only_second"]:
        body.append(f"<p class='note'>tasks in one run only: {len(groups['only_first'])} and "
                    f"{len(groups['only_second'])}.</p>")
    return page("diff", "".join(body))


def _outcome(attempt: Attempt) -> str:
    feedback = f"<pre>{esc(attempt.verdict.feedback)}</pre>" if attempt.verdict.feedback else ""
    return (f"{badge(attempt.verdict.status.value, attempt.passed)} <code>{esc(_answer(attempt))}</code>"
            f"<details><summary>output</summary><pre>{esc(attempt.solution.completion)}</pre>{feedback}</details>")


def _answer(attempt: Attempt) -> str:
    return "—" if attempt.solution.answer is None else attempt.solution.answer


# --- an improvement run: the gate's decisions --------------------------------------------------


def improve_page(run: ImproveRun) -> str:
    rows, differences = [], []
    for entry in run.decisions:
        d = entry["decision"]
        rows.append([esc(entry["step"]), esc(interval_text(d.get("incumbent_interval")) if d.get("incumbent_interval")
                                             else _pct(d.get("incumbent_score"))),
                     esc(interval_text(d.get("candidate_interval")) if d.get("candidate_interval")
                         else _pct(d.get("candidate_score"))),
                     esc(interval_text(d.get("difference"), signed=True)), esc(f"{d.get('p_value', float('nan')):.3g}"),
                     "yes" if d.get("accept") else "no", esc(d.get("verdict", "")), esc(d.get("tasks_needed") or "—"),
                     esc(d.get("reason", ""))])
        if d.get("difference"):
            differences.append((entry["step"], d["difference"]))
    body = [f"<h1>{esc(run.name)} ({esc(run.kind)})</h1>",
            "<h2>The gate's decisions</h2>",
            table(["step", "incumbent [95%]", "candidate [95%]", "Δ points [95%]", "p", "accepted", "verdict",
                   "tasks for 80% power", "reason"], rows, numeric=(1, 2, 3, 4, 7)),
            "".join(f"<p class='note'>{esc(entry['step'])}: {esc(describe(entry['decision'], entry['split']))}</p>"
                    for entry in run.decisions if "p_value" in entry["decision"]),
            forest(differences, "candidate − incumbent (points), 95% interval", signed=True)]
    for name in run.plots:
        src = "/png?" + urlencode({"name": run.name, "file": name})
        body.append(f'<figure><img src="{esc(src)}" alt="{esc(name)}" style="max-width:100%"></figure>')
    body.append(f"<h2>Configuration</h2><pre>{esc(json.dumps(run.config, indent=2))}</pre>")
    return page(run.name, "".join(body))


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def comparison_page(name: str, data: dict) -> str:
    from ratchet.analysis.report import HEADERS, table_rows

    rows = [[esc(cell) for cell in row] for row in table_rows(data)]
    return page(name, f"<h1>{esc(name)}</h1>" + table(HEADERS, rows, numeric=tuple(range(1, len(HEADERS))))
                + forest([(r["strategy"], r["accuracy_interval"]) for r in data["rows"] if r.get("accuracy_interval")],
                         "pass@1 with its 95% interval"))


def not_found(what: str) -> str:
    return page("not found", f"<h1>Not found</h1><p>{esc(what)}</p>")
