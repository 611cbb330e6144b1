"""The learned NSR artifact: perception weights, parser weights and the symbol → program table.

Saved as one file readable with `torch.load(weights_only=True)` (plain data and tensors only; the
programs are stored in their printed form and parsed back), printed by `ratchet nesy show`.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ratchet.errors import UserError
from ratchet.nesy.data.example import Example
from ratchet.nesy.dsl import MISSING, parse_program
from ratchet.nesy.gss import Executor, Meaning, execute
from ratchet.nesy.learner import Learned, NsrConfig, RoundLog, arity_check
from ratchet.nesy.parser import Parser, ParserConfig
from ratchet.nesy.perception import ImagePerception, TokenPerception
from ratchet.nesy.semantics import N_TYPES, type_id
from ratchet.nesy.synthesis import SynthesisConfig

FORMAT = "ratchet-nesy-model/1"
END = ","  # PCFG inputs get a closing separator so every letter reads the rest of its string


def nsr_inputs(dataset: str, examples: Sequence[Example]) -> list[Example]:
    """The token view NSR perceives. PCFG gains a final `,` (as in the NSR reference code), so a
    letter always heads the rest of its string and `,` ends it."""
    if dataset != "pcfg":
        return list(examples)
    return [dataclasses.replace(ex, tokens=ex.tokens + (END,)) for ex in examples]


def primitive_examples(dataset: str, train: Sequence[Example]) -> list[Example]:
    """Bare argument strings that evaluate to themselves, taken from the training inputs.

    PCFG SET never shows a letter on its own, so nothing would ground the letters' meanings
    (SCAN has bare `jump`, HINT bare digits). Like the NSR reference code, we add each training
    string (and its prefixes, and the empty string) as an identity example. Both NSR and the
    baseline train on them; no test input is read."""
    if dataset != "pcfg":
        return []
    from ratchet.nesy.data.pcfg import BINARY, UNARY

    runs: dict[tuple[str, ...], None] = {(): None}
    for ex in train:
        run: list[str] = []
        for tok in ex.tokens + (END,):
            if tok in UNARY or tok in BINARY or tok == END:
                for k in range(1, len(run) + 1):
                    runs.setdefault(tuple(run[:k]), None)
                run = []
            else:
                run.append(tok)
    return [Example(r, r) for r in runs]


@dataclass(frozen=True)
class Evaluation:
    accuracy: float
    correct: int
    total: int
    unknown_inputs: int  # test inputs with tokens the model never saw (counted wrong)
    seconds: float


@dataclass(frozen=True)
class NsrModel:
    dataset: str
    split: str
    symbol_names: tuple[str, ...]
    meanings: tuple[Meaning, ...]
    parser_state: dict
    perception_state: dict
    config: NsrConfig
    history: tuple[RoundLog, ...]
    train_seconds: float

    @classmethod
    def from_learned(cls, dataset: str, split: str, learned: Learned, config: NsrConfig, seconds: float) -> "NsrModel":
        return cls(
            dataset=dataset,
            split=split,
            symbol_names=tuple(learned.perception.names()),
            meanings=learned.meanings,
            parser_state=learned.parser.state_dict(),
            perception_state=learned.perception.state(),  # type: ignore[attr-defined]
            config=config,
            history=tuple(learned.history),
            train_seconds=seconds,
        )

    # ---- using the model ---------------------------------------------------------------

    def _perception(self) -> TokenPerception | ImagePerception:
        if self.perception_state["kind"] == "tokens":
            return TokenPerception(self.perception_state["vocabulary"])
        perception = ImagePerception(self.perception_state["n_symbols"])
        perception.net.load_state_dict(self.perception_state["net"])
        return perception

    def _parser(self) -> Parser:
        parser = Parser(len(self.meanings), N_TYPES, self.config.parser)
        parser.load_state_dict(self.parser_state)
        return parser

    def predict(self, examples: Sequence[Example], beam: int = 16) -> list[Any]:
        """Deduction: perceive, parse (the most probable tree that executes), execute. The beam
        keeps only trees in which every symbol gets as many children as its program takes (as
        during learning), so a long input is not lost to one early wrong attachment."""
        examples = nsr_inputs(self.dataset, examples)
        symbols, _ = self._perception().perceive(examples)
        types = [type_id(m) for m in self.meanings]
        executor = Executor(self.meanings)
        sentences = [(s, tuple(types[x] for x in s)) for s in symbols]
        parses = self._parser().beam(sentences, beam, arity_check(symbols, executor))
        out = []
        for syms, candidates in zip(symbols, parses):
            value = MISSING
            for heads, _ in candidates:
                tree = execute(syms, heads, executor)
                if tree.values[tree.root] is not MISSING:
                    value = tree.values[tree.root]
                    break
            out.append(value)
        return out

    def evaluate(self, examples: Sequence[Example], chunk: int = 2000) -> Evaluation:
        """Exact-match accuracy; inputs with unseen tokens count as wrong."""
        start = time.perf_counter()
        perception = self._perception()
        known = list(examples)
        if isinstance(perception, TokenPerception):
            known = [ex for ex in examples if not perception.unknown(nsr_inputs(self.dataset, [ex])[0].tokens)]
        correct = 0
        for i in range(0, len(known), chunk):
            part = known[i : i + chunk]
            correct += sum(p == ex.target for p, ex in zip(self.predict(part), part))
        total = len(examples)
        return Evaluation(correct / max(total, 1), correct, total, total - len(known), time.perf_counter() - start)

    def program_table(self) -> list[tuple[str, str, float]]:
        """(symbol, program, confidence) rows, for `ratchet nesy show`."""
        return [
            (name, "—" if m.program is None else str(m.program), m.confidence)
            for name, m in zip(self.symbol_names, self.meanings)
        ]

    # ---- saving and loading --------------------------------------------------------------

    def save(self, path: Path) -> None:
        import torch

        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save(
            {
                "format": FORMAT,
                "dataset": self.dataset,
                "split": self.split,
                "symbol_names": list(self.symbol_names),
                "programs": [None if m.program is None else str(m.program) for m in self.meanings],
                "confidences": [m.confidence for m in self.meanings],
                "parser": self.parser_state,
                "perception": self.perception_state,
                "config": dataclasses.asdict(self.config),
                "history": [dataclasses.asdict(h) for h in self.history],
                "train_seconds": self.train_seconds,
            },
            path,
        )

    @classmethod
    def load(cls, path: Path, expect_dataset: str | None = None) -> "NsrModel":
        import torch

        path = Path(path)
        if path.is_dir():
            path = path / "model.pt"
        if not path.exists():
            raise UserError(f"no NSR model at {path}; train one with `ratchet nesy train --out DIR`")
        try:
            raw = torch.load(path, weights_only=True)
        except Exception as exc:  # a foreign or damaged file
            raise UserError(f"{path} is not an NSR model ({type(exc).__name__}); train one with `ratchet nesy train`") from None
        if not isinstance(raw, dict) or raw.get("format") != FORMAT:
            raise UserError(f"{path} is not an NSR model ({FORMAT}); train one with `ratchet nesy train`")
        if expect_dataset is not None and raw["dataset"] != expect_dataset:
            raise UserError(
                f"{path} was trained on '{raw['dataset']}', not '{expect_dataset}'; "
                f"use --dataset {raw['dataset']} or train a model on {expect_dataset}"
            )
        cfg = raw["config"]
        config = NsrConfig(
            **{k: v for k, v in cfg.items() if k not in ("parser", "synthesis")},
            parser=ParserConfig(**cfg["parser"]),
            synthesis=SynthesisConfig(**cfg["synthesis"]),
        )
        meanings = tuple(
            Meaning(None if p is None else parse_program(p), c) for p, c in zip(raw["programs"], raw["confidences"])
        )
        return cls(
            dataset=raw["dataset"],
            split=raw["split"],
            symbol_names=tuple(raw["symbol_names"]),
            meanings=meanings,
            parser_state=raw["parser"],
            perception_state=raw["perception"],
            config=config,
            history=tuple(RoundLog(**h) for h in raw["history"]),
            train_seconds=raw["train_seconds"],
        )
