"""The self-training loop: `improve(method=star|rest-em|dpo|self-rewarding, iterations=N)`.

Each iteration is a sequence of named phases, each recorded in the run directory so a killed run
resumes where it stopped:

    sample   the incumbent policy answers train tasks           iter-NN/train/ (a RunDir)
    data     verify (or judge) and build the training set        iter-NN/data.json
    train    fit a LoRA adapter (an artifact)                    iter-NN/adapter/
    gate     score it on dev; it replaces the incumbent only if  iter-NN/dev/, iter-NN/gate.json
             it wins the paired test (the ratchet)

Before the first iteration the base model is scored on dev (iter-00/dev/). After the last, the
test split is read once: base and each iteration's candidate are scored on test (test/), and the
run refuses further iterations. Reports read only these files (`ratchet.learn.loop_report`).

Methods (docs/METHODS.md card 6):
- star: keep verified samples; rationalise failures with the gold answer as a hint (kept only if
  they verify without it); SFT; restart from the base model each iteration.
- rest-em: sample several per task, keep the verified ones; SFT; restart from the base model.
- dpo: (passing, failing) pairs at the same task; DPO; continue from the incumbent.
- self-rewarding: the policy judges pairs of its own samples (self-reference judge); DPO on the
  judge's preferences. The verifier is used only to monitor the judge.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

from ratchet.core import Attempt, Suite
from ratchet.errors import UserError, unknown_name
from ratchet.eval.config import EvalConfig
from ratchet.eval.rundir import RunDir
from ratchet.eval.runner import evaluate, select_tasks
from ratchet.learn import monitors
from ratchet.learn.adapters import AdapterArtifact, load_artifact, write_json_atomic
from ratchet.learn.backend import TrainingBackend
from ratchet.learn.data import (
    Dataset,
    judge_pairs,
    merge,
    require_enough,
    star_rationalisations,
    verified_examples,
    verified_pairs,
)
from ratchet.learn.gate import gate
from ratchet.learn.judges import judge_report, make_judge
from ratchet.learn.train.config import TrainConfig
from ratchet.models.base import SamplingParams
from ratchet.solvers.sample import SampleSolver

METHODS = ("star", "rest-em", "dpo", "self-rewarding")
OBJECTIVE = {"star": "sft", "rest-em": "sft", "dpo": "dpo", "self-rewarding": "dpo"}
Progress = Callable[[str, int, int], None]  # (phase, done, total)


@dataclass(frozen=True)
class ImproveConfig:
    """One self-training run. None fields take the method's default (see `resolved`)."""

    method: str
    suite: str = "gsm"
    model: str = "smollm2-135m-instruct"
    iterations: int = 3
    train_limit: int | None = 64  # train tasks sampled per iteration (None: all)
    dev_limit: int | None = 100  # dev tasks the gate scores (None: all)
    test_limit: int | None = 200  # test tasks read once at the end (None: all)
    samples: int | None = None  # samples per train task: star 1, the others 4
    temperature: float | None = None  # 0 with one sample, else 0.7
    max_tokens: int = 384
    restart: bool | None = None  # train from the base each iteration: star, rest-em yes; dpo no
    data_mode: str = "replace"  # replace: this iteration's data only; accumulate: all so far
    max_per_task: int = 2  # SFT examples or pairs kept per task
    min_examples: int = 4  # fewer is a UserError naming how many were found
    rationalise: bool = True  # star: rationalise failures with the gold answer as a hint
    judge: str = "self-reference"  # self-rewarding: naive or self-reference
    gate_level: float = 0.05
    gate_test: str = "mcnemar"  # mcnemar or bootstrap
    test_every_iteration: bool = True  # at the end, score every candidate on test (else the final)
    seed: int = 0
    train: TrainConfig = field(default_factory=TrainConfig)

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise unknown_name("method", self.method, METHODS)
        if self.iterations < 1:
            raise UserError(f"--iterations must be >= 1, got {self.iterations}")
        if self.data_mode not in ("replace", "accumulate"):
            raise UserError(f"--data must be replace or accumulate, got '{self.data_mode}'")
        if self.samples is not None and self.samples < 1:
            raise UserError(f"--samples must be >= 1, got {self.samples}")
        if self.method in ("dpo", "self-rewarding") and self.samples == 1:
            raise UserError(f"{self.method} needs at least 2 samples per task to form pairs: pass --samples 4")

    def resolved(self) -> ImproveConfig:
        samples = self.samples or (1 if self.method == "star" else 4)
        temperature = self.temperature if self.temperature is not None else (0.0 if samples == 1 else 0.7)
        restart = self.restart if self.restart is not None else self.method in ("star", "rest-em")
        train = self.train.for_objective(OBJECTIVE[self.method])  # the run records the rate it trains with
        return replace(self, samples=samples, temperature=temperature, restart=restart, train=train)

    def to_json(self) -> dict:
        data = asdict(self)
        data["train"] = self.train.to_json()
        return json.loads(json.dumps(data))

    @classmethod
    def from_json(cls, data: dict) -> ImproveConfig:
        known = {f.name for f in fields(cls)}
        data = {k: v for k, v in data.items() if k in known}
        data["train"] = TrainConfig.from_json(data.get("train", {}))
        return cls(**data)


class RunState:
    """The run directory of a self-training run, and what its files say has happened."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def iteration_dir(self, i: int) -> Path:
        return self.path / f"iter-{i:02d}"

    def gate_record(self, i: int) -> dict | None:
        path = self.iteration_dir(i) / "gate.json"
        return json.loads(path.read_text()) if path.exists() else None

    def completed(self) -> list[int]:
        done, i = [], 1
        while self.gate_record(i) is not None:
            done.append(i)
            i += 1
        return done

    def incumbent(self) -> tuple[str, AdapterArtifact | None]:
        """The label and adapter of the last accepted candidate (the base when none was)."""
        label, adapter = "base", None
        for i in self.completed():
            if self.gate_record(i)["decision"]["accept"]:
                label, adapter = f"iter-{i:02d}", load_artifact(self.iteration_dir(i) / "adapter")
        return label, adapter

    def dev_run(self, label: str) -> RunDir:
        return RunDir(self.iteration_dir(0) / "dev" if label == "base" else self.path / label / "dev")

    @property
    def test_record(self) -> Path:
        return self.path / "test.json"


@dataclass
class _Context:
    config: ImproveConfig
    suite: Suite
    backend: TrainingBackend
    state: RunState
    progress: Progress | None

    def report(self, phase: str, done: int, total: int) -> None:
        if self.progress:
            self.progress(phase, done, total)


def improve(
    config: ImproveConfig,
    suite: Suite,
    backend: TrainingBackend,
    run_dir: Path,
    progress: Progress | None = None,
) -> dict:
    """Run (or resume) self-training; returns the report (also written to report.json/.md)."""
    config = config.resolved()
    state = RunState(run_dir)
    _write_config(state, config)
    ctx = _Context(config, suite, backend, state, progress)
    done = state.completed()
    if state.test_record.exists() and config.iterations > len(done):
        raise UserError(f"{run_dir} has already read the test split after {len(done)} iterations: "
                        "start a new run directory to iterate further")
    _score_dev(ctx, "base", None)
    for i in range(len(done) + 1, config.iterations + 1):
        _iteration(ctx, i)
    if not state.test_record.exists():
        _read_test_once(ctx)
    from ratchet.learn.loop_report import write_report

    return write_report(state.path)


def _write_config(state: RunState, config: ImproveConfig) -> None:
    """Record the configuration; a different run in the same directory is refused. The number of
    iterations may grow between resumptions (until the test split has been read), and the thread
    count may change."""
    path = state.path / "config.json"
    data = config.to_json()
    if path.exists():
        old = json.loads(path.read_text())
        if _identity(old) != _identity(data):
            raise UserError(f"{state.path} holds a self-training run with another configuration: choose another --run-dir")
    write_json_atomic(path, data)


def _identity(config: dict) -> dict:
    """What must match to resume a run: everything but the iteration count and thread count."""
    same = {k: v for k, v in config.items() if k != "iterations"}
    same["train"] = {k: v for k, v in config.get("train", {}).items() if k != "threads"}
    return same


def _iteration(ctx: _Context, i: int) -> None:
    label, incumbent = ctx.state.incumbent()
    attempts = _sample_train(ctx, i, incumbent)
    data, judged = _build_data(ctx, i, incumbent, attempts)
    candidate = _train(ctx, i, data, incumbent)
    decision = _gate(ctx, i, label, candidate)
    record = {
        "iteration": i,
        "incumbent_before": label,
        "decision": decision,
        "data": data.describe(),
        "monitors": _monitors(ctx, i, attempts, judged),
        "training": dict(candidate.metrics),
    }
    write_json_atomic(ctx.state.iteration_dir(i) / "gate.json", record)
    if decision["accept"]:
        write_json_atomic(ctx.state.path / "incumbent.json", {"label": f"iter-{i:02d}", "adapter": str(candidate.path)})


# --- phases -----------------------------------------------------------------------------------


def _evaluate(ctx: _Context, split: str, limit, samples: int, temperature: float, seed: int,
              adapter: AdapterArtifact | None, run: RunDir, phase: str) -> list[Attempt]:
    config = ctx.config
    params = SamplingParams(temperature=temperature, top_p=1.0 if temperature == 0 else 0.95,
                            max_tokens=config.max_tokens, seed=seed)
    eval_config = EvalConfig(suite=config.suite, model=config.model, split=split, samples=samples, k=(1,),
                             params=params, solver="sample", limit=limit,
                             adapter=str(adapter.gguf) if adapter else None)
    wanted = {(t.id, s) for t in select_tasks(ctx.suite, split, limit) for s in range(samples)}
    existing = [a for a in run.load_attempts() if (a.task_id, a.sample) in wanted]
    if (run.path / "summary.json").exists() and {(a.task_id, a.sample) for a in existing} == wanted:
        return existing  # finished earlier: no need to load the model
    model = ctx.backend.policy(adapter)
    result = evaluate(eval_config, ctx.suite, model, SampleSolver(), run,
                      progress=lambda done, total: ctx.report(phase, done, total))
    return list(result.attempts)


def _score_dev(ctx: _Context, label: str, adapter: AdapterArtifact | None) -> dict[str, float]:
    run = ctx.state.dev_run(label)
    attempts = _evaluate(ctx, "dev", ctx.config.dev_limit, 1, 0.0, ctx.config.seed, adapter, run, f"dev {label}")
    return {a.task_id: a.verdict.score for a in attempts if a.sample == 0}


def _sample_train(ctx: _Context, i: int, incumbent: AdapterArtifact | None) -> list[Attempt]:
    config = ctx.config
    run = RunDir(ctx.state.iteration_dir(i) / "train")
    # A new seed each iteration: an unchanged incumbent still yields fresh samples.
    return _evaluate(ctx, "train", config.train_limit, config.samples, config.temperature,
                     config.seed + 1000 * i, incumbent, run, f"iteration {i}: sample train")


def _build_data(ctx: _Context, i: int, incumbent: AdapterArtifact | None, attempts: list[Attempt]):
    """This iteration's examples (saved as data-own.json), plus earlier iterations' when
    accumulating (data.json is what is trained on)."""
    folder = ctx.state.iteration_dir(i)
    own_path, judged_path = folder / "data-own.json", folder / "judged.json"
    judged: list = []
    if own_path.exists():
        own = Dataset.load(own_path)
        judged = json.loads(judged_path.read_text()) if judged_path.exists() else []
    else:
        ctx.report(f"iteration {i}: build data", 0, 1)
        own, judged = _method_data(ctx, i, incumbent, attempts)
        if judged:
            write_json_atomic(judged_path, judged)
        own.save(own_path)
        ctx.report(f"iteration {i}: build data", 1, 1)
    parts = [own]
    if ctx.config.data_mode == "accumulate":
        parts = [Dataset.load(ctx.state.iteration_dir(k) / "data-own.json") for k in range(1, i)] + parts
    data = merge(parts)
    data.save(folder / "data.json")
    what = "verified examples" if OBJECTIVE[ctx.config.method] == "sft" else "preference pairs"
    require_enough(data, ctx.config.min_examples, f"{what} on {len(set(a.task_id for a in attempts))} train tasks "
                   f"({len(attempts)} samples)", "sample more (--samples) or more tasks (--train-limit), or lower --min-examples")
    return data, judged


def _method_data(ctx: _Context, i: int, incumbent: AdapterArtifact | None, attempts: list[Attempt]):
    config, suite = ctx.config, ctx.suite
    policy = ctx.backend.policy(incumbent)
    common = {"model": policy.identity, "iteration": i}
    if config.method == "rest-em":
        return verified_examples(attempts, suite, max_per_task=config.max_per_task, **common), []
    if config.method == "star":
        data = verified_examples(attempts, suite, max_per_task=config.max_per_task, **common)
        if config.rationalise:
            params = SamplingParams(temperature=0.0, max_tokens=config.max_tokens, seed=config.seed + 1000 * i)
            rationales = star_rationalisations(attempts, suite, policy, params=params, iteration=i)
            # Same attempts: merge the counts instead of adding them (Dataset + sums counts).
            data = Dataset(data.examples + rationales.examples, {**data.stats, **rationales.stats},
                           data.usage + rationales.usage)
        return data, []
    if config.method == "dpo":
        return verified_pairs(attempts, suite, max_pairs_per_task=config.max_per_task, **common), []
    scorer = ctx.backend.scorer(incumbent) if config.judge == "self-reference" else None
    judge = make_judge(config.judge, policy, scorer=scorer)
    data, judged = judge_pairs(attempts, suite, judge, max_pairs_per_task=config.max_per_task, **common)
    return data, [{"judgement": j.to_json(), "truth": truth} for j, truth in judged]


def _train(ctx: _Context, i: int, data: Dataset, incumbent: AdapterArtifact | None) -> AdapterArtifact:
    out = ctx.state.iteration_dir(i) / "adapter"
    if out.exists():
        return load_artifact(out)
    phase = f"iteration {i}: train ({len(data)} examples)"
    ctx.report(phase, 0, 1)  # until the trainer knows its step count (loading the base takes a while)
    init = None if ctx.config.restart else incumbent
    artifact = ctx.backend.fit(OBJECTIVE[ctx.config.method], data, out, init, ctx.config.method, ctx.config.train,
                               progress=lambda done, total: ctx.report(phase, done, total))
    steps = artifact.metrics.get("steps") or 1
    ctx.report(phase, steps, steps)
    return artifact


def _gate(ctx: _Context, i: int, incumbent_label: str, candidate: AdapterArtifact) -> dict:
    incumbent_scores = _score_dev(ctx, incumbent_label, None if incumbent_label == "base" else
                                  load_artifact(ctx.state.path / incumbent_label / "adapter"))
    candidate_scores = _score_dev(ctx, f"iter-{i:02d}", candidate)
    decision = gate(incumbent_scores, candidate_scores, level=ctx.config.gate_level, test=ctx.config.gate_test)
    return decision.to_json()


def _monitors(ctx: _Context, i: int, attempts: list[Attempt], judged: list[dict]) -> dict:
    result = {"train_pass_rate": round(sum(a.passed for a in attempts) / len(attempts), 4) if attempts else None,
              **monitors.diversity(attempts)}
    if i > 1:
        before = RunDir(ctx.state.iteration_dir(i - 1) / "train").load_attempts()
        result.update({f"train_{k}": v for k, v in monitors.transitions(before, attempts).items()})
    if judged:
        from ratchet.learn.judges import Judgement

        pairs = [(Judgement(j["judgement"]["preferred"], j["judgement"]["first"], j["judgement"]["swapped"],
                            j["judgement"]["strength"]), j["truth"]) for j in judged]
        report = judge_report(pairs)
        result["judge_verifier_agreement"] = report["agreement"]
        result["judge_position_consistency"] = report["position_swap_consistency"]
        result["judge_pairs_with_truth"] = report["pairs_with_truth"]
    return result


def _read_test_once(ctx: _Context) -> None:
    """Score base and the candidates on test, once, after all decisions were taken on dev."""
    done = ctx.state.completed()
    final_label, _ = ctx.state.incumbent()
    labels = ["base"] + ([f"iter-{i:02d}" for i in done] if ctx.config.test_every_iteration else
                         ([final_label] if final_label != "base" else []))
    results = {}
    for label in labels:
        adapter = None if label == "base" else load_artifact(ctx.state.path / label / "adapter")
        attempts = _evaluate(ctx, "test", ctx.config.test_limit, 1, 0.0, ctx.config.seed, adapter,
                             RunDir(ctx.state.path / "test" / label), f"test {label}")
        results[label] = {a.task_id: a.verdict.score for a in attempts if a.sample == 0}
    record = {"final_incumbent": final_label, "scores": results}
    if final_label != "base":
        record["final_vs_base"] = gate(results["base"], results[final_label], level=ctx.config.gate_level,
                                       test=ctx.config.gate_test, split="test").to_json()
    write_json_atomic(ctx.state.test_record, record)
