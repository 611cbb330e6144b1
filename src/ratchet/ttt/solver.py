"""TT-SI and TT-D as strategies (`--strategy tt-si`, `--strategy tt-d`), card 4 of docs/METHODS.md.

For each test input:
1. **gate**: estimate the model's confidence (`ratchet.ttt.uncertainty`); at or above `tau`, the
   greedy base answer is the answer;
2. **augment**: below `tau`, a writer composes `k` similar inputs with answers, filtered by
   self-consistency (`ratchet.ttt.augment`) - the model itself (TT-SI) or a teacher (TT-D);
3. **adapt**: a LoRA is trained on the kept examples for a few steps, the input is answered with
   it, and the weights are reset and hash-checked (`ratchet.ttt.session`).

An adapted solution has two rounds: the base answer, then the adapted one, so the runner's
per-round verdicts give the paired base -> adapted comparison (right->wrong, wrong->right).
Each solution's `stop_reason` is "<outcome> <json>" with what happened to the input (confidence,
examples written and kept, training steps and seconds, any fallback); `ratchet.ttt.report` reads
them back from a run's attempts.

TT-D: when the teacher fails mid-run (a backend error), the input falls back to the model itself
(`fallback="tt-si"`) or to the base answer (`fallback="base"`), and the stop reason says so.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from ratchet.core import Solution, SolverView, Task, Turn
from ratchet.errors import BackendError, UserError
from ratchet.learn.data import Provenance, SftExample
from ratchet.models.base import Model, SamplingParams
from ratchet.ttt.augment import Augmentation, augment, sft_turns
from ratchet.ttt.scoring import candidate_scorer_for, local_llama
from ratchet.ttt.session import AdaptationSession, LoraSession, TestTimeTraining
from ratchet.ttt.uncertainty import GATES, Uncertainty, check_gate, check_tau, estimate

FALLBACKS = ("tt-si", "base")


@dataclass(frozen=True)
class TestTimeSelfImprovement:
    """TT-SI: the model writes its own training examples for each input it is unsure of."""

    __test__ = False  # not a pytest class, whatever its name

    name: ClassVar[str] = "tt-si"
    writer_label: ClassVar[str] = "self"
    tau: float = 0.5  # adapt when confidence < tau
    k: int = 4  # similar examples to write per uncertain input
    gate: str = "margin"  # margin, agreement or logprob
    n: int = 5  # samples for the agreement gate (and the margin gate without listed candidates)
    checks: int = 3  # answers per written example in the self-consistency filter
    steps: int = 4  # LoRA optimiser steps per uncertain input
    lr: float = 5e-4
    rank: int = 8
    threads: int = 0  # torch threads while training (0: default; 1 helps on a crowded machine)
    layers: int = 0  # adapt only the last N transformer blocks (0: all): cheaper steps

    def __post_init__(self) -> None:
        check_tau(self.tau)
        if self.gate not in GATES:
            raise UserError(f"--gate for {self.name} must be one of {', '.join(GATES)}, got '{self.gate}'")
        for option, value in (("--k", self.k), ("--n-votes", self.n), ("checks", self.checks), ("steps", self.steps),
                              ("rank", self.rank)):
            if value < 1:
                raise UserError(f"{self.name}: {option} must be >= 1, got {value}")
        if self.layers < 0:
            raise UserError(f"{self.name}: layers must be >= 0 (0: every block), got {self.layers}")
        if self.lr <= 0:
            raise UserError(f"{self.name} learning rate must be > 0, got {self.lr}")
        object.__setattr__(self, "_lock", threading.Lock())
        object.__setattr__(self, "_parts", {})

    def with_parts(self, *, session: AdaptationSession | None = None, teacher: Model | None = None,
                   scorer=None) -> TestTimeSelfImprovement:
        """A copy that uses these parts instead of building them (tests, benchmarks)."""
        copy = replace(self)
        parts = {"session": session, "teacher": teacher, "scorer": scorer}
        copy._parts.update({key: value for key, value in parts.items() if value is not None})  # type: ignore[attr-defined]
        return copy

    def check(self, view: SolverView, model: Model | None) -> None:
        """Before any model call: the gate's needs, a model that can be adapted, the train extra."""
        check_gate(self.gate, model)
        if model is None or "session" in self._parts:  # type: ignore[attr-defined]
            return
        if local_llama(model) is None:
            raise UserError(
                f"{self.name} trains a LoRA per input on a local GGUF model; '{model.name}' is an endpoint. "
                "Use a named model or a GGUF file"
            )
        from ratchet.learn.train.hf import require_train_extra

        require_train_extra(f"{self.name} (test-time LoRA training)")

    # -----------------------------------------------------------------------------------------

    def solve(self, task: Task, view: SolverView, model: Model, params: SamplingParams) -> Solution:
        # One input at a time: the adapter is set on the context every call of `model` shares.
        with self._lock:  # type: ignore[attr-defined]
            started = time.perf_counter()
            uncertainty = estimate(self.gate, task, view, model, params, n=self.n, scorer=self._scorer(model))
            record: dict[str, Any] = {"gate": self.gate, "confidence": round(uncertainty.confidence, 4), "tau": self.tau}
            if not uncertainty.uncertain(self.tau):
                record["seconds"] = round(time.perf_counter() - started, 2)
                return _finish(uncertainty.answer, uncertainty, "certain", record)
            return self._adapt(task, view, model, params, uncertainty, record, started)

    def _adapt(self, task, view, model, params, uncertainty: Uncertainty, record: dict, started: float) -> Solution:
        augmentation = self._augment(task, view, model, params, record)
        record.update(written=augmentation.written, kept=len(augmentation.kept), dropped=augmentation.dropped)
        usage = uncertainty.usage + augmentation.usage
        if not augmentation.kept:
            record["seconds"] = round(time.perf_counter() - started, 2)
            return _finish(replace(uncertainty.answer, usage=usage), uncertainty, "unadapted", record)
        examples = [
            SftExample(sft_turns(new, view), output,
                       Provenance(self.name, view.name, task.id, model=record.get("writer", ""), note="test-time"))
            for new, output in augmentation.kept
        ]
        session = self._session(model)
        try:  # a failed fit also leaves the weights as they were
            metrics = session.train(examples)
            messages = view.messages(task)
            completion = session.complete(messages, replace(params, temperature=0.0, top_p=1.0, logprobs=None))
        finally:
            session.reset()
        record.update(steps=metrics.get("steps"), train_seconds=metrics.get("train_seconds"),
                      loss_first=metrics.get("loss_first"), loss_last=metrics.get("loss_last"), reset="ok")
        record["seconds"] = round(time.perf_counter() - started, 2)
        trajectory = tuple(Turn(m["role"], m["content"]) for m in messages) + (Turn("assistant", completion.text),)
        adapted = Solution(completion.text, view.extract(task, completion.text), trajectory,
                           usage + completion.usage, completion.finish_reason, rounds=2,
                           round_completions=(uncertainty.answer.completion, completion.text))
        return _finish(adapted, uncertainty, "adapted", record)

    def _augment(self, task, view, model, params, record: dict) -> Augmentation:
        record["writer"] = self.writer_label
        return augment(task, view, model, params, k=self.k, checks=self.checks)

    def _scorer(self, model: Model):
        if self.gate != "margin":
            return None
        if "scorer" not in self._parts:  # type: ignore[attr-defined]
            self._parts["scorer"] = candidate_scorer_for(model)  # type: ignore[attr-defined]
        return self._parts["scorer"]  # type: ignore[attr-defined]

    def _session(self, model: Model) -> AdaptationSession:
        if "session" not in self._parts:  # type: ignore[attr-defined]
            training = TestTimeTraining(steps=self.steps, learning_rate=self.lr, rank=self.rank, alpha=2.0 * self.rank,
                                        threads=self.threads, layers=self.layers)
            self._parts["session"] = LoraSession(model, training)  # type: ignore[attr-defined]
        return self._parts["session"]  # type: ignore[attr-defined]


@dataclass(frozen=True)
class TestTimeDistillation(TestTimeSelfImprovement):
    """TT-D: a stronger teacher writes (and checks) the examples. `teacher` is a named model, a
    GGUF path, or an OpenAI-compatible endpoint as `URL#model` (key from $OPENAI_API_KEY)."""

    __test__ = False

    name: ClassVar[str] = "tt-d"
    writer_label: ClassVar[str] = "teacher"
    teacher: str = "qwen2.5-coder-1.5b-instruct"
    fallback: str = "tt-si"  # when the teacher fails mid-run: "tt-si" (the model writes) or "base"

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.fallback not in FALLBACKS:
            raise UserError(f"tt-d fallback must be one of {', '.join(FALLBACKS)}, got '{self.fallback}'")
        if not self.teacher.strip():
            raise UserError("tt-d needs --teacher: a named model, a GGUF file, or URL#model of an endpoint")

    def _augment(self, task, view, model, params, record: dict) -> Augmentation:
        try:
            teacher = self._teacher()
            record["writer"] = "teacher"
            return augment(task, view, teacher, params, k=self.k, checks=self.checks)
        except BackendError as error:
            record["fallback"] = f"teacher failed ({str(error).splitlines()[0][:120]}): {self.fallback}"
            if self.fallback == "base":
                record["writer"] = "none"
                return Augmentation((), 0, {"teacher failed": 1})
            record["writer"] = "self"
            return augment(task, view, model, params, k=self.k, checks=self.checks)

    def _teacher(self) -> Model:
        if "teacher" not in self._parts:  # type: ignore[attr-defined]
            self._parts["teacher"] = load_teacher(self.teacher)  # type: ignore[attr-defined]
        return self._parts["teacher"]  # type: ignore[attr-defined]


def load_teacher(spec: str) -> Model:
    """A teacher model from `name`, `path.gguf` or `http(s)://host/v1#model`."""
    from ratchet.models.loading import load_model

    if spec.startswith(("http://", "https://")):
        url, _, name = spec.partition("#")
        if not name:
            raise UserError(f"teacher endpoint '{spec}' names no model: write URL#model, e.g. http://localhost:8000/v1#qwen")
        return load_model(name, base_url=url)
    return load_model(spec)


def _finish(solution: Solution, uncertainty: Uncertainty, outcome: str, record: dict) -> Solution:
    record["candidates"] = uncertainty.to_json()["candidates"][:3]
    stop = f"{outcome} {json.dumps(record, sort_keys=True)}"
    if outcome != "adapted":
        return replace(solution, stop_reason=stop, round_completions=(solution.completion,))
    return replace(solution, stop_reason=stop)
