"""Top-k retrieval latency over 10k, 100k and 1M stored trajectories (synthetic texts).

    python benchmarks/retrieval_latency.py --sizes 10000,100000,1000000 --out /tmp/latency

The trajectories are synthetic: each task text is 20–60 words drawn from a Zipf distribution
over 20,000 made-up words (real task prompts have a similar long-tailed vocabulary), with a short
answer turn. They are written to a SQLite experience store through `ExperienceStore.add`, the
store grows from one size to the next, and at each size a fresh `StoreRetriever` reads, tokenises
and indexes everything (cold start), then answers --queries top-k queries, each excluding a random
task as `FewShotSolver` does. One more measure: the first query after appending 100 rows, which
pays the lazy BM25 re-index (tokenising is incremental, the bm25s matrix build is not).
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from datetime import date
from pathlib import Path

import numpy as np

from ratchet.core import Turn
from ratchet.experience import Experience, ExperienceStore, StoreRetriever


def make_vocabulary(size: int, rng: np.random.Generator) -> np.ndarray:
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    lengths = rng.integers(3, 10, size)
    return np.array(["".join(rng.choice(letters, n)) for n in lengths])


def synthetic_texts(count: int, vocab: np.ndarray, rng: np.random.Generator) -> list[str]:
    lengths = rng.integers(20, 61, count)
    ranks = np.minimum(rng.zipf(1.3, lengths.sum()), len(vocab)) - 1
    words = vocab[ranks]
    bounds = np.concatenate([[0], np.cumsum(lengths)])
    return [" ".join(words[bounds[i]:bounds[i + 1]]) for i in range(count)]


def grow_store(store: ExperienceStore, start: int, stop: int, vocab: np.ndarray, rng) -> float:
    began = time.perf_counter()
    for first in range(start, stop, 10_000):
        last = min(stop, first + 10_000)
        texts = synthetic_texts(last - first, vocab, rng)
        store.add(
            Experience(f"x{i}", "synthetic", f"task{i}", text,
                       (Turn("user", text), Turn("assistant", f"answer {i}")), passed=True, created=1.0)
            for i, text in zip(range(first, last), texts)
        )
    return time.perf_counter() - began


def measure(store: ExperienceStore, size: int, queries: list[str], k: int, rng) -> dict:
    retriever = StoreRetriever(store, suite="synthetic")
    began = time.perf_counter()
    retriever.refresh()
    load = time.perf_counter() - began
    began = time.perf_counter()
    retriever.retrieve(queries[0], k)  # builds the bm25s matrix
    build = time.perf_counter() - began
    latencies = []
    for query in queries:
        excluded = f"task{rng.integers(0, size)}"
        began = time.perf_counter()
        got = retriever.retrieve(query, k, exclude_task=excluded)
        latencies.append(time.perf_counter() - began)
        assert len(got) == k
    ms = np.array(latencies) * 1000
    return {"size": size, "read_and_tokenise_s": round(load, 1), "index_build_s": round(build, 1),
            "median_ms": round(float(np.median(ms)), 2), "p95_ms": round(float(np.percentile(ms, 95)), 2),
            "retriever": retriever}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("-k", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("/tmp/ratchet-latency"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    vocab = make_vocabulary(20_000, rng)
    queries = synthetic_texts(args.queries, vocab, rng)
    path = args.out / "store.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    rows, stored = [], 0
    with ExperienceStore.open(path) as store:
        for size in (int(s) for s in args.sizes.split(",")):
            insert = grow_store(store, stored, size, vocab, rng)
            stored = size
            row = measure(store, size, queries, args.k, rng)
            retriever = row.pop("retriever")
            grow_store(store, stored, stored + 100, vocab, rng)
            stored += 100
            began = time.perf_counter()
            retriever.retrieve(queries[1], args.k)
            row["first_query_after_100_more_s"] = round(time.perf_counter() - began, 2)
            row["insert_s"] = round(insert, 1)
            rows.append(row)
            print(json.dumps(row), flush=True)
            del retriever
    header = (f"{date.today()} · {platform.node()} · k={args.k} · {args.queries} queries · "
              "synthetic Zipf texts, 20–60 words")
    table = [header, "", "| stored | median top-k | p95 | cold read+tokenise | index build | "
             "first query after +100 rows | insert |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        table.append(f"| {r['size']:,} | {r['median_ms']} ms | {r['p95_ms']} ms | {r['read_and_tokenise_s']} s "
                     f"| {r['index_build_s']} s | {r['first_query_after_100_more_s']} s | {r['insert_s']} s |")
    text = "\n".join(table) + "\n"
    (args.out / "latency.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
