"""FewShotSolver: exemplars as prior turns, never the task's own, ids recorded, trajectory clean."""

from __future__ import annotations

from ratchet.core import Attempt, Exemplar, SolverView, Turn, Verdict
from ratchet.eval.config import EvalConfig
from ratchet.eval.rundir import RunDir
from ratchet.eval.runner import evaluate
from ratchet.models import SamplingParams, ScriptedModel
from ratchet.solvers.fewshot import FewShotSolver

from tests.toy import AdditionSuite, solve_correctly


class FixedSource:
    def __init__(self, exemplars):
        self.exemplars = exemplars
        self.queries = []

    def retrieve(self, query, k, exclude_task=None):
        self.queries.append((query, k, exclude_task))
        return [e for e in self.exemplars if e.task_id != exclude_task][:k]


def exemplar(i: int) -> Exemplar:
    prompt = f"What is {i} + {i + 1}?"
    return Exemplar(f"ex{i}", "addition", f"add/{i}", prompt,
                    (Turn("system", "old system"), Turn("user", prompt), Turn("assistant", str(2 * i + 1))))


class SystemSuite(AdditionSuite):
    def messages(self, task):
        return [{"role": "system", "content": "Answer with a number."}, {"role": "user", "content": task.prompt}]


def test_exemplars_go_between_system_and_task_and_are_recorded():
    suite = SystemSuite(5)
    task = suite.tasks()[2]
    source = FixedSource([exemplar(2), exemplar(7), exemplar(8), exemplar(9)])
    model = ScriptedModel(solve_correctly)
    solution = FewShotSolver(source, k=2).solve(task, SolverView(suite), model, SamplingParams())
    sent = model.calls[0][0]
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "user", "assistant", "user"]
    assert sent[1]["content"] == "What is 7 + 8?" and sent[2]["content"] == "15"
    assert sent[-1]["content"] == task.prompt
    assert solution.exemplar_ids == ("ex7", "ex8")  # ex2 is the task itself: never shown
    assert source.queries == [(task.prompt, 2, task.id)]
    assert [t.role for t in solution.trajectory] == ["system", "user", "assistant"]
    assert solution.trajectory[1].content == task.prompt


def test_a_source_that_ignores_exclude_still_never_shows_the_task_itself():
    class Careless(FixedSource):
        def retrieve(self, query, k, exclude_task=None):
            return self.exemplars[:k]

    suite = AdditionSuite(5)
    task = suite.tasks()[2]
    solution = FewShotSolver(Careless([exemplar(2), exemplar(3)]), k=2).solve(
        task, SolverView(suite), ScriptedModel(solve_correctly), SamplingParams())
    assert solution.exemplar_ids == ("ex3",)


def test_exemplar_ids_survive_the_run_log(tmp_path):
    suite = AdditionSuite(10)
    solver = FewShotSolver(FixedSource([exemplar(50), exemplar(51)]), k=2)
    config = EvalConfig(suite="addition", model="scripted", split="test", solver=solver.name)
    result = evaluate(config, suite, ScriptedModel(solve_correctly), solver, RunDir(tmp_path))
    assert all(a.solution.exemplar_ids == ("ex50", "ex51") for a in result.attempts)
    reloaded = RunDir(tmp_path).load_attempts()
    assert {a.solution.exemplar_ids for a in reloaded} == {("ex50", "ex51")}
    old = Attempt.from_json({k: v for k, v in result.attempts[0].to_json().items() if k != "exemplar_ids"})
    assert old.solution.exemplar_ids == ()  # logs written before the field existed still load
    assert isinstance(result.attempts[0].verdict, Verdict)
