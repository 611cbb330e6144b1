import json

import pytest

from ratchet.analysis import cost_of, pass_at_t, resampling_curve, run_comparison, seconds_per_token, vote_curve
from ratchet.analysis.compare import resolve_strategies, run_dir_name
from ratchet.core import Attempt, Solution, Usage, Verdict
from ratchet.errors import UserError
from ratchet.eval.config import EvalConfig
from ratchet.models import SamplingParams, ScriptedModel
from tests.solvers.fakes import VisibleAdditionSuite
from tests.solvers.test_registry_and_wall import reply_for


def scored(task: str, passed: bool, tokens: int, sample: int = 0, seconds: float = 1.0, cached: int = 0) -> Attempt:
    usage = Usage(prompt_tokens=tokens // 2, completion_tokens=tokens - tokens // 2, calls=1,
                  cached_calls=cached, seconds=seconds)
    verdict = Verdict.ok() if passed else Verdict.fail("x")
    return Attempt(task, sample, Solution("c", "a", usage=usage), verdict)


def test_pass_at_t_counts_tasks_solved_within_the_budget():
    attempts = [scored("a", True, 100), scored("b", True, 300), scored("c", False, 50), scored("d", True, 100)]
    assert pass_at_t(attempts) == [(100.0, 0.25), (100.0, 0.5), (300.0, 0.75)]


def test_resampling_curve_is_pass_at_k_against_k_samples_worth_of_tokens():
    attempts = [scored("a", s == 1, 100, sample=s) for s in range(2)] + [scored("b", False, 100, sample=s) for s in range(2)]
    assert resampling_curve(attempts) == [(100.0, pytest.approx(0.25)), (200.0, pytest.approx(0.5))]


def test_replayed_calls_are_charged_at_the_measured_rate():
    fresh = scored("a", True, 100, seconds=5.0)  # 50 completion tokens in 5 s: 0.1 s per token
    replayed = scored("b", True, 100, seconds=0.0, cached=1)
    rate = seconds_per_token([fresh, replayed])
    assert rate == pytest.approx(0.1)
    cost = cost_of([fresh, replayed], rate)
    assert cost.seconds_per_task == pytest.approx(5.0) and cost.tokens_per_task == 100
    assert cost.replayed_calls == 1
    # a two-call attempt whose first call was replayed: half its tokens were generated
    usage = Usage(prompt_tokens=0, completion_tokens=100, calls=2, cached_calls=1, seconds=10.0)
    mixed = Attempt("c", 0, Solution("c", "a", usage=usage), Verdict.ok())
    assert seconds_per_token([mixed]) == pytest.approx(0.2)


def test_options_apply_only_to_strategies_that_take_them():
    specs = resolve_strategies(["sample", "self-consistency", "self-debug"], max_rounds=2, n=3, tau=None)
    assert specs == ["sample", "self-consistency:n=3", "self-debug:max_rounds=2"]
    with pytest.raises(UserError, match="twice"):
        resolve_strategies(["sample", "sample"])
    with pytest.raises(UserError, match="did you mean 'reflexion'"):
        resolve_strategies(["reflexon"])


def test_run_directory_names_stay_path_friendly():
    config = EvalConfig(suite="humaneval", model="m", solver="gated:gate=disagreement,tau=0.6")
    name = run_dir_name(config)
    assert ":" not in name and "," not in name and "=" not in name
    assert "gated_gate-disagreement_tau-0.6" in name


def test_a_comparison_runs_each_strategy_and_writes_table_plots_and_report(tmp_path):
    suite = VisibleAdditionSuite(n=12)
    base = EvalConfig(suite="visible-addition", model="scripted", split="test", params=SamplingParams())
    specs = ["sample", "self-consistency:n=3", "self-refine:max_rounds=2", "self-debug"]
    comparison = run_comparison(specs, base, suite, ScriptedModel(reply_for), tmp_path, resample=3)
    rows = {row["strategy"]: row for row in comparison.rows()}
    assert rows["sample"]["accuracy"] == 0.0  # greedy is off by one
    assert rows["self-debug"]["accuracy"] == 1.0 and rows["self-debug"]["delta_vs_sample"] == 1.0
    # intervals: Wilson for pass@1, Newcombe and McNemar's exact test for the paired difference
    assert rows["sample"]["accuracy_interval"]["high"] == pytest.approx(0.3903, abs=1e-4)  # 0 of 6
    vs = rows["self-debug"]["vs_sample"]
    assert vs["p_value"] == pytest.approx(2 / 2**6, abs=1e-6) and vs["verdict"] == "better"
    assert vs["difference"]["method"] == "newcombe" and vs["difference"]["low"] == pytest.approx(0.448, abs=1e-3)
    assert rows["sample"]["vs_sample"] is None
    debug = rows["self-debug"]["correction"]
    assert (debug["wrong_right"], debug["cs"], debug["acc1"]) == (debug["n"], 1.0, 0.0)
    assert rows["sample"]["correction"] is None
    assert rows["self-refine:max_rounds=2"]["stop_reasons"] == {"max rounds": debug["n"]}
    assert rows["self-debug"]["cost"]["calls_per_task"] == 2.0
    for name in ("compare.json", "report.html", "accuracy_vs_tokens.png", "pass_at_t.png", "transitions.png"):
        assert (comparison.path / name).stat().st_size > 0
    data = json.loads((comparison.path / "compare.json").read_text())
    assert data["curves"]["resampling"]["sample, pass@k"]
    report = (comparison.path / "report.html").read_text()
    assert "data:image/png;base64," in report and "self-debug" in report
    assert "0.0 [0.0, 39.0]" in report and "+100.0 [+" in report and "Newcombe" in report
    # every run directory is an ordinary eval run, reused on a second comparison
    model = ScriptedModel(reply_for)
    again = run_comparison(specs, base, suite, model, tmp_path, resample=3)
    assert model.calls == [] and again.path == comparison.path


def test_vote_curve_puts_the_majority_after_r_samples_at_r_samples_worth_of_tokens():
    def voted(rounds):
        verdicts = tuple(Verdict.ok() if r else Verdict.fail("x") for r in rounds)
        usage = Usage(prompt_tokens=50 * len(rounds), completion_tokens=50 * len(rounds), calls=len(rounds))
        solution = Solution("c", "a", usage=usage, rounds=len(rounds), round_completions=("c",) * len(rounds))
        return Attempt("t", 0, solution, verdicts[-1], "self-consistency", verdicts)

    curve = vote_curve([voted([False, True, True]), voted([True, True, False])])
    assert curve == [(100.0, 0.5), (200.0, 1.0), (300.0, 0.5)]
