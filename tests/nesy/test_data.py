"""The generators reproduce the published datasets' definitions and split statistics."""

from __future__ import annotations

import pytest

from ratchet.errors import UserError
from ratchet.nesy.data import check_dataset, load_split
from ratchet.nesy.data.hint import Expr, apply_operator, hint_image_split, hint_split
from ratchet.nesy.data.pcfg import BINARY, HELD_OUT_PAIRS, UNARY, pcfg_split
from ratchet.nesy.data.scan import all_commands, interpret, scan_split


def words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def test_scan_has_20910_distinct_commands() -> None:
    commands = all_commands()
    assert len(commands) == len(set(commands)) == 20_910


def test_scan_interpretation_follows_the_grammar() -> None:
    assert interpret(words("jump")) == ("I_JUMP",)
    assert interpret(words("turn left")) == ("I_TURN_LEFT",)
    assert interpret(words("walk opposite right")) == ("I_TURN_RIGHT", "I_TURN_RIGHT", "I_WALK")
    assert interpret(words("look around left")) == ("I_TURN_LEFT", "I_LOOK") * 4
    assert interpret(words("turn around right twice")) == ("I_TURN_RIGHT",) * 8
    assert interpret(words("run after walk thrice")) == ("I_WALK",) * 3 + ("I_RUN",)
    assert interpret(words("jump twice and turn opposite left")) == ("I_JUMP", "I_JUMP", "I_TURN_LEFT", "I_TURN_LEFT")
    assert max(len(interpret(c)) for c in all_commands()) == 48


@pytest.mark.parametrize(
    ("name", "n_train", "n_test"),
    [
        ("simple", 16_728, 4_182),
        ("length", 16_990, 3_920),
        ("addprim_jump", 14_670, 7_706),
        ("addprim_turn_left", 21_890, 1_208),
    ],
)
def test_scan_split_sizes_match_the_published_files(name: str, n_train: int, n_test: int) -> None:
    split = scan_split(name)
    assert (len(split.train), len(split.test)) == (n_train, n_test)


def test_scan_length_split_cuts_at_22_actions() -> None:
    split = scan_split("length")
    assert max(len(e.target) for e in split.train) == 22
    assert min(len(e.target) for e in split.test) > 22


def test_scan_jump_split_keeps_only_bare_jump_in_train() -> None:
    split = scan_split("addprim_jump")
    with_jump = {e.tokens for e in split.train if "jump" in e.tokens}
    assert with_jump == {("jump",)}
    assert all("jump" in e.tokens and e.tokens != ("jump",) for e in split.test)


def test_scan_turn_left_and_around_right_splits() -> None:
    turn = scan_split("addprim_turn_left")
    has = lambda toks, a, b: any(toks[i : i + 2] == (a, b) for i in range(len(toks) - 1))  # noqa: E731
    assert {e.tokens for e in turn.train if has(e.tokens, "turn", "left")} == {("turn", "left")}
    around = scan_split("around_right")
    assert len(around.train) == 15_225
    assert not any(has(e.tokens, "around", "right") for e in around.train)
    assert all(has(e.tokens, "around", "right") for e in around.test)


def test_scan_simple_is_seeded() -> None:
    assert scan_split("simple", 1).test == scan_split("simple", 1).test
    assert scan_split("simple", 1).test != scan_split("simple", 2).test


def test_pcfg_functions_match_their_definitions() -> None:
    x, y = words("A1 B1 C1 D1"), words("E1 F1")
    assert UNARY["reverse"](x) == words("D1 C1 B1 A1")
    assert UNARY["shift"](x) == words("B1 C1 D1 A1")
    assert UNARY["echo"](x) == words("A1 B1 C1 D1 D1")
    assert UNARY["swap_first_last"](x) == words("D1 B1 C1 A1")
    assert UNARY["repeat"](y) == words("E1 F1 E1 F1")
    assert BINARY["append"](x, y) == x + y and BINARY["prepend"](x, y) == y + x
    assert BINARY["remove_first"](x, y) == y and BINARY["remove_second"](x, y) == x


def test_pcfg_splits() -> None:
    syst = pcfg_split("systematicity", n_train=400, n_test=100)
    from ratchet.nesy.data.pcfg import Term  # noqa: F401  (inputs are re-parsed below)

    held = set(HELD_OUT_PAIRS)

    def pairs(tokens: tuple[str, ...]) -> set[tuple[str, str]]:
        fns = set(UNARY) | set(BINARY)
        return {(a, b) for a, b in zip(tokens, tokens[1:]) if a in fns and b in fns}

    # a function token followed directly by another is its first argument's head
    assert not any(pairs(e.tokens) & held for e in syst.train)
    prod = pcfg_split("productivity", n_train=300, n_test=100)
    count = lambda e: sum(t in UNARY or t in BINARY for t in e.tokens)  # noqa: E731
    assert max(map(count, prod.train)) <= 3 < min(map(count, prod.test))
    assert not {e.tokens for e in prod.train} & {e.tokens for e in prod.test}


def test_hint_evaluation_and_rendering() -> None:
    expr = Expr("×", left=Expr("+", left=Expr(None, 3), right=Expr(None, 4)), right=Expr(None, 5))
    assert expr.tokens() == words("( 3 + 4 ) × 5") and expr.values()[-1] == 35
    sub = Expr("−", left=Expr(None, 9), right=Expr("−", left=Expr(None, 5), right=Expr(None, 2)))
    assert sub.tokens() == words("9 − ( 5 − 2 )") and sub.values()[-1] == 6
    assert apply_operator("÷", 7, 2) == 4  # ceiling division, as in HINT


def test_hint_splits() -> None:
    iid = hint_split("iid", n_train=300, n_test=60)
    assert all(0 <= e.target <= 100 for e in iid.train + iid.test)
    length = hint_split("length", n_train=300, n_test=60)
    ops = lambda e: sum(t in "+−×÷" for t in e.tokens)  # noqa: E731
    assert max(map(ops, length.train)) <= 3 < min(map(ops, length.test))
    numbers = hint_split("numbers", n_train=300, n_test=60)
    assert max(e.target for e in numbers.train) <= 100 < min(e.target for e in numbers.test)


def test_hint_image_version_uses_digit_images() -> None:
    split = load_split("hint_image", "iid")
    ex = split.train[0]
    assert ex.images is not None and len(ex.images) == len(ex.tokens)
    assert all(img.shape == (8, 8) for img in ex.images)


def test_hint_image_training_set_draws_many_single_digits_deterministically() -> None:
    # The symbolic split holds ten single-digit expressions; the image version adds fresh draws of
    # them (new images, the result as the only label), the same ones for the same seed.
    symbolic = hint_split("iid", n_train=300, n_test=60)
    first, again = (hint_image_split("iid", n_train=300, n_test=60, digit_draws=200) for _ in range(2))
    assert first.train[:300] == symbolic.train and first.test == symbolic.test
    extra = first.train[300:]
    assert len(extra) == 200 and all(len(e.tokens) == 1 and e.target == int(e.tokens[0]) for e in extra)
    assert len({e.tokens for e in extra}) == 10  # every digit, many times
    assert [e.tokens for e in extra] == [e.tokens for e in again.train[300:]]
    assert all((a.images[0] == b.images[0]).all() for a, b in zip(extra, again.train[300:]))
    assert len({e.images[0].tobytes() for e in extra}) > 150  # mostly distinct handwriting


def test_unknown_dataset_or_split_suggests_the_fix() -> None:
    with pytest.raises(UserError, match="did you mean 'scan'"):
        check_dataset("scna")
    with pytest.raises(UserError, match="did you mean 'length'"):
        load_split("scan", "lenght")


@pytest.mark.parametrize(("dataset", "name"), [("hint", "iid"), ("hint", "length"), ("hint", "numbers"),
                                              ("pcfg", "systematicity"), ("pcfg", "productivity")])
def test_dev_is_drawn_as_test_is_apart_from_train_and_test(dataset: str, name: str) -> None:
    """The dev set (for every choice made while developing) is disjoint from train and test, from
    test's distribution, and drawn after both, so train and test are what they were without it."""
    make = hint_split if dataset == "hint" else pcfg_split
    split = make(name, n_train=300, n_test=100, n_dev=60)
    without = make(name, n_train=300, n_test=100, n_dev=0)
    assert (split.train, split.test) == (without.train, without.test) and without.dev == ()
    assert len(split.dev) == 60
    assert not {e.tokens for e in split.dev} & {e.tokens for e in split.train + split.test}
    if name == "length":
        ops = lambda e: sum(t in "+−×÷" for t in e.tokens)  # noqa: E731
        assert min(map(ops, split.dev)) >= 4
    if name == "numbers":
        assert min(e.target for e in split.dev) > 100
    if name == "productivity":
        count = lambda e: sum(t in UNARY or t in BINARY for t in e.tokens)  # noqa: E731
        assert min(map(count, split.dev)) >= 4


def test_hint_image_dev_reads_training_handwriting_and_leaves_test_images_unseen() -> None:
    from ratchet.nesy.data.hint import digit_pools

    split = hint_image_split("iid", n_train=300, n_test=60, digit_draws=50)
    train_pool, test_pool = digit_pools(0)
    train_images = {img.tobytes() for images in train_pool.values() for img in images}
    test_images = {img.tobytes() for images in test_pool.values() for img in images}
    digits = [img.tobytes() for e in split.dev for t, img in zip(e.tokens, e.images) if t.isdigit()]
    assert len(split.dev) == 300 and digits and set(digits) <= train_images and not set(digits) & test_images
    assert split.test == hint_image_split("iid", n_train=300, n_test=60, digit_draws=50).test


def test_scan_has_no_dev_split() -> None:
    assert scan_split("simple").dev == ()
