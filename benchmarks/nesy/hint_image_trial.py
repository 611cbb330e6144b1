"""A short NSR trial on the HINT image version (a diagnostic, not a benchmark figure).

    OMP_NUM_THREADS=1 python benchmarks/nesy/hint_image_trial.py --symbols 32 --max-train 1000

Prints every round, the learned program table and the accuracy on 300 seeded test inputs.
"""

from __future__ import annotations

import argparse
import json
import random

from ratchet.nesy import train
from ratchet.nesy.data import load_split
from ratchet.nesy.learner import NsrConfig


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", default="iid")
    parser.add_argument("--symbols", type=int, default=train.IMAGE_SYMBOLS, help="perception classes")
    parser.add_argument("--max-train", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    train.IMAGE_SYMBOLS = args.symbols  # read by train_nsr when it builds the perception model
    split = load_split("hint_image", args.split, args.seed)
    model = train.train_nsr(
        split, NsrConfig(seed=args.seed), lambda log: print(json.dumps(vars(log)), flush=True), max_train=args.max_train
    )
    for symbol, program, _ in model.program_table():
        print(symbol, program)
    test = random.Random(args.seed).sample(list(split.test), 300)
    print(f"test accuracy {model.evaluate(test).accuracy:.1%}, training {model.train_seconds:.0f} s")


if __name__ == "__main__":
    main()
