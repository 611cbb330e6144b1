"""A runs directory as Ratchet writes it, built once for the browser's tests: two evaluation runs
of the same tasks (one with hostile model output), a hand-written run whose every field is
hostile, a Traj-Bootstrap run and a self-training run."""

from __future__ import annotations

from pathlib import Path

import pytest

from ratchet.core import Attempt, Solution, Verdict
from ratchet.eval.config import EvalConfig
from ratchet.eval.rundir import RunDir
from ratchet.eval.runner import evaluate
from ratchet.models import SamplingParams, ScriptedModel
from ratchet.solvers import SampleSolver
from tests.toy import AdditionSuite, solve_correctly

# model output that would run script, load an image or break out of the page if not escaped
HOSTILE = ('</pre></details></td></tr></table><script>document.title="pwned"</script>'
           '<img src=x onerror="document.title=\'pwned\'"><b id="injected">bold</b>')


def first_of(i: int) -> str:
    return str(i)


def evaluate_with(path: Path, reply, solver: str = "sample") -> None:
    config = EvalConfig(suite="addition", model="scripted", split="test", solver=solver,
                        params=SamplingParams(temperature=0.0))
    evaluate(config, AdditionSuite(40), ScriptedModel(reply), SampleSolver(), RunDir(path))


def task_number(messages) -> int:
    return int(messages[-1]["content"].split()[2])


def weak(messages, params):
    """Right on even tasks; on the rest, hostile markup (which the verifier reads as a wrong number)."""
    return solve_correctly(messages, params) if task_number(messages) % 2 == 0 else HOSTILE


def strong(messages, params):
    """Right except on tasks divisible by 3."""
    return "0" if task_number(messages) % 3 == 0 else solve_correctly(messages, params)


def write_hostile_run(path: Path) -> None:
    run = RunDir(path)
    run.write_config({"suite": HOSTILE, "model": HOSTILE, "split": "test", "solver": HOSTILE, "k": [1]})
    for i in range(3):
        verdict = Verdict.fail(HOSTILE) if i else Verdict.ok(HOSTILE)
        run.append(Attempt(f"{HOSTILE}{i}", 0, Solution(HOSTILE, HOSTILE), verdict))


@pytest.fixture(scope="session")
def runs_dir(tmp_path_factory) -> Path:
    from ratchet.analysis import run_comparison
    from ratchet.learn.bootstrap import BootstrapConfig, traj_bootstrap
    from ratchet.learn.bootstrap.report import write_report
    from ratchet.learn.loop import ImproveConfig, improve
    from tests.experience.test_bootstrap import needs_an_example
    from tests.learn.fakes import GoldAdditionSuite, ScriptedBackend
    from tests.solvers.fakes import VisibleAdditionSuite
    from tests.solvers.test_registry_and_wall import reply_for

    root = tmp_path_factory.mktemp("runs")
    evaluate_with(root / "addition-weak", weak)
    evaluate_with(root / "addition-strong", strong)
    write_hostile_run(root / "hostile")
    traj_bootstrap(BootstrapConfig(suite="addition", model="scripted", checkpoints=2, shots=2, base_samples=2),
                   AdditionSuite(30), ScriptedModel(needs_an_example), root / "bootstrap")
    write_report(root / "bootstrap")  # growth.png, as `ratchet improve` writes it
    improve(ImproveConfig(method="rest-em", suite="addition", model="scripted", iterations=2, train_limit=None,
                          dev_limit=None, test_limit=None, samples=2, min_examples=2, max_tokens=32),
            GoldAdditionSuite(n=100), ScriptedBackend(base_quality=0.3, qualities=[0.9, 0.2]), root / "self-train")
    base = EvalConfig(suite="visible-addition", model="scripted", split="test", params=SamplingParams())
    run_comparison(["sample", "self-debug"], base, VisibleAdditionSuite(n=12), ScriptedModel(reply_for),
                   root / "compare")
    return root
