"""Generation throughput of the batched local engine (xllamacpp), as ratios measured side by side.

Comparisons (`--only`), each alternating its two configurations round by round (A B, B A, ...) so that
load from other processes on a shared machine hits both alike; only the ratios are meant to be
read. Every response cache is off.

* overhead: the same greedy chat calls (HumanEval prompts) through Ratchet's `XLlamaModel.complete`
  and straight into the engine (`xllamacpp.Server.handle_chat_completions` with the identical
  request dict, on the same loaded model), one at a time, prompt reuse off so both do equal work;
* llama-cpp: the same for the default engine, `LlamaCppModel.complete` against the raw binding;
* slots: a 5-sample HumanEval run (`ratchet.eval.runner.evaluate`, temperature 0.8) on the same
  tasks with 4 slots and with 1: generated tokens per wall-clock second, verification included;
* distinct: 2 x --prompts greedy calls on different HumanEval prompts through one 4-slot engine,
  4 in flight against 1, prompt reuse off (batching alone);
* lora: greedy calls with a random rank-8 LoRA adapter (q and v of every block) against the base.

    python benchmarks/throughput.py --model smollm2-135m-instruct --rounds 4 --tasks 2
    python benchmarks/throughput.py --model qwen2.5-coder-0.5b-instruct --only slots,distinct --tasks 2 --max-tokens 48
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.integration.random_lora


def alternate(rounds: int, runs: dict) -> dict[str, list[tuple[int, float]]]:
    """{name: [(tokens, seconds) per round]}, the two runs swapping order every round."""
    names = list(runs)
    results: dict[str, list[tuple[int, float]]] = {name: [] for name in names}
    for name in names:  # untimed: one-time costs (the sandbox's fork server, first graphs)
        runs[name](warm=True)
    for number in range(rounds):
        for name in names if number % 2 == 0 else reversed(names):
            start = time.perf_counter()
            tokens = runs[name]()
            results[name].append((tokens, time.perf_counter() - start))
            print(f"  round {number + 1} {name}: {tokens} tokens in {results[name][-1][1]:.1f} s", flush=True)
    return results


def ratio(results: dict[str, list[tuple[int, float]]], top: str, bottom: str) -> dict:
    speed = {name: sum(t for t, _ in rows) / sum(s for _, s in rows) for name, rows in results.items()}
    per_round = [round((a[0] / a[1]) / (b[0] / b[1]), 3) for a, b in zip(results[top], results[bottom])]
    return {"tokens_per_s": {name: round(value, 2) for name, value in speed.items()},
            "ratio": round(speed[top] / speed[bottom], 3), "ratio_per_round": per_round}


def chosen(prompts: list, warm: bool) -> list:
    return prompts[:1] if warm else prompts


def greedy_calls(model, prompts, max_tokens: int):  # noqa: ANN001, ANN201
    from ratchet.models import SamplingParams

    params = SamplingParams(max_tokens=max_tokens)

    def ratchet(warm: bool = False) -> int:
        return sum(model.complete(messages, params).usage.completion_tokens for messages in chosen(prompts, warm))

    def raw(warm: bool = False) -> int:
        server = model._server  # the engine itself, the very request Ratchet sends
        return sum(server.handle_chat_completions(model.request(messages, params))["usage"]["completion_tokens"]
                   for messages in chosen(prompts, warm))

    return ratchet, raw


def llama_cpp_calls(path: Path, name: str, digest: str, prompts, max_tokens: int, threads: int):  # noqa: ANN001, ANN201
    """Ratchet's default engine (llama-cpp-python) against its raw binding: the same model
    object, Ratchet's `complete` vs `Llama.create_chat_completion` with the arguments it sends."""
    from ratchet.models import SamplingParams
    from ratchet.models.llamacpp import LlamaCppModel

    model = LlamaCppModel(path, name, digest, n_ctx=2048, n_threads=threads)
    params = SamplingParams(max_tokens=max_tokens)

    def ratchet(warm: bool = False) -> int:
        return sum(model.complete(messages, params).usage.completion_tokens for messages in chosen(prompts, warm))

    def raw(warm: bool = False) -> int:
        return sum(model._llama.create_chat_completion(
            messages=messages, temperature=0.0, top_p=1.0, top_k=params.top_k, min_p=params.min_p,
            repeat_penalty=params.repeat_penalty, max_tokens=max_tokens, seed=0)["usage"]["completion_tokens"]
            for messages in chosen(prompts, warm))

    return ratchet, raw


def distinct_calls(model, prompts, max_tokens: int, at_once: int):  # noqa: ANN001, ANN201
    """Greedy calls on different prompts, `at_once` in flight together (no shared prompt)."""
    from concurrent.futures import ThreadPoolExecutor

    from ratchet.models import SamplingParams

    params = SamplingParams(max_tokens=max_tokens)

    def run(warm: bool = False) -> int:
        with ThreadPoolExecutor(at_once) as pool:
            done = pool.map(lambda messages: model.complete(messages, params), chosen(prompts, warm))
            return sum(c.usage.completion_tokens for c in done)

    return run


def humaneval_run(model, suite, tasks: int, samples: int, max_tokens: int):  # noqa: ANN001, ANN201
    from ratchet.eval.config import EvalConfig
    from ratchet.eval.rundir import RunDir
    from ratchet.eval.runner import evaluate
    from ratchet.models import SamplingParams
    from ratchet.solvers.registry import make_solver

    params = SamplingParams(temperature=0.8, top_p=0.95, max_tokens=max_tokens)
    config = EvalConfig(suite="humaneval", model=model.name, samples=samples, k=(1,), params=params, limit=tasks)

    def run(warm: bool = False) -> int:
        from dataclasses import replace

        chosen = replace(config, samples=1, params=replace(params, max_tokens=8)) if warm else config
        with tempfile.TemporaryDirectory() as scratch:
            result = evaluate(chosen, suite, model, make_solver("sample"), RunDir(Path(scratch) / "run"))
        return sum(a.solution.usage.completion_tokens for a in result.attempts)

    return run


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="qwen2.5-coder-0.5b-instruct")
    parser.add_argument("--prompts", type=int, default=4, help="greedy calls per round (overhead, lora)")
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--tasks", type=int, default=1, help="HumanEval tasks of the 5-sample run")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--only", default="overhead,llama-cpp,slots,distinct,lora")
    args = parser.parse_args()

    from ratchet.core import Split
    from ratchet.models.catalog import CATALOG, resolve_weights
    from ratchet.models.xllama import XLlamaModel
    from ratchet.suites.humaneval import HumanEvalSuite
    from tests.integration.random_lora import write_random_lora

    suite = HumanEvalSuite()
    prompts = [suite.messages(task) for task in suite.tasks(Split.TEST)[: args.prompts]]
    path, digest = resolve_weights(args.model), CATALOG[args.model].sha256

    def engine(**kwargs) -> XLlamaModel:
        return XLlamaModel(path, args.model, digest, n_ctx=2048, n_threads=args.threads, **kwargs)

    report: dict = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start",
        "command": "python " + " ".join(sys.argv),
        "model": args.model, "threads": args.threads, "rounds": args.rounds, "max_tokens": args.max_tokens,
    }
    wanted = args.only.split(",")
    if "overhead" in wanted:
        print("overhead: Ratchet vs the raw engine", flush=True)
        ratchet, raw = greedy_calls(engine(slots=1, prompt_cache=False), prompts, args.max_tokens)
        report["overhead"] = ratio(alternate(args.rounds, {"ratchet": ratchet, "raw": raw}), "ratchet", "raw")
        report["overhead"]["calls_per_round"] = len(prompts)
    if "llama-cpp" in wanted:
        print("llama-cpp: Ratchet vs the raw llama-cpp-python binding", flush=True)
        ratchet, raw = llama_cpp_calls(path, args.model, digest, prompts, args.max_tokens, args.threads)
        report["llama_cpp_overhead"] = ratio(alternate(args.rounds, {"ratchet": ratchet, "raw": raw}), "ratchet", "raw")
    if "slots" in wanted:
        print("slots: a 5-sample HumanEval run, 4 slots vs 1", flush=True)
        runs = {f"{n} slots": humaneval_run(engine(slots=n), suite, args.tasks, 5, args.max_tokens) for n in (4, 1)}
        report["slots"] = ratio(alternate(args.rounds, runs), "4 slots", "1 slots")
        report["slots"]["attempts_per_round"] = 5 * args.tasks
    if "distinct" in wanted:
        print("distinct: different prompts, 4 at once on 4 slots vs one at a time", flush=True)
        many = [suite.messages(task) for task in suite.tasks(Split.TEST)[: 2 * args.prompts]]
        model = engine(slots=4, prompt_cache=False)
        runs = {f"{n} at once": distinct_calls(model, many, args.max_tokens, n) for n in (4, 1)}
        report["distinct"] = ratio(alternate(args.rounds, runs), "4 at once", "1 at once")
        report["distinct"]["calls_per_round"] = len(many)
    if "lora" in wanted:
        print("lora: a random rank-8 adapter vs the base model", flush=True)
        with tempfile.TemporaryDirectory() as scratch:
            adapter = write_random_lora(path, Path(scratch) / "lora.gguf", rank=8)
            adapted, _ = greedy_calls(engine(slots=1, adapter=adapter, prompt_cache=False), prompts, args.max_tokens)
            base, _ = greedy_calls(engine(slots=1, prompt_cache=False), prompts, args.max_tokens)
            report["lora"] = ratio(alternate(args.rounds, {"adapter": adapted, "base": base}), "adapter", "base")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
