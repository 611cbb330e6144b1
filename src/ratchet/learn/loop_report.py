"""The report of a self-training run, built from its run directory alone (report.json, report.md,
report.png): accuracy per iteration on train (samples), dev (the gate) and test (read once at the
end), the gate's decisions with p-values, tokens, training seconds, and the collapse monitors."""

from __future__ import annotations

import json
from pathlib import Path

from ratchet.eval.intervals import mean_interval
from ratchet.eval.summary import token_split
from ratchet.learn.adapters import write_json_atomic
from ratchet.learn.gate import describe
from ratchet.learn.monitors import agreement_drift


def _read(path: Path) -> dict | None:
    return json.loads(path.read_text()) if path.exists() else None


def _mean(scores: dict[str, float] | None) -> float | None:
    return round(sum(scores.values()) / len(scores), 4) if scores else None


def _interval(scores: dict[str, float] | None) -> dict | None:
    """The 95% interval of a mean score (Wilson for pass/fail)."""
    return mean_interval(list(scores.values())).to_json() if scores else None


def _tokens(*summaries: dict | None, usage: dict | None = None) -> tuple[int, int]:
    """(generated, replayed) tokens of run summaries plus a data-generation `Usage` dict."""
    splits = [token_split(s) for s in summaries]
    usage = usage or {}
    replayed = usage.get("replayed_prompt_tokens", 0) + usage.get("replayed_completion_tokens", 0)
    splits.append((usage.get("prompt_tokens", 0) + usage.get("completion_tokens", 0) - replayed, replayed))
    return sum(g for g, _ in splits), sum(r for _, r in splits)


def build_report(run: Path) -> dict:
    run = Path(run)
    config = _read(run / "config.json") or {}
    test = _read(run / "test.json")
    base_dev = _read(run / "iter-00" / "dev" / "summary.json")
    rows = [{
        "iteration": 0, "label": "base",
        "dev": base_dev["pass_at_k"]["pass@1"] if base_dev else None,
        "dev_interval": base_dev.get("intervals", {}).get("pass@1") if base_dev else None,
        "test": _mean(test["scores"].get("base")) if test else None,
        "test_interval": _interval(test["scores"].get("base")) if test else None,
        **dict(zip(("tokens", "tokens_replayed"), _tokens(base_dev))),
    }]
    i = 1
    while (record := _read(run / f"iter-{i:02d}" / "gate.json")) is not None:
        label = f"iter-{i:02d}"
        train = _read(run / label / "train" / "summary.json")
        data = _read(run / label / "data-own.json") or {}
        decision = record["decision"]
        rows.append({
            "iteration": i, "label": label,
            "incumbent_before": record["incumbent_before"],
            "train_pass@1": train["pass_at_k"]["pass@1"] if train else None,
            "examples": record["data"]["examples"],
            "data_kinds": record["data"].get("kinds", {}),
            "train_seconds": record["training"].get("train_seconds"),
            "loss_first": record["training"].get("loss_first"),
            "loss_last": record["training"].get("loss_last"),
            "dev_incumbent": decision["incumbent_score"],
            "dev": decision["candidate_score"],
            "dev_interval": decision.get("candidate_interval"),
            "dev_difference": decision.get("difference"),  # candidate − incumbent, 95% interval
            "verdict": decision.get("verdict"),
            "tasks_needed": decision.get("tasks_needed"),  # for 80% power at the gate's level
            "gate": describe(decision),
            "p_value": decision["p_value"],
            "accepted": decision["accept"],
            "reason": decision["reason"],
            "dev_right_to_wrong": decision["incumbent_only"],
            "dev_wrong_to_right": decision["candidate_only"],
            "test": _mean(test["scores"].get(label)) if test else None,
            "test_interval": _interval(test["scores"].get(label)) if test else None,
            # generated tokens; those replayed from the response cache apart
            **dict(zip(("tokens", "tokens_replayed"),
                       _tokens(train, _read(run / label / "dev" / "summary.json"), usage=data.get("usage")))),
            "monitors": record["monitors"],
        })
        i += 1
    drift = agreement_drift([r["monitors"].get("judge_verifier_agreement") for r in rows[1:]])
    for row, value in zip(rows[1:], drift):
        if row["monitors"].get("judge_verifier_agreement") is not None:
            row["monitors"]["judge_agreement_drift"] = value
    report = {"config": config, "iterations": rows, "test_read": test is not None}
    if test:
        report["final_incumbent"] = test["final_incumbent"]
        report["final_vs_base_on_test"] = test.get("final_vs_base")
        tokens = _tokens(*(_read(p / "summary.json") for p in sorted((run / "test").iterdir())))
        report["test_tokens"], report["test_tokens_replayed"] = tokens
    return report


def write_report(run: Path) -> dict:
    report = build_report(run)
    write_json_atomic(Path(run) / "report.json", report)
    (Path(run) / "report.md").write_text(render_markdown(report))
    plot_report(report, Path(run) / "report.png")
    return report


def plot_report(report: dict, path: Path) -> Path:
    """Accuracy per iteration (train samples, each candidate and the incumbent on dev, test once
    read) beside the collapse monitors; accepted candidates are ringed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = report["iterations"]
    steps = [r["iteration"] for r in rows]
    fig, (acc, mon) = plt.subplots(1, 2, figsize=(10, 4), dpi=110)
    series = (("train pass@1 (samples)", "train_pass@1", "C0", ":"), ("dev: candidate", "dev", "C1", "-"),
              ("dev: incumbent", "dev_incumbent", "grey", "--"), ("test (read once)", "test", "C2", "-"))
    for label, key, color, style in series:
        points = [(r["iteration"], r[key]) for r in rows if r.get(key) is not None]
        if points:
            acc.plot(*zip(*points), marker="o", color=color, linestyle=style, label=label)
    accepted = [(r["iteration"], r["dev"]) for r in rows[1:] if r.get("accepted")]
    if accepted:
        acc.plot(*zip(*accepted), marker="o", markersize=13, markerfacecolor="none", color="C1",
                 linestyle="none", label="accepted by the gate")
    acc.set_xticks(steps, ["base" if i == 0 else str(i) for i in steps])
    acc.set_xlabel("iteration")
    acc.set_ylabel("pass@1")
    acc.set_ylim(-0.02, 1.02)
    acc.grid(alpha=0.3)
    acc.legend(fontsize=8)
    for label, key in (("distinct bigrams", "distinct_bigrams"), ("distinct completions", "distinct_completions"),
                       ("train right→wrong", "train_right_to_wrong_rate"), ("judge–verifier agreement", "judge_verifier_agreement")):
        points = [(r["iteration"], r["monitors"][key]) for r in rows[1:] if r["monitors"].get(key) is not None]
        if points:
            mon.plot(*zip(*points), marker="o", label=label)
    mon.set_xticks(steps[1:] or [1])
    mon.set_xlabel("iteration")
    mon.set_ylim(-0.02, 1.02)
    mon.set_title("collapse monitors", fontsize=10)
    mon.grid(alpha=0.3)
    if mon.lines:
        mon.legend(fontsize=8)
    config = report["config"]
    fig.suptitle(f"{config.get('method')} · {config.get('suite')} · {config.get('model')}", fontsize=11)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def _tokens_cell(row: dict) -> str:
    replayed = row.get("tokens_replayed", 0)
    return f"{row['tokens']:,}" + (f" ({replayed:,})" if replayed else "")


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}"


def percent_with_interval(value: float | None, interval: dict | None) -> str:
    """'52.0 [41.3, 62.5]' when the 95% interval is known."""
    if interval is None:
        return _pct(value)
    return f"{_pct(value)} [{_pct(interval['low'])}, {_pct(interval['high'])}]"


def render_markdown(report: dict) -> str:
    config = report["config"]
    lines = [
        f"# Self-training: {config.get('method')} on {config.get('suite')} with {config.get('model')}",
        "",
        f"restart from base: {config.get('restart')} · data: {config.get('data_mode')} · samples/task: "
        f"{config.get('samples')} · train/dev/test tasks: {config.get('train_limit')}/{config.get('dev_limit')}/"
        f"{config.get('test_limit')} · gate: {config.get('gate_test')} at {config.get('gate_level')}",
        "",
        "| iter | train pass@1 % | examples | train s | dev % [95%] (incumbent) | p | accepted | dev tasks for 80% power | test % [95%] | tokens (replayed) | diversity | train right→wrong | judge agreement |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in report["iterations"]:
        if row["iteration"] == 0:
            lines.append(f"| base | - | - | - | {percent_with_interval(row['dev'], row.get('dev_interval'))} | - | - | - | "
                         f"{percent_with_interval(row['test'], row.get('test_interval'))} | {_tokens_cell(row)} | - | - | - |")
            continue
        m = row["monitors"]
        agreement = m.get("judge_verifier_agreement")
        lines.append(
            f"| {row['iteration']} | {_pct(row['train_pass@1'])} | {row['examples']} | {row['train_seconds']} | "
            f"{percent_with_interval(row['dev'], row.get('dev_interval'))} ({_pct(row['dev_incumbent'])}) | {row['p_value']:.3g} | "
            f"{'yes' if row['accepted'] else 'no'} | {row.get('tasks_needed') or '-'} | "
            f"{percent_with_interval(row['test'], row.get('test_interval'))} | {_tokens_cell(row)} | {m.get('distinct_bigrams')} | "
            f"{m.get('train_right_to_wrong_rate', '-')} | {'-' if agreement is None else f'{agreement:.2f}'} |"
        )
    gates = [f"- iteration {row['iteration']}: {row['gate']}" for row in report["iterations"][1:] if row.get("gate")]
    if gates:
        lines += ["", "The gate on dev (candidate − incumbent):", "", *gates]
    if report.get("test_read"):
        lines += ["", f"Final incumbent: {report['final_incumbent']}."]
        versus = report.get("final_vs_base_on_test")
        if versus:
            lines.append(f"Final vs base on test: {_pct(versus['incumbent_score'])}% → {_pct(versus['candidate_score'])}%: "
                         f"{describe(versus, split='test')}.")
    else:
        lines += ["", "The test split has not been read yet."]
    return "\n".join(lines) + "\n"
