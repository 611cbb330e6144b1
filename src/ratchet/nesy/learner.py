"""Learning NSR by rounds of deduction and abduction, with a curriculum over input length.

Each round: perceive and parse a batch (deduction), revise every tree whose result is wrong to
the cheapest tree that yields the label (abduction), then retrain each module on the revised
trees — programs from the (children values -> value) examples, the parser from the revised
structures, the perception model from the revised symbols. `fit` returns the learned artifact.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ratchet.nesy.abduction import Revision, abduce
from ratchet.nesy.data.example import Example
from ratchet.nesy.gss import Executor, Meaning
from ratchet.nesy.dsl import EMPTY, MISSING, Program
from ratchet.nesy.parser import PRUNE, Check, Parser, ParserConfig, all_trees
from ratchet.nesy.perception import Options, Perception
from ratchet.nesy.semantics import N_TYPES, learn_meanings, rival_programs, type_id
from ratchet.nesy.synthesis import SynthesisConfig


@dataclass(frozen=True)
class NsrConfig:
    """How NSR learns. Every field is recorded in the model and the run report."""

    rounds_per_stage: int = 3  # at most, per curriculum stage (input length)
    final_rounds: int = 3  # extra rounds on the whole training set
    batch_size: int = 1200  # examples per round
    beam: int = 8  # parses considered per example
    exhaustive_length: int = 4  # inputs this short also try every possible tree
    target_accuracy: float = 0.995  # a stage ends once deduction is this accurate on its batch
    replay: int = 300  # already-right trees the parser also sees each round (at least)
    swap_penalty: float = 10.0  # nats per SWAP while abducing: crossing arcs need evidence
    revision_weight: float = 100.0  # nats of parser log-probability one unit of revision outweighs
    reinduce_every: int = 3  # every this many rounds, search every symbol's program afresh (0: never)
    rival_sample: int = 200  # training inputs a rival program is tested on (deduction)
    seed: int = 0
    parser: ParserConfig = field(default_factory=ParserConfig)
    synthesis: SynthesisConfig = field(default_factory=SynthesisConfig)


@dataclass(frozen=True)
class RoundLog:
    """One round of learning, for the learning curves."""

    round: int
    stage: int  # longest input in the pool
    examples: int
    accuracy: float  # deduction correct before abduction
    abduced: float  # share of examples for which abduction found a revision
    programs: int  # symbols with a program
    seconds: float


@dataclass
class Learned:
    """The modules as learning leaves them (wrapped into an `NsrModel` by the caller)."""

    perception: Perception
    parser: Parser
    meanings: tuple[Meaning, ...]
    history: list[RoundLog]


Progress = Callable[[RoundLog], None]


def arity_check(symbols: Sequence[tuple[int, ...]], executor: Executor) -> Check:
    """Prune parses in which a symbol with a program gets children it cannot take."""

    def check(i: int, node: int, kids: tuple) -> object:
        inputs = tuple(v for v in kids if v is not EMPTY)
        program = executor.program(symbols[i][node])
        if program is None:
            return MISSING
        if program.arity != len(inputs):
            return PRUNE
        if any(v is MISSING for v in inputs):
            return MISSING
        value = executor.apply(symbols[i][node], inputs)
        return PRUNE if value is MISSING else value

    return check


def _candidates(parser: Parser, sentences: list[tuple], config: NsrConfig, check: Check | None = None) -> list[list[tuple[tuple, float]]]:
    """Beam parses (respecting known arities) plus, for short inputs, every other tree."""
    beams = parser.beam(sentences, config.beam, check, config.swap_penalty)
    extra: list[tuple[int, tuple]] = []
    for i, (syms, _) in enumerate(sentences):
        if 1 < len(syms) <= config.exhaustive_length:
            have = {h for h, _ in beams[i]}
            extra += [(i, h) for h in all_trees(len(syms)) if h not in have]
    scores = parser.score([(*sentences[i], h) for i, h in extra], config.swap_penalty)
    for (i, h), s in zip(extra, scores):
        beams[i].append((h, s))
    return [sorted(b, key=lambda c: -c[1]) for b in beams]


def _cheapest(syms: tuple[int, ...], target, candidates, executor: Executor, alts, weight: float) -> Revision | None:
    """Best-first over parses (most probable first): the smallest weighted revision cost."""
    best, best_total = None, math.inf
    for heads, logp in candidates:
        if -logp >= best_total:
            break
        rev = abduce(syms, heads, target, executor, alts)
        if rev is not None and weight * rev.cost - logp < best_total:
            best, best_total = rev, weight * rev.cost - logp
    return best


def deduce_and_abduce(
    symbols: list[tuple[int, ...]],
    options: list[Options] | None,
    targets: Sequence,
    parser: Parser,
    meanings: tuple[Meaning, ...],
    config: NsrConfig,
) -> tuple[list[Revision | None], list[bool]]:
    """For each example: was the parser's best tree right, and the cheapest revised tree.
    Only examples whose best parse is wrong get the wider search (beam and exhaustive trees)."""
    executor = Executor(meanings)
    types = [type_id(m) for m in meanings]
    sentences = [(s, tuple(types[x] for x in s)) for s in symbols]
    alts = [(lambda node, o=o: o[node]) if o is not None else None for o in (options or [None] * len(symbols))]
    revisions: list[Revision | None] = []
    for i, parses in enumerate(parser.beam(sentences, 1)):
        revisions.append(abduce(symbols[i], parses[0][0], targets[i], executor, alts[i]))
    correct = [r is not None and r.cost == 0.0 for r in revisions]
    wrong = [i for i, ok in enumerate(correct) if not ok]
    check = arity_check([symbols[i] for i in wrong], executor)
    wider = _candidates(parser, [sentences[i] for i in wrong], config, check) if wrong else []
    for i, candidates in zip(wrong, wider):
        revisions[i] = _cheapest(symbols[i], targets[i], candidates, executor, alts[i], config.revision_weight)
    return revisions, correct


def _learn_from(
    revisions: list[Revision | None],
    batch: Sequence[Example],
    learned: Learned,
    config: NsrConfig,
    round_no: int,
    symbols: list[tuple[int, ...]],
    options: list[Options] | None,
) -> None:
    found = [(ex, r) for ex, r in zip(batch, revisions) if r is not None]
    examples = [e for _, r in found for e in r.tree.examples()]
    reinduce = config.reinduce_every > 0 and round_no % config.reinduce_every == 0
    learned.meanings = learn_meanings(
        examples, learned.meanings, config.synthesis, seed=config.seed + round_no, reinduce=reinduce,
        min_support=learned.perception.min_support,
    )
    if reinduce:
        targets = [ex.target for ex in batch]
        learned.meanings = _test_rivals(examples, symbols, options, targets, learned, config, round_no)
    types = [type_id(m) for m in learned.meanings]
    # The parser learns from every revised tree and a replay sample of those it already got right.
    revised = [r for _, r in found if r.cost > 0]
    kept = [r for _, r in found if r.cost == 0]
    rng = random.Random(config.seed + round_no)
    replay = rng.sample(kept, min(len(kept), max(config.replay, len(revised))))
    learned.parser.fit([(r.tree.symbols, [types[s] for s in r.tree.symbols], r.tree.heads) for r in revised + replay])
    learned.perception.fit([ex for ex, _ in found], [r.tree.symbols for _, r in found])


def _test_rivals(
    examples: list[tuple[int, tuple, Any]],
    symbols: list[tuple[int, ...]],
    options: list[Options] | None,
    targets: list,
    learned: Learned,
    config: NsrConfig,
    round_no: int,
) -> tuple[Meaning, ...]:
    """For each symbol whose program explains under 98% of its examples, try rival programs
    (`rival_programs`) by deduction: on a sample of the batch's inputs that use the symbol, count
    those for which some candidate parse then yields the label exactly; a rival that solves more
    replaces the program. This is abduction at the level of a program rather than a value: a
    program contorted to fit the examples of two tree shapes (one of them a wrong parse) explains
    more examples than the right one, but solves fewer inputs."""
    rng = random.Random(config.seed + round_no)
    meanings = list(learned.meanings)
    for symbol, meaning in enumerate(meanings):
        if meaning.program is None or meaning.confidence >= 0.98:
            continue
        group = [(inputs, value) for s, inputs, value in examples if s == symbol]
        rivals = rival_programs(group, meaning.program, config.synthesis, seed=rng.randrange(1 << 30))
        using = [k for k, syms in enumerate(symbols) if symbol in syms]
        using = rng.sample(using, min(len(using), config.rival_sample))
        if not rivals or not using:
            continue
        inputs = [symbols[k] for k in using]
        opts = [options[k] for k in using] if options is not None else None
        labels = [targets[k] for k in using]

        def solved(program: Program) -> int:
            trial = tuple(meanings[:symbol] + [Meaning(program, meaning.confidence)] + meanings[symbol + 1 :])
            revisions, _ = deduce_and_abduce(inputs, opts, labels, learned.parser, trial, config)
            return sum(r is not None and r.cost == 0.0 for r in revisions)

        best, best_solved = meaning.program, solved(meaning.program)
        for rival in rivals:
            if (count := solved(rival)) > best_solved:
                best, best_solved = rival, count
        if best is not meaning.program:
            meanings[symbol] = Meaning(best, best_solved / len(using))
    return tuple(meanings)


def _batch(pool: list[Example], newest: list[Example], size: int, rng: random.Random) -> list[Example]:
    fresh = rng.sample(newest, min(len(newest), size // 2))
    rest = [e for e in pool if e not in set(fresh)] if len(pool) < 4 * size else pool
    return fresh + rng.sample(rest, min(len(rest), size - len(fresh)))


def run_round(batch: list[Example], learned: Learned, config: NsrConfig, round_no: int, stage: int) -> RoundLog:
    start = time.perf_counter()
    symbols, options = learned.perception.perceive(batch)
    revisions, correct = deduce_and_abduce(
        symbols, options, [ex.target for ex in batch], learned.parser, learned.meanings, config
    )
    if not all(correct):  # a solved batch has nothing to teach
        _learn_from(revisions, batch, learned, config, round_no, symbols, options)
    return RoundLog(
        round=round_no,
        stage=stage,
        examples=len(batch),
        accuracy=sum(correct) / max(len(correct), 1),
        abduced=sum(r is not None for r in revisions) / max(len(batch), 1),
        programs=sum(m.program is not None for m in learned.meanings),
        seconds=time.perf_counter() - start,
    )


def distinct(examples: Sequence[Example]) -> list[Example]:
    """Drop repeated symbolic examples; image examples are all distinct (their pixels differ)."""
    if examples and examples[0].images is not None:
        return list(examples)
    return list(dict.fromkeys(examples))


def fit(
    train: Sequence[Example],
    perception: Perception,
    config: NsrConfig = NsrConfig(),
    progress: Progress | None = None,
) -> Learned:
    """Learn perception, syntax and semantics from input/output pairs alone."""
    rng = random.Random(config.seed)
    unique = distinct(train)
    learned = Learned(
        perception=perception,
        parser=Parser(perception.n_symbols, N_TYPES, config.parser, seed=config.seed),
        meanings=tuple(Meaning() for _ in range(perception.n_symbols)),
        history=[],
    )
    lengths = sorted({len(ex.tokens) for ex in unique})
    schedule = [(n, config.rounds_per_stage) for n in lengths] + [(lengths[-1], config.final_rounds)]
    round_no = 0
    for stage, rounds in schedule:
        pool = [ex for ex in unique if len(ex.tokens) <= stage]
        newest = [ex for ex in pool if len(ex.tokens) == stage]
        for _ in range(rounds):
            round_no += 1
            log = run_round(_batch(pool, newest, config.batch_size, rng), learned, config, round_no, stage)
            learned.history.append(log)
            if progress:
                progress(log)
            if log.accuracy >= config.target_accuracy:
                break
    return learned
