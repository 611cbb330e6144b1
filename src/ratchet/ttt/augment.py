"""Self-data augmentation (card 4, step 2): for an uncertain input, a writer model composes `k`
similar inputs and answers them; an example is kept only when the writer's answers agree
(self-consistency).

1. Each new input is one rewrite of the input ("the same kind of request with different
   details"), drawn at temperature 0.9 with its own seed. Two fixed demonstrations, unrelated to
   any suite's data, show what a rewrite is: a 0.5B model asked for "k examples with answers" in
   one reply mostly copied the input k times, while one rewrite per call varies.
2. The writer answers each new input `checks` times (greedy, then samples); the example is kept
   when a strict majority of those answers agree (compared by the suite's extracted answer: a
   canonical call, a number), and its target is the first answer of that majority.

The writer is the model itself (TT-SI) or a stronger teacher (TT-D). A new input replaces the
task's prompt and keeps everything else the task shows (the listed functions of a toolcall
request), so it is asked exactly as the test input is.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace

from ratchet.core import Message, SolverView, Task, Turn, Usage
from ratchet.models.base import Completion, Model, SamplingParams
from ratchet.solvers.trace import inner_sample_params

REWRITER_SYSTEM = "You rewrite a user's {what} so that it asks for the same kind of thing with different details."
DEMONSTRATIONS = {
    "request": (
        ("Can you check the weather in Paris on 2025-04-02?", "Could you look up the weather in Nairobi on June 3rd, 2025?"),
        ("send 40 dollars to Tom for lunch", "please pay Maria $120.50 for the concert tickets"),
    ),
    "problem": (
        ("Tom has 3 boxes of 12 pencils and gives away 5 pencils. How many pencils does he have left?",
         "Ana packs 4 crates with 9 apples each and eats 2 of them. How many apples remain?"),
        ("A bus carries 30 people and 7 get off. How many people are still on the bus?",
         "A train has 120 seats and 45 are empty. How many seats are taken?"),
    ),
}
REWRITE_TEMPERATURE = 0.9
ANSWER_TEMPERATURE = 0.7


@dataclass(frozen=True)
class Augmentation:
    """What the writer produced for one input and what survived the filter."""

    kept: tuple[tuple[Task, str], ...]  # (new task, answer completion)
    written: int  # new inputs written
    dropped: dict[str, int] = field(default_factory=dict)  # reason -> count
    usage: Usage = field(default_factory=Usage)


def rewrite_prompt(task: Task) -> list[Message]:
    what = "request" if task.visible.get("functions") else "problem"
    messages: list[Message] = [{"role": "system", "content": REWRITER_SYSTEM.format(what=what)}]
    for original, rewritten in DEMONSTRATIONS[what]:
        messages += [{"role": "user", "content": f"{what.capitalize()}: {original}"},
                     {"role": "assistant", "content": rewritten}]
    messages.append({"role": "user", "content": f"{what.capitalize()}: {task.prompt}"})
    return messages


def first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0].strip('"“”') if lines else ""


def augment(
    task: Task,
    view: SolverView,
    writer: Model,
    params: SamplingParams,
    *,
    k: int,
    checks: int = 3,
) -> Augmentation:
    """`k` rewrites of `task` by `writer`, each kept with its answer when the writer's `checks`
    answers to it agree."""
    usage = Usage()
    dropped: Counter = Counter()
    kept: list[tuple[Task, str]] = []
    seen = {_squash(task.prompt)}
    prompt = rewrite_prompt(task)
    for index in range(k):
        call = inner_sample_params(replace(params, max_tokens=min(params.max_tokens, 128), logprobs=None),
                                   index, REWRITE_TEMPERATURE, 0.95)
        reply = writer.complete(prompt, call)
        usage = usage + reply.usage
        text = first_line(reply.text)
        if not text or _squash(text) in seen:
            dropped["empty or repeated input"] += 1
            continue
        seen.add(_squash(text))
        new = replace(task, id=f"{task.id}#aug{index}", prompt=text)
        target, cost = consistent_answer(new, view, writer, params, checks, index)
        usage = usage + cost
        if target is None:
            dropped["inconsistent answers"] += 1
        else:
            kept.append((new, target))
    return Augmentation(tuple(kept), k, dict(dropped), usage)


def consistent_answer(task: Task, view: SolverView, model: Model, params: SamplingParams,
                      checks: int, index: int) -> tuple[str | None, Usage]:
    """The first answer of a strict majority among `checks` answers (greedy, then samples), or
    None when no answer has one. Stops as soon as the vote is settled."""
    messages = view.messages(task)
    usage = Usage()
    answers: list[tuple[str | None, Completion]] = []
    for j in range(checks):
        call = (replace(params, temperature=0.0, top_p=1.0, logprobs=None) if j == 0
                else inner_sample_params(replace(params, logprobs=None), index * checks + j, ANSWER_TEMPERATURE, 0.95))
        completion = model.complete(messages, call)
        usage = usage + completion.usage
        answers.append((view.extract(task, completion.text), completion))
        counts = Counter(key for key, _ in answers if key is not None)
        leader, votes = counts.most_common(1)[0] if counts else (None, 0)
        if votes * 2 > checks:
            return next(c.text.strip() for key, c in answers if key == leader), usage
        if votes + (checks - j - 1) <= checks // 2:
            break  # no answer can reach a majority any more
    return None, usage


def sft_turns(task: Task, view: SolverView) -> tuple[Turn, ...]:
    return tuple(Turn(m["role"], m["content"]) for m in view.messages(task))


def _squash(text: str) -> str:
    return re.sub(r"\W+", " ", text).strip().casefold()

