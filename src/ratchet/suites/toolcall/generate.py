"""Drawing requests: a function, a verb phrase, values, a phrasing style, and distractor functions.

A request is a verb phrase of its function ("get the {days}-day forecast for {city}") with values
written the way people write them ("March 5th, 2025", "3pm", "$1,250.50"), wrapped in a phrasing
style ("Could you {vp}?"). The prompt lists the function among distractors: two from its own
domain (same vocabulary, the hard part) and the rest from others. Everything is drawn from a
generator seeded by (seed, function, index), so an instance never changes when other functions
or counts change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from random import Random
from typing import Any

from ratchet.suites.toolcall.library import FunctionSpec, placeholders
from ratchet.suites.toolcall.values import draw_value, render_value

#: Phrasing styles: how a verb phrase `{vp}` becomes a request. "narrative" is held out of train
#: and dev (the phrasing shift of the test split).
STYLES: Mapping[str, tuple[str, ...]] = {
    "imperative": ("{Vp}.", "{Vp}, please.", "Please {vp}."),
    "question": ("Can you {vp}?", "Could you {vp}?", "Would you {vp} for me?"),
    "want": ("I need you to {vp}.", "I'd like you to {vp}.", "I want you to {vp}."),
    "terse": ("{vp}", "quick one: {vp}", "{vp} asap", "{vp} thx"),
    "narrative": (
        "So I'm sorting out the week, and one thing I need from you is to {vp}. Can you take care of that?",
        "My partner just reminded me about this, so {vp}; thanks a lot.",
        "Long day ahead! First thing on my list for you: {vp}.",
        "Before I forget, and this one matters: {vp}.",
    ),
}
DISTRACTORS_SAME_DOMAIN = 2


@dataclass(frozen=True)
class Instance:
    """One request with its hidden gold call and the functions its prompt lists."""

    id: str
    function: str
    domain: str
    style: str
    request: str
    call: Mapping[str, Any]  # {"name": ..., "arguments": {...}} in canonical form
    candidates: tuple[str, ...]  # names of the listed functions, gold included, in prompt order


def generate(
    functions: Sequence[FunctionSpec],
    per_function: int,
    seed: int,
    styles: Mapping[str, Sequence[str]] = STYLES,
    n_candidates: int = 4,
) -> list[Instance]:
    """`per_function` distinct requests for every function (fewer when its values cannot make
    that many distinct requests)."""
    by_domain: dict[str, list[str]] = {}
    for spec in functions:
        by_domain.setdefault(spec.domain, []).append(spec.name)
    names = [spec.name for spec in functions]
    instances = []
    for spec in functions:
        seen: set[str] = set()
        for k in range(per_function):
            rng = Random(f"toolcall/{seed}/{spec.name}/{k}")
            drawn = _draw_new(spec, rng, styles, seen)
            if drawn is None:
                continue
            style, request, arguments = drawn
            candidates = _candidates(spec, by_domain[spec.domain], names, n_candidates, rng)
            instances.append(Instance(f"toolcall/{spec.name}/{k}", spec.name, spec.domain, style, request,
                                      {"name": spec.name, "arguments": arguments}, candidates))
    return instances


def _draw_new(spec: FunctionSpec, rng: Random, styles: Mapping[str, Sequence[str]], seen: set[str]):
    for _ in range(50):
        style = rng.choice(sorted(styles))
        phrasing = rng.choice(spec.phrasings)
        properties = spec.parameters["properties"]
        keys = placeholders(phrasing)
        arguments = {key: draw_value(key, properties[key], rng) for key in keys}
        _order_dates(arguments, properties)
        surface = {key: render_value(arguments[key], properties[key], rng) for key in keys}
        phrase = phrasing.format(**surface)
        request = rng.choice(list(styles[style])).format(vp=phrase, Vp=phrase[:1].upper() + phrase[1:])
        if request not in seen:
            seen.add(request)
            return style, request, dict(sorted(arguments.items()))
    return None


def _order_dates(arguments: dict[str, Any], properties: Mapping[str, Any]) -> None:
    """Several dates in one call run forward in the order the schema declares them (a check-in
    comes before its check-out)."""
    keys = [key for key in properties if key in arguments and properties[key].get("format") == "date"]
    for key, value in zip(keys, sorted(arguments[key] for key in keys)):
        arguments[key] = value


def _candidates(spec: FunctionSpec, same_domain: Sequence[str], names: Sequence[str], n: int, rng: Random) -> tuple[str, ...]:
    near = [name for name in same_domain if name != spec.name]
    chosen = rng.sample(near, k=min(DISTRACTORS_SAME_DOMAIN, len(near), n - 1))
    far = [name for name in names if name != spec.name and name not in chosen and name not in same_domain]
    chosen += rng.sample(far, k=min(n - 1 - len(chosen), len(far)))
    if len(chosen) < n - 1:  # a small user library: fill from what is left
        rest = [name for name in names if name != spec.name and name not in chosen]
        chosen += rng.sample(rest, k=min(n - 1 - len(chosen), len(rest)))
    listed = [spec.name, *chosen]
    rng.shuffle(listed)
    return tuple(listed)
