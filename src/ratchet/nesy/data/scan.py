"""SCAN (Lake & Baroni, 2018): the command grammar, its interpretation, and the standard splits.

Grammar (20,910 commands in all):
    C -> S and S | S after S | S
    S -> V twice | V thrice | V
    V -> D | U | U opposite DIR | U around DIR | turn opposite DIR | turn around DIR
    D -> U left | U right | turn left | turn right
    U -> walk | look | run | jump
The interpretation function maps a command to its action sequence (I_WALK, I_TURN_LEFT, ...).
"""

from __future__ import annotations

import random
from itertools import product

from ratchet.nesy.data.example import Example, Split

VERBS = ("walk", "look", "run", "jump")
DIRECTIONS = ("left", "right")
ACTION = {"walk": "I_WALK", "look": "I_LOOK", "run": "I_RUN", "jump": "I_JUMP"}
TURN = {"left": "I_TURN_LEFT", "right": "I_TURN_RIGHT"}
SPLITS = ("simple", "length", "addprim_jump", "addprim_turn_left", "around_right")
# The published add-primitive training files repeat the bare primitive this many times in all.
JUMP_COPIES = 1467
TURN_LEFT_COPIES = 2189
LENGTH_CUTOFF = 22  # length split: action sequences longer than this are test-only


def _verb_phrases() -> list[tuple[str, ...]]:
    phrases: list[tuple[str, ...]] = [(u,) for u in VERBS]
    for u, d in product((*VERBS, "turn"), DIRECTIONS):
        phrases.append((u, d))
    for u, mod, d in product((*VERBS, "turn"), ("opposite", "around"), DIRECTIONS):
        phrases.append((u, mod, d))
    return phrases


def all_commands() -> list[tuple[str, ...]]:
    """Every SCAN command, in a fixed order."""
    singles = [v + rep for v in _verb_phrases() for rep in ((), ("twice",), ("thrice",))]
    commands = list(singles)
    for conj in ("and", "after"):
        commands.extend(a + (conj,) + b for a in singles for b in singles)
    return commands


def _interpret_verb_phrase(words: tuple[str, ...]) -> tuple[str, ...]:
    verb = () if words[0] == "turn" else (ACTION[words[0]],)
    if len(words) == 1:
        return verb
    turn = (TURN[words[-1]],)
    if len(words) == 2:
        return turn + verb
    if words[1] == "opposite":
        return turn + turn + verb
    return (turn + verb) * 4  # around


def interpret(command: tuple[str, ...]) -> tuple[str, ...]:
    """The SCAN interpretation function [[command]] -> action sequence."""
    for conj in ("and", "after"):
        if conj in command:
            i = command.index(conj)
            first, second = interpret(command[:i]), interpret(command[i + 1 :])
            return first + second if conj == "and" else second + first
    times = {"twice": 2, "thrice": 3}.get(command[-1], 1)
    phrase = command[:-1] if times > 1 else command
    return _interpret_verb_phrase(phrase) * times


def _contains(command: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(command[i : i + n] == phrase for i in range(len(command) - n + 1))


def scan_split(name: str, seed: int = 0) -> Split:
    """One of the standard SCAN splits; `simple` is the seeded random 80/20 split."""
    examples = [Example(c, interpret(c)) for c in all_commands()]
    if name == "simple":
        shuffled = examples[:]
        random.Random(seed).shuffle(shuffled)
        cut = round(0.8 * len(shuffled))
        return Split("scan", name, tuple(shuffled[:cut]), tuple(shuffled[cut:]))
    if name == "length":
        train = [e for e in examples if len(e.target) <= LENGTH_CUTOFF]
        test = [e for e in examples if len(e.target) > LENGTH_CUTOFF]
        return Split("scan", name, tuple(train), tuple(test))
    if name in ("addprim_jump", "addprim_turn_left"):
        prim = ("jump",) if name == "addprim_jump" else ("turn", "left")
        copies = JUMP_COPIES if name == "addprim_jump" else TURN_LEFT_COPIES
        held = [e for e in examples if _contains(e.tokens, prim)]
        train = [e for e in examples if not _contains(e.tokens, prim)]
        train += [Example(prim, interpret(prim))] * copies
        test = [e for e in held if e.tokens != prim]
        return Split("scan", name, tuple(train), tuple(test))
    if name == "around_right":
        test = [e for e in examples if _contains(e.tokens, ("around", "right"))]
        train = [e for e in examples if not _contains(e.tokens, ("around", "right"))]
        return Split("scan", name, tuple(train), tuple(test))
    raise ValueError(name)
