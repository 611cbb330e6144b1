"""The `toolcall` suite: a user request, a list of candidate functions, one JSON call as answer."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from ratchet.core import Message, Split, Status, SuiteBase, Task, Verdict, assign_splits
from ratchet.errors import UserError
from ratchet.suites.toolcall.calls import (
    call_difference,
    canonical_text,
    normalise_call,
    parse_call,
    schemas_by_name,
)
from ratchet.suites.toolcall.generate import STYLES, Instance, generate
from ratchet.suites.toolcall.library import FunctionSpec, signature

SYSTEM_PROMPT = (
    "You are a function-calling assistant. Choose the one function that fulfils the user's request "
    'and reply with exactly one JSON object of the form {"name": "<function name>", "arguments": '
    '{"<parameter>": <value>, ...}} and nothing else. Include only the arguments the request gives.'
)
HELD_OUT_DOMAINS = ("music", "smart_home")
HELD_OUT_STYLES = ("narrative",)


def candidate_prefix(name: str) -> str:
    """The start of an answer that calls `name`: what the margin gate scores per candidate."""
    return '{"name": "' + name + '"'


@dataclass(frozen=True)
class ToolCallPublic:
    """What a solver may use of a toolcall suite: the prompt and the call extraction, both built
    from the task's visible function schemas; no drawn request or gold call."""

    name: str = "toolcall"
    has_visible_checks = False

    def messages(self, task: Task) -> list[Message]:
        listing = "\n".join(f"- {signature(schema)}" for schema in task.visible["functions"])
        return [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": f"Functions:\n{listing}\n\nRequest: {task.prompt}"},
        ]

    def extract(self, task: Task, completion: str) -> str | None:
        """The call in canonical form (argument order, types and spellings normalised), as JSON."""
        call = parse_call(completion)
        if call is None:
            return None
        return canonical_text(normalise_call(call, schemas_by_name(task.visible["functions"])))

    def check_visible(self, task: Task, answer: str) -> Verdict | None:
        return None


class ToolCallSuite(SuiteBase):
    """Requests drawn from function schemas (built in: 60 functions in 10 domains; or a user's own,
    see `load_toolcall_file`).

    Splits shift on purpose: every request of a held-out domain, and every request in a held-out
    phrasing style, is a test task; the other requests are split by the shared hash rule
    (40/20/40). So train and dev never show those domains or that style, and test measures both
    the in-distribution accuracy and the shifted one (`shift_of`).
    """

    def __init__(
        self,
        functions: Sequence[FunctionSpec] | None = None,
        *,
        per_function: int = 20,
        seed: int = 0,
        held_out_domains: Sequence[str] | None = None,
        held_out_styles: Sequence[str] = HELD_OUT_STYLES,
        styles: Mapping[str, Sequence[str]] = STYLES,
        n_candidates: int = 4,
        name: str = "toolcall",
    ) -> None:
        super().__init__()
        if functions is None:
            from ratchet.suites.toolcall.domains_everyday import EVERYDAY
            from ratchet.suites.toolcall.domains_money import MONEY

            functions = EVERYDAY + MONEY
            held_out_domains = HELD_OUT_DOMAINS if held_out_domains is None else held_out_domains
        if per_function < 1:
            raise UserError(f"toolcall needs at least one request per function, got per_function={per_function}")
        if n_candidates < 1:
            raise UserError(f"toolcall needs at least one listed function, got n_candidates={n_candidates}")
        _check_unique(functions)
        unknown_styles = set(held_out_styles) - set(styles)
        if unknown_styles:
            raise UserError(f"held-out styles {sorted(unknown_styles)} are not styles; choose from {sorted(styles)}")
        self.name = name
        self.functions = tuple(functions)
        self.per_function = per_function
        self.seed = seed
        self.held_out_domains = tuple(held_out_domains or ())
        self.held_out_styles = tuple(held_out_styles)
        self.styles = styles
        self.n_candidates = n_candidates

    @cached_property
    def _schemas(self) -> dict[str, dict[str, Any]]:
        return {spec.name: spec.schema() for spec in self.functions}

    @cached_property
    def _instances(self) -> dict[str, Instance]:
        drawn = generate(self.functions, self.per_function, self.seed, self.styles, self.n_candidates)
        return {instance.id: instance for instance in drawn}

    @cached_property
    def _tasks(self) -> list[Task]:
        tasks = [self._task(instance) for instance in self._instances.values()]
        from ratchet.core.task import split_key

        # A hash order mixes domains and styles, so `--limit N` takes a fair sample of a split.
        return sorted(tasks, key=lambda task: split_key(self.name, task.id))

    def _task(self, instance: Instance) -> Task:
        functions = [self._schemas[name] for name in instance.candidates]
        return Task(
            id=instance.id,
            prompt=instance.request,
            visible={
                "functions": functions,
                "candidates": [candidate_prefix(name) for name in instance.candidates],
                "domain": instance.domain,
            },
            difficulty=len(instance.call["arguments"]),
        )

    def all_tasks(self) -> Sequence[Task]:
        return list(self._tasks)

    def split_of(self) -> dict[str, Split]:
        shifted = {task_id: Split.TEST for task_id in self._instances if self.shift_of_id(task_id) != "none"}
        rest = assign_splits(self.name, [task_id for task_id in self._instances if task_id not in shifted])
        return {**rest, **shifted}

    def shift_of(self, task: Task) -> str:
        """"domain" (a held-out domain), "phrasing" (a held-out style) or "none"."""
        return self.shift_of_id(task.id)

    def shift_of_id(self, task_id: str) -> str:
        instance = self._instance_by_id(task_id)
        if instance.domain in self.held_out_domains:
            return "domain"
        if instance.style in self.held_out_styles:
            return "phrasing"
        return "none"

    def make_public(self) -> ToolCallPublic:
        return ToolCallPublic(self.name)

    def verify(self, task: Task, completion: str) -> Verdict:
        started = time.perf_counter()
        call = parse_call(completion)
        if call is None:
            return Verdict.fail("no JSON function call found", Status.BAD_FORMAT, time.perf_counter() - started)
        schemas = schemas_by_name(task.visible["functions"])
        difference = call_difference(normalise_call(call, schemas), normalise_call(self.gold_call(task), schemas))
        if not difference:
            return Verdict.ok(seconds=time.perf_counter() - started)
        return Verdict.fail(difference, seconds=time.perf_counter() - started)

    def gold_call(self, task: Task) -> dict[str, Any]:
        """The hidden gold call (for the verifier, and for training code that needs gold)."""
        call = self._instance_by_id(task.id).call
        return {"name": call["name"], "arguments": dict(call["arguments"])}

    def reference_completion(self, task: Task) -> str:
        """The gold call written as the prompt asks for it (an SFT target)."""
        return json.dumps(self.gold_call(task), ensure_ascii=False)

    def describe_splits(self) -> dict[str, dict[str, int]]:
        """Task counts per split and shift, e.g. {"test": {"domain": 240, "phrasing": 160, ...}}."""
        splits = self.split_of()
        counts: dict[str, Counter] = {split.value: Counter() for split in Split}
        for task_id, split in splits.items():
            counts[split.value][self.shift_of_id(task_id)] += 1
        return {split: dict(counter) for split, counter in counts.items()}

    def _instance_by_id(self, task_id: str) -> Instance:
        try:
            return self._instances[task_id]
        except KeyError:
            raise UserError(f"task {task_id!r} is not in suite '{self.name}'; use a task from its tasks()") from None


def _check_unique(functions: Sequence[FunctionSpec]) -> None:
    if not functions:
        raise UserError("toolcall needs at least one function schema")
    repeated = [name for name, count in Counter(spec.name for spec in functions).items() if count > 1]
    if repeated:
        raise UserError(f"function names must be unique, repeated: {', '.join(sorted(repeated))}")
