import pytest

from ratchet.core import Split, SolverView
from ratchet.errors import UserError
from ratchet.eval.config import EvalConfig
from ratchet.eval.rundir import RunDir
from ratchet.eval.runner import evaluate
from ratchet.models import SamplingParams, ScriptedModel
from ratchet.solvers import STRATEGIES, SampleSolver, check_solver, make_solver, solver_spec
from ratchet.solvers.registry import parse_spec
from tests.solvers.fakes import GuardedSuite, GuardingSolver, HiddenRead, LogprobModel

PARAMS = SamplingParams()


def test_every_strategy_is_made_by_name_and_round_trips_through_its_spec():
    for name in STRATEGIES:
        solver = make_solver(name)
        assert solver.name == name and solver_spec(solver) == name
    assert isinstance(make_solver("sample"), SampleSolver)
    spec = solver_spec(make_solver("gated", gate="disagreement", tau=0.6, max_rounds=2))
    assert spec == "gated:gate=disagreement,tau=0.6,max_rounds=2"
    assert solver_spec(make_solver(spec)) == spec
    assert make_solver("self-consistency:n=7").n == 7


def test_bad_strategy_input_is_a_one_line_user_error():
    with pytest.raises(UserError, match=r"unknown strategy 'self-debgu' \(did you mean 'self-debug'\?\)"):
        make_solver("self-debgu")
    with pytest.raises(UserError, match=r"'self-refine' takes no option 'n' \(--n-votes\)"):
        make_solver("self-refine", n=3)
    with pytest.raises(UserError, match="max_rouns.*did you mean 'max_rounds'"):
        make_solver("self-debug:max_rouns=2")
    with pytest.raises(UserError, match="must be a number"):
        make_solver("self-debug:max_rounds=three")
    with pytest.raises(UserError, match="write key=value"):
        parse_spec("self-debug:max_rounds")
    with pytest.raises(UserError, match="--max-rounds must be >= 1") as error:
        make_solver("self-debug", max_rounds=0)
    assert "\n" not in str(error.value)


def reply_for(messages, params):
    """A model that is wrong at first (greedy), right when asked again or when sampling."""
    first_prompt = messages[0]["content"]
    a, b = [int(x) for x in first_prompt.replace("?", "").split() if x.isdigit()][:2]
    if len(messages) == 1 and params.temperature == 0:
        return str(a + b + 1)
    if "explain what went wrong" in messages[-1]["content"] or "Review your answer" in messages[-1]["content"]:
        return "off by one"
    return str(a + b)


#: The inference-time strategies of `ratchet.solvers`; test-time training strategies registered from
#: other packages (tt-si, tt-d) train adapters per input and are tested where they live.
INFERENCE_STRATEGIES = sorted(name for name, target in STRATEGIES.items() if target.startswith("ratchet.solvers."))


@pytest.mark.parametrize("name", INFERENCE_STRATEGIES)
def test_no_strategy_reads_the_hidden_verifier_while_solving(name, tmp_path):
    """The wall: the suite's verifier and gold answers raise while any strategy is solving; the
    runner still scores every round afterwards."""
    suite = GuardedSuite(n=10)
    solver = make_solver(name, inner="self-debug") if name == "gated" else make_solver(name)
    try:
        check_solver(solver, suite)
    except UserError:
        pytest.skip(f"{name} does not work on a question-answer suite (e.g. it needs an environment)")
    model = LogprobModel(reply_for, {})
    config = EvalConfig(suite="guarded", model="scripted", split="test", solver=name, params=PARAMS)
    result = evaluate(config, suite, model, GuardingSolver(solver, suite), RunDir(tmp_path))
    assert result.summary["tasks_done"] == len(suite.tasks(Split.TEST))
    with pytest.raises(HiddenRead):  # the guard is armed: reading gold while solving would fail
        suite.solving = True
        try:
            suite.verify(suite.tasks(Split.TEST)[0], "1")
        finally:
            suite.solving = False


def test_correction_rounds_are_judged_by_the_runner(tmp_path):
    suite = GuardedSuite(n=10)
    config = EvalConfig(suite="guarded", model="scripted", split="test", solver="self-debug", params=PARAMS)
    result = evaluate(config, suite, ScriptedModel(reply_for), make_solver("self-debug"), RunDir(tmp_path))
    attempt = result.attempts[0]
    assert [v.passed for v in attempt.round_verdicts] == [False, True]
    assert attempt.solution.stop_reason == "visible tests pass: round 2"
    assert result.summary["pass_at_k"]["pass@1"] == 1.0
    reloaded = RunDir(tmp_path).load_attempts()[0]
    assert reloaded.round_verdicts == attempt.round_verdicts and reloaded.solution.rounds == 2


def test_a_solver_view_offers_no_hidden_verifier():
    view = SolverView(GuardedSuite())
    assert not hasattr(view, "verify") and not hasattr(view, "verify_many")
