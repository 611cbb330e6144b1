"""Generation throughput through Ratchet against the raw llama-cpp-python binding, same run.

The same greedy generations (HumanEval prompts) go through `llama_cpp.Llama.create_chat_completion`
directly and through Ratchet's `LlamaCppModel` (cache off), interleaved prompt by prompt so that
machine noise hits both alike. Prints tokens/s for each and the ratio Ratchet / raw.

    python benchmarks/throughput.py --model qwen2.5-coder-0.5b-instruct --prompts 8 --max-tokens 256
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from datetime import datetime, timezone


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="qwen2.5-coder-0.5b-instruct")
    parser.add_argument("--prompts", type=int, default=8)
    parser.add_argument("--max-tokens", type=int, default=256)
    args = parser.parse_args()

    from llama_cpp import Llama

    from ratchet.core import Split
    from ratchet.models import SamplingParams
    from ratchet.models.catalog import resolve_weights
    from ratchet.models.loading import load_model
    from ratchet.suites.humaneval import HumanEvalSuite

    suite = HumanEvalSuite()
    tasks = suite.tasks(Split.TEST)[: args.prompts]
    path = resolve_weights(args.model)
    ours = load_model(args.model, cache=False)
    raw = Llama(model_path=str(path), n_ctx=4096, n_threads=os.cpu_count(), verbose=False)
    params = SamplingParams(max_tokens=args.max_tokens)

    totals = {"raw": [0, 0.0], "ratchet": [0, 0.0]}
    for task in tasks:
        messages = suite.messages(task)
        start = time.perf_counter()
        response = raw.create_chat_completion(messages=messages, temperature=0.0, top_p=1.0,
                                              max_tokens=args.max_tokens, seed=0)
        totals["raw"][0] += response["usage"]["completion_tokens"]
        totals["raw"][1] += time.perf_counter() - start
        start = time.perf_counter()
        completion = ours.complete(messages, params)
        totals["ratchet"][0] += completion.usage.completion_tokens
        totals["ratchet"][1] += time.perf_counter() - start
    speed = {name: tokens / seconds for name, (tokens, seconds) in totals.items()}
    report = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "model": args.model,
        "prompts": len(tasks),
        "max_tokens": args.max_tokens,
        "raw_tokens_per_s": round(speed["raw"], 2),
        "ratchet_tokens_per_s": round(speed["ratchet"], 2),
        "ratio": round(speed["ratchet"] / speed["raw"], 3),
        "tokens": {name: t for name, (t, _) in totals.items()},
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
