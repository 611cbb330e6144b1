"""The ReAct agent's control flow, with a scripted model."""

import json

import pytest

from ratchet.core import Exemplar, Split, SolverView, Task, Turn
from ratchet.envs.wordcraft import WordcraftSuite
from ratchet.errors import UserError
from ratchet.eval.config import EvalConfig
from ratchet.eval.rundir import RunDir
from ratchet.eval.runner import evaluate
from ratchet.models import SamplingParams, ScriptedModel
from ratchet.solvers.react import ReActSolver, parse_action
from ratchet.solvers.registry import check_solver, make_solver, solver_spec
from ratchet.suites.registry import load_suite
from tests.envs.test_episode import CounterSuite

PARAMS = SamplingParams(max_tokens=64)


def act(action: str) -> str:
    return f"Thought: next step.\nAction: {action}"


def run(suite, replies, task=Task("5", "reach 5"), **options):
    model = ScriptedModel(replies)
    solution = ReActSolver(**options).solve(task, SolverView(suite), model, PARAMS)
    return solution, model


def test_success_records_every_turn_and_the_completion_replays():
    suite = CounterSuite()
    solution, model = run(suite, [act("add 2"), "I will add three.\nAction: add 3.\nObservation: reached"])
    assert solution.stop_reason == "success"
    assert json.loads(solution.completion) == ["add 2", "add 3"]
    assert solution.answer == solution.completion
    assert [t.role for t in solution.trajectory] == ["system", "user", "assistant", "user", "assistant", "user"]
    assert solution.trajectory[1].content.endswith("Observation: total 0, target 5")
    assert solution.trajectory[-1].content == "Observation: reached"
    assert solution.usage.calls == 2 and solution.usage.completion_tokens > 0
    assert suite.verify(Task("5", "reach 5"), solution.completion).passed
    params = model.calls[0][1]
    assert "Observation:" in params.stop and params.max_tokens == 64


def test_failure_step_limit_and_the_solvers_own_limit():
    suite = CounterSuite()
    failed, _ = run(suite, [act("add 9")])
    assert failed.stop_reason == "failure"
    env_limit, _ = run(suite, [act("add 0")] * 2 + [act("add 1")] * 2, task=Task("9", "reach 9"))
    assert env_limit.stop_reason == "step limit: 4"
    own_limit, model = run(suite, [act("add 1")] * 3, task=Task("9", "reach 9"), max_steps=2)
    assert own_limit.stop_reason == "step limit: 2" and len(model.calls) == 2


def test_time_limit(monkeypatch):
    from ratchet.envs import Episode

    monkeypatch.setattr(Episode, "elapsed", property(lambda self: 1e6))
    solution, model = run(CounterSuite(), [act("add 1")])
    assert solution.stop_reason == "time limit: 60 s" and not model.calls


def test_the_model_gives_up_without_actions_or_by_saying_so():
    suite = CounterSuite()
    silent, model = run(suite, ["Thought: hmm, let me think about this for a while", "Thought: still thinking"])
    assert silent.stop_reason == "model gave up: no action in 2 replies" and silent.completion == "[]"
    assert "had no action" in model.calls[1][0][-1]["content"]
    quit_, _ = run(suite, [act("add 1"), act("give up")])
    assert quit_.stop_reason == "model gave up: 'give up'" and json.loads(quit_.completion) == ["add 1"]
    recovered, _ = run(suite, ["no idea", act("add 5")])
    assert recovered.stop_reason == "success"  # one reply without an action is forgiven


def test_a_repeated_action_with_the_same_observation_is_stuck():
    solution, _ = run(CounterSuite(), [act("jump")] * 3, task=Task("9", "reach 9"), max_repeats=3)
    assert solution.stop_reason.startswith("stuck: 'jump' 3 times")


def test_a_stuck_agent_takes_the_environments_finish_action_when_it_has_one():
    suite = load_suite("sql")
    task = next(t for t in suite.tasks("dev") if "count" in t.id)
    gold = suite.demonstration(task)[0][1]
    solution, model = run(suite, [act(gold)] * 3, task=task)
    assert solution.stop_reason.startswith("stuck: ") and solution.stop_reason.endswith("; autosubmitted")
    assert json.loads(solution.completion) == [gold] * 3 + ["submit"]
    assert suite.verify(task, solution.completion).passed and len(model.calls) == 3
    assert solution.trajectory[-2].content == "Action: submit"
    wrong, _ = run(suite, [act("SELECT 1")] * 3, task=task)
    assert wrong.stop_reason.endswith("; autosubmitted") and not suite.verify(task, wrong.completion).passed
    off, _ = run(suite, [act(gold)] * 3, task=task, autosubmit=False)
    assert off.stop_reason.startswith("stuck: ") and "submit" not in json.loads(off.completion)


def test_a_repeat_is_told_to_the_model_with_the_environments_finish_hint():
    suite = CounterSuite()
    suite.finish_hint = "If the total is right, say done."
    solution, model = run(suite, [act("jump"), act("jump"), act("add 9")], task=Task("9", "reach 9"))
    assert solution.stop_reason == "success"
    observations = [t.content for t in solution.trajectory if t.role == "user"][1:]
    assert "did exactly this" not in observations[0]
    assert observations[1].endswith("(You did exactly this last step and got the same observation. "
                                    "If the total is right, say done. Otherwise try a different action.)")
    assert "did exactly this" in model.calls[2][0][-1]["content"]
    temperatures = [params.temperature for _, params in model.calls]
    assert temperatures == [0.0, 0.0, 0.7] and model.calls[2][1].seed != model.calls[1][1].seed
    assert "did exactly this" not in observations[2]  # the episode ended: nothing to tell


def test_old_steps_are_summarised_in_the_prompt():
    solution, model = run(CounterSuite(), [act("add 0")] * 3 + [act("add 1")], task=Task("1", "reach 1"),
                          window=1, max_repeats=10)
    assert solution.stop_reason == "success"
    last_prompt = model.calls[-1][0]
    assert len(last_prompt) == 4  # system, goal, the last step's action and observation
    assert "2 earlier steps are not shown. Their actions: add 0; add 0." in last_prompt[1]["content"]


class FixedSource:
    """An ExemplarSource that records its queries."""

    def __init__(self, exemplars):
        self.exemplars, self.queries = exemplars, []

    def retrieve(self, query, k, exclude_task=None):
        self.queries.append((query, k, exclude_task))
        return [e for e in self.exemplars if e.task_id != exclude_task][:k]


def exemplar(name, task_id, text):
    return Exemplar(name, "counter", task_id, "key", (Turn("system", "sys"), Turn("user", f"Goal: {text}"),
                                                      Turn("assistant", f"Action: {text}")))


def test_exemplars_by_goal_and_by_state_are_shown_but_not_recorded():
    by_goal = FixedSource([exemplar("own", "5", "mine"), exemplar("g1", "3", "GOAL-EXAMPLE")])
    by_state = FixedSource([exemplar("g1", "3", "GOAL-EXAMPLE"), exemplar("s1", "4", "STATE-EXAMPLE")])
    solution, model = run(CounterSuite(), [act("add 2"), act("add 3")], exemplars=by_goal,
                          state_exemplars=by_state, k=2)
    assert solution.stop_reason == "success"
    assert by_goal.queries == [("reach 5", 2, "5")]
    assert len(by_state.queries) == 1 and "total 2" in by_state.queries[0][0]
    first_prompt, second_prompt = model.calls[0][0], model.calls[1][0]
    assert "GOAL-EXAMPLE" in first_prompt[1]["content"] and "mine" not in first_prompt[1]["content"]
    assert "STATE-EXAMPLE" in second_prompt[-1]["content"]
    assert second_prompt[-1]["content"].count("GOAL-EXAMPLE") == 0  # not shown twice
    assert solution.exemplar_ids == ("g1", "s1")
    recorded = " ".join(t.content for t in solution.trajectory)
    assert "EXAMPLE" not in recorded and "sys" != solution.trajectory[0].content


def test_one_source_serves_both_retrievals_and_k_zero_retrieves_nothing():
    source = FixedSource([exemplar("g1", "3", "X")])
    run(CounterSuite(), [act("add 2"), act("add 3")], exemplars=source)
    assert len(source.queries) == 2
    quiet = FixedSource([exemplar("g1", "3", "X")])
    solution, _ = run(CounterSuite(), [act("add 5")], exemplars=quiet, k=0)
    assert quiet.queries == [] and solution.exemplar_ids == ()


@pytest.mark.parametrize("reply, multiline, expected", [
    ("Thought: go.\nAction: go north", False, "go north"),
    ("**Action:** `combine fire and water`", False, "combine fire and water"),
    ("Sure!\n\nAction: take key.\nObservation: you take it", False, "take key"),
    ("Action: SELECT name\nFROM t\nWHERE c = 'Lyon'\nThought: done", True, "SELECT name FROM t WHERE c = 'Lyon'"),
    ("Thought: q\nAction:\n```sql\nSELECT 1;\n```\nThis runs it.", True, "SELECT 1;"),
    ("Action 2: open door", False, "open door"),
    ("```\nlook around\n```", False, "look around"),
    ("go west", False, "go west"),
    ('Action: "inventory"', False, "inventory"),
    ("Thought: I am not sure what to do.", False, None),
    ("Let me think.\nThe door is locked.\nMaybe a key helps.", False, None),
])
def test_parse_action(reply, multiline, expected):
    assert parse_action(reply, multiline) == expected


def test_registry_check_and_spec():
    solver = make_solver("react:max_steps=5,k=3")
    assert isinstance(solver, ReActSolver) and solver.max_steps == 5 and solver.k == 3
    assert solver_spec(solver) == "react:max_steps=5,k=3"
    with pytest.raises(UserError, match="not one"):
        check_solver(solver, load_suite("gsm"))
    check_solver(solver, CounterSuite())
    with pytest.raises(UserError, match="use --solver react"):
        check_solver(make_solver("sample"), CounterSuite())
    with pytest.raises(UserError, match="max_steps"):
        ReActSolver(max_steps=0)


def test_evaluate_runs_react_on_wordcraft_and_verifies_by_replay(tmp_path):
    suite = WordcraftSuite()
    tasks = suite.tasks(Split.TEST)[:3]

    def reply(messages, params):
        goal_message = messages[1]["content"]
        task = next(t for t in tasks if t.prompt in goal_message)
        steps = suite._puzzles[task.id].solution
        done = sum(1 for m in messages[2:] if m["role"] == "assistant")
        a, b = steps[min(done, len(steps) - 1)]
        return act(f"combine {a} and {b}")

    config = EvalConfig(suite="wordcraft", model="scripted", split="test", limit=3, solver="react")
    result = evaluate(config, suite, ScriptedModel(reply), ReActSolver(), RunDir(tmp_path / "run"))
    assert result.summary["pass_at_k"]["pass@1"] == 1.0
    assert {a.solution.stop_reason for a in result.attempts} == {"success"}


def test_an_in_process_model_plays_one_episode_at_a_time():
    from concurrent.futures import ThreadPoolExecutor

    suite = CounterSuite()
    order = []

    def reply(messages, params):
        target = messages[1]["content"].split("target ")[1].split()[0]
        order.append(target)
        return act("add 1")

    model = ScriptedModel(reply)
    model.max_concurrency = 1  # like llama.cpp in process
    solver = ReActSolver(max_repeats=10)
    tasks = [Task("3", "reach 3"), Task("4", "reach 4")]
    with ThreadPoolExecutor(2) as pool:
        solutions = list(pool.map(lambda t: solver.solve(t, SolverView(suite), model, PARAMS), tasks))
    assert [s.stop_reason for s in solutions] == ["success", "success"]
    assert order in (["3"] * 3 + ["4"] * 4, ["4"] * 4 + ["3"] * 3)  # never interleaved
