"""Drawing problem instances from the templates, deterministically from a seed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from random import Random

from ratchet.suites.gsm.template import Solved, Template
from ratchet.suites.gsm.templates import TEMPLATES


@dataclass(frozen=True)
class Instance:
    """One generated problem with its hidden gold answer and worked solution."""

    id: str
    template: str
    difficulty: int
    problem: str
    steps: tuple[str, ...]
    answer: int


def generate(n: int, seed: int, templates: Sequence[Template] = TEMPLATES) -> list[Instance]:
    """`n` distinct problems, dealt round-robin over the templates.

    Each template draws from its own generator, seeded by (seed, template name), so instance
    `gsm/<template>/<k>` is the same whatever `n` is, and adding a template changes no other
    template's instances. A repeated problem text is drawn again, so no problem appears twice
    (and none can sit in both train and test).
    """
    per_template = [n // len(templates) + (i < n % len(templates)) for i in range(len(templates))]
    instances = []
    for template, count in zip(templates, per_template, strict=True):
        rng = Random(f"gsm/{seed}/{template.name}")
        seen: set[str] = set()
        for k in range(count):
            solved = _draw_new(template, rng, seen)
            instances.append(_instance(template, k, solved))
    order = {template.name: i for i, template in enumerate(templates)}
    instances.sort(key=lambda inst: (int(inst.id.rsplit("/", 1)[1]), order[inst.template]))
    return instances


def _draw_new(template: Template, rng: Random, seen: set[str]) -> Solved:
    for _ in range(100):
        solved = template.draw(rng)
        if solved.problem not in seen:
            seen.add(solved.problem)
            return solved
    raise RuntimeError(f"template {template.name} keeps repeating problems; widen its ranges")


def _instance(template: Template, k: int, solved: Solved) -> Instance:
    return Instance(
        id=f"gsm/{template.name}/{k}",
        template=template.name,
        difficulty=template.difficulty,
        problem=solved.problem,
        steps=solved.steps,
        answer=solved.answer,
    )
