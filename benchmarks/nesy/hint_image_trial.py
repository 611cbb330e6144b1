"""NSR on the HINT image version: train, score, and measure perception (a diagnostic).

    OMP_NUM_THREADS=1 python benchmarks/nesy/hint_image_trial.py --split iid

Prints every round, the learned program table, the dev accuracy and perception accuracy: the
share of dev images whose perceived symbol's program behaves as the drawn token (a digit's
constant; an operator's result on a few operand pairs; `(` EMPTY, `)` the identity). The tokens
drawn are read here only to score perception; training never sees them.

This is a development tool: it scores the dev set, so that choices made with it leave the test
set unread. `--on test` reads test instead (for a final figure, once); the output says which.
"""

from __future__ import annotations

import argparse
import json
import random
from collections import Counter
from collections.abc import Sequence

from ratchet.nesy import train
from ratchet.nesy.data import load_split
from ratchet.nesy.data.example import Example
from ratchet.nesy.data.hint import OPERATORS, apply_operator
from ratchet.nesy.dsl import EMPTY
from ratchet.nesy.learner import NsrConfig
from ratchet.nesy.model import NsrModel

PAIRS = ((7, 3), (9, 2), (5, 5), (8, 4))  # operands that tell + − × ÷ apart


def behaves_as(model: NsrModel, symbol: int, token: str) -> bool:
    program = model.meanings[symbol].program
    if program is None:
        return False
    try:
        if token.isdigit():
            return program.arity == 0 and program(()) == int(token)
        if token in OPERATORS:
            return program.arity == 2 and all(program((a, b)) == apply_operator(token, a, b) for a, b in PAIRS)
        if token == "(":
            return program.arity == 0 and program(()) is EMPTY
        return program.arity == 1 and all(program((v,)) == v for v in (3, 17))
    except Exception:  # a program that fails on these operands does not behave as the token
        return False


def perception_accuracy(model: NsrModel, examples: Sequence[Example]) -> dict[str, float]:
    symbols, _ = model._perception().perceive(examples)
    right, seen = Counter(), Counter()
    for ex, syms in zip(examples, symbols):
        for token, symbol in zip(ex.tokens, syms):
            kind = "digit" if token.isdigit() else "operator" if token in OPERATORS else "parenthesis"
            seen[kind] += 1
            right[kind] += behaves_as(model, symbol, token)
    return {kind: round(right[kind] / seen[kind], 4) for kind in sorted(seen)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", default="iid")
    parser.add_argument("--symbols", type=int, default=train.IMAGE_SYMBOLS, help="perception classes")
    parser.add_argument("--max-train", type=int, default=None)
    parser.add_argument("--on", choices=("dev", "test"), default="dev", help="the set to score (test: once, at the end)")
    parser.add_argument("--max-test", type=int, default=None, help="score a seeded sample of that set")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    split = load_split("hint_image", args.split, args.seed)
    model = train.train_nsr(
        split, NsrConfig(seed=args.seed), lambda log: print(json.dumps(vars(log)), flush=True), max_train=args.max_train,
        image_symbols=args.symbols,
    )
    for symbol, program, confidence in model.program_table():
        print(symbol, program, round(confidence, 3))
    scored = list(split.dev if args.on == "dev" else split.test)
    if args.max_test:
        scored = random.Random(args.seed).sample(scored, min(args.max_test, len(scored)))
    evaluation = model.evaluate(scored)
    result = {
        "split": args.split,
        "train": len(split.train),
        "scored": args.on,
        args.on: len(scored),
        "accuracy": round(evaluation.accuracy, 4),
        f"perception_{args.on}": perception_accuracy(model, scored),
        "perception_train": perception_accuracy(model, random.Random(args.seed).sample(list(split.train), 600)),
        "train_s": round(model.train_seconds, 1),
        "eval_s": round(evaluation.seconds, 1),
    }
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
