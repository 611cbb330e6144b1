"""Traj-Bootstrap figures: base pass@1/2/3 against bootstrapped pass@1 (naive, +DB, +exemplar,
both) on the same test tasks, with the tokens and time spent bootstrapping.

    python benchmarks/traj_bootstrap.py --suites gsm,humaneval --train-limit 6 --dev-limit 4 \
        --test-limit 6 --out runs/bench-bootstrap

Each (suite, variant) is an ordinary resumable `ratchet improve` run directory under --out; the
base agent's evaluations are repeated in each but served from the response cache after the first.
A markdown table is printed and written to OUT/figures.md.
"""

from __future__ import annotations

import argparse
import json
import platform
from datetime import date
from pathlib import Path

from ratchet.learn.bootstrap import BootstrapConfig, traj_bootstrap
from ratchet.learn.bootstrap.demos import write_demonstrations
from ratchet.models import SamplingParams, load_model
from ratchet.suites import load_suite

VARIANTS = {"naive": (), "db": ("db",), "exemplar": ("exemplar",), "both": ("db", "exemplar")}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--suites", default="gsm,humaneval")
    parser.add_argument("--variants", default="naive,db,exemplar,both")
    parser.add_argument("--model", default="qwen2.5-coder-0.5b-instruct")
    parser.add_argument("--train-limit", type=int, default=6)
    parser.add_argument("--dev-limit", type=int, default=4)
    parser.add_argument("--test-limit", type=int, default=6)
    parser.add_argument("--iterations", type=int, default=1)
    parser.add_argument("--checkpoints", type=int, default=2)
    parser.add_argument("--population", type=int, default=2)
    parser.add_argument("--shots", type=int, default=2)
    parser.add_argument("--max-tokens", type=int, default=256, help="per model call (per step for react)")
    parser.add_argument("--solver", default="sample", help="the base agent: sample, or react for environment suites")
    parser.add_argument("--initial-demos", type=int, default=0,
                        help="start every agent from N demonstrations of train tasks (environment suites)")
    parser.add_argument("--table", action="store_true", help="only print the table of the finished runs under --out")
    parser.add_argument("--threads", type=int, default=None,
                        help="llama.cpp threads (default: every core; 1 on a shared machine)")
    parser.add_argument("--out", type=Path, default=Path("runs/bench-bootstrap"))
    return parser.parse_args()


def config_for(args: argparse.Namespace, suite: str, curation: tuple[str, ...],
               initial: str | None = None) -> BootstrapConfig:
    greedy = SamplingParams(max_tokens=args.max_tokens)
    return BootstrapConfig(
        suite=suite, model=args.model, curation=curation, iterations=args.iterations,
        solver=args.solver, initial=initial, shots=args.shots, train_limit=args.train_limit,
        dev_limit=args.dev_limit,
        test_limit=args.test_limit, checkpoints=args.checkpoints, curve_on_test=False,
        population=args.population, eval_params=greedy,
        train_params=SamplingParams(temperature=0.7, top_p=0.95, max_tokens=args.max_tokens),
        sampled_params=SamplingParams(temperature=0.8, top_p=0.95, max_tokens=args.max_tokens),
    )


def row(suite: str, variant: str, result: dict) -> str:
    """One table row from a run's result.json: base pass@k, the bootstrapped agent, the dev
    curve (database size: dev pass@1, best member), and what bootstrapping cost (grow + finalize)."""
    base, final, cost = result["base"], result["final"], result["cost"]
    sampled = base["test_sampled"]
    tokens = cost["prompt_tokens"] + cost["completion_tokens"]
    seconds = sum(v for k, v in cost.get("phase_seconds", {}).items() if k != "baseline")
    best: dict[int, dict] = {}
    for point in result["curve"]:
        if point["segment"] not in best or point["dev_pass@1"] > best[point["segment"]]["dev_pass@1"]:
            best[point["segment"]] = point
    curve = ", ".join(f"{p['db_size']}: {100 * p['dev_pass@1']:.0f}%" for _, p in sorted(best.items()))
    copied = sum(1 for r in result["replacements"] if r["decision"]["accept"])
    return (
        f"| {suite} | {variant} | {100 * base['test_pass@1']:.0f}% | {100 * sampled['pass@1']:.0f}% "
        f"| {100 * sampled.get('pass@2', 0):.0f}% | {100 * sampled.get('pass@3', 0):.0f}% "
        f"| **{100 * final['test_pass@1']:.0f}%** | {100 * base['dev_pass@1']:.0f}% → "
        f"{100 * final['dev_pass@1']:.0f}% | {curve} | {copied}/{len(result['replacements'])} "
        f"| {cost['train_successes']}/{cost['train_attempts']} | {tokens:,} | {seconds / 60:.1f} min "
        f"| {'kept' if result['decision']['kept'] else 'rejected'} (p={result['decision'].get('p_value', 1.0):.2f}) |"
    )


def settings_line(config: dict) -> str:
    """The runs' own settings (from a result.json), for a table printed after the fact."""
    return (f"{config['model']} · train {config['train_limit']}, dev {config['dev_limit']}, test {config['test_limit']}, "
            f"shots {config['shots']}, population {config['population']}, checkpoints {config['checkpoints']}, "
            f"max_tokens {config['eval_params']['max_tokens']}, solver {config['solver']}, "
            f"initial {'yes' if config.get('initial') else 'none'}")


def main() -> None:
    args = parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    lines = [
        f"{date.today()} · {platform.node()} · {args.model} · train {args.train_limit}, "
        f"dev {args.dev_limit}, test {args.test_limit}, shots {args.shots}, "
        f"population {args.population}, checkpoints {args.checkpoints}, max_tokens {args.max_tokens}, "
        f"solver {args.solver}, initial demonstrations {args.initial_demos}",
        "",
        "| suite | variant | base pass@1 (greedy) | base pass@1 (T=0.8) | pass@2 | pass@3 "
        "| bootstrapped pass@1 | dev | dev along the growth (db size: pass@1) | PBT copies / proposed "
        "| train successes | bootstrap tokens | bootstrap wall | gate |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    if args.table:  # only read the finished runs' result.json; the settings line is theirs too
        results = [(s, v, json.loads(path.read_text())) for s in args.suites.split(",") for v in args.variants.split(",")
                   if (path := args.out / f"{s}-{v}" / "result.json").exists()]
        if results:
            lines[0] = settings_line(results[0][2]["config"])
        lines += [row(*found) for found in results]
        print("\n".join(lines))
        return
    model = load_model(args.model, cache=True, n_threads=args.threads)
    for suite_name in args.suites.split(","):
        suite = load_suite(suite_name)
        initial = None
        if args.initial_demos:
            initial = str(args.out / f"{suite_name}-initial.sqlite")
            write_demonstrations(suite, initial, args.initial_demos)
        for variant in args.variants.split(","):
            config = config_for(args, suite_name, VARIANTS[variant], initial)
            result = traj_bootstrap(config, suite, model, args.out / f"{suite_name}-{variant}",
                                    progress=lambda phase, done, total: None)
            lines.append(row(suite_name, variant, result.to_json()))
            print(lines[-1], flush=True)
        close = getattr(suite, "close", None)
        if close:
            close()
    text = "\n".join(lines) + "\n"
    (args.out / "figures.md").write_text(text)
    (args.out / "args.json").write_text(json.dumps({k: str(v) for k, v in vars(args).items()}))
    print(text)


if __name__ == "__main__":
    main()
