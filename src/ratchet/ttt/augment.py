"""Self-data augmentation (card 4, step 2): a writer model composes K inputs like an uncertain
test input, each with its answer; the writer then answers each new input again, and an example
is kept only when those answers agree with the one it wrote (self-consistency).

The writer is the model itself (TT-SI) or a stronger teacher (TT-D). A new input replaces the
task's prompt and keeps the rest of what the task shows (the listed functions of a toolcall
request, for example), so it is asked exactly as the test input is. Answers are compared by the
suite's extracted answer (a canonical call, a number), never by text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from ratchet.core import Solution, SolverView, Task, Turn, Usage
from ratchet.models.base import Model, SamplingParams
from ratchet.solvers.trace import inner_sample_params

_BLOCK = re.compile(r"^\s*(?:\d+[.)]\s*)?\**\s*(input|output)\s*\**\s*:\s*\**\s*", re.IGNORECASE | re.MULTILINE)
WRITER_SYSTEM = "You write practice examples for a task. You follow the requested format exactly."
WRITER_REQUEST = """Here is one input of a task, exactly as it is shown:

<<<
{shown}
>>>

Write {k} new inputs for the same task that are similar to it but not copies: different wording and \
different values. Give each with its correct answer, written exactly as the task asks answers \
to be written. Use this format and nothing else:

Input: <the new {what}>
Output: <its answer>

Input: <another new {what}>
Output: <its answer>"""


@dataclass(frozen=True)
class Augmentation:
    """What the writer produced for one input and what survived the filter."""

    kept: tuple[tuple[Task, str], ...]  # (new task, answer completion)
    written: int  # input/output pairs parsed from the writer's reply
    dropped: dict[str, int] = field(default_factory=dict)  # reason -> count
    usage: Usage = field(default_factory=Usage)


def writer_prompt(task: Task, view: SolverView, k: int) -> list[dict[str, str]]:
    shown = view.messages(task)[-1]["content"]
    what = "request" if task.visible.get("functions") else "input"
    subject = task.prompt if task.visible.get("functions") else shown
    return [
        {"role": "system", "content": WRITER_SYSTEM},
        {"role": "user", "content": WRITER_REQUEST.format(shown=_context(shown, subject), k=k, what=what)},
    ]


def _context(shown: str, subject: str) -> str:
    return shown if shown == subject else f"{shown}\n\n(The part to vary is the request: {subject})"


def parse_pairs(text: str) -> list[tuple[str, str]]:
    """(input, output) pairs from "Input: ... Output: ..." blocks, in order."""
    marks = list(_BLOCK.finditer(text))
    pairs, pending = [], None
    for mark, following in zip(marks, marks[1:] + [None]):
        body = text[mark.end(): following.start() if following else len(text)].strip()
        if mark.group(1).lower() == "input":
            pending = body
        elif pending:
            pairs.append((pending, body))
            pending = None
    return pairs


def augment(
    task: Task,
    view: SolverView,
    writer: Model,
    params: SamplingParams,
    *,
    k: int,
    checks: int = 3,
    max_tokens: int = 1024,
) -> Augmentation:
    """Ask `writer` for `k` examples like `task`, keep those whose answer it reproduces."""
    reply = writer.complete(writer_prompt(task, view, k),
                            replace(params, temperature=0.7, top_p=0.95, max_tokens=max_tokens, logprobs=None))
    usage = reply.usage
    dropped: dict[str, int] = {}
    kept: list[tuple[Task, str]] = []
    seen = {_squash(task.prompt)}
    pairs = parse_pairs(reply.text)
    for index, (text, output) in enumerate(pairs[:k]):
        new = replace(task, id=f"{task.id}#aug{index}", prompt=text)
        answer = view.extract(new, output)
        reason = None
        if _squash(text) in seen:
            reason = "repeated input"
        elif answer is None:
            reason = "answer unreadable"
        else:
            agree, cost = consistent(new, view, writer, params, answer, checks, index)
            usage = usage + cost
            if not agree:
                reason = "inconsistent"
        seen.add(_squash(text))
        if reason:
            dropped[reason] = dropped.get(reason, 0) + 1
        else:
            kept.append((new, output.strip()))
    return Augmentation(tuple(kept), len(pairs[:k]), dropped, usage)


def consistent(task: Task, view: SolverView, model: Model, params: SamplingParams, answer: str,
               checks: int, index: int) -> tuple[bool, Usage]:
    """Whether most of `checks` answers to `task` (the greedy one, then samples) equal `answer`."""
    messages = view.messages(task)
    usage = Usage()
    agree = 0
    for j in range(checks):
        call = (replace(params, temperature=0.0, top_p=1.0, logprobs=None) if j == 0
                else inner_sample_params(replace(params, logprobs=None), index * checks + j, 0.7, 0.95))
        completion = model.complete(messages, call)
        usage = usage + completion.usage
        agree += view.extract(task, completion.text) == answer
        if agree * 2 > checks or (checks - j - 1) + agree <= checks // 2:
            break  # the majority is settled
    return agree * 2 > checks, usage


def sft_turns(task: Task, view: SolverView) -> tuple[Turn, ...]:
    return tuple(Turn(m["role"], m["content"]) for m in view.messages(task))


def _squash(text: str) -> str:
    return re.sub(r"\W+", " ", text).strip().casefold()


def as_solution(completion_text: str, task: Task, view: SolverView, usage: Usage) -> Solution:
    trajectory = sft_turns(task, view) + (Turn("assistant", completion_text),)
    return Solution(completion_text, view.extract(task, completion_text), trajectory, usage)
