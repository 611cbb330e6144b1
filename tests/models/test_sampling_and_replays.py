"""Sampler settings in cache keys and run names; replayed tokens counted apart from generated."""

import pytest

from ratchet.core import Attempt, Solution, Task, Usage, Verdict
from ratchet.errors import UserError
from ratchet.eval.summary import summarize
from ratchet.models import CachedModel, ResponseCache, SamplingParams, ScriptedModel
from ratchet.models.cache import cache_key

MESSAGES = [{"role": "user", "content": "one two three"}]
# The key of SamplingParams() before top_k, min_p and repeat_penalty existed (recorded from the
# code of commit 58e6f3f): caches and run names made then must stay valid.
OLD_DEFAULT_KEY = "9d4d56158284dc3ca98d5ce4c2b169c7a24466f43f2cfe0b2860550dcd891615"


def test_sampler_fields_change_the_key_only_away_from_their_defaults():
    base = cache_key("m", MESSAGES, SamplingParams())
    assert "top_k" not in SamplingParams().to_json()
    assert SamplingParams().to_json(every_field=True)["repeat_penalty"] == 1.0
    others = {cache_key("m", MESSAGES, SamplingParams(**change))
              for change in ({"top_k": 0}, {"min_p": 0.0}, {"repeat_penalty": 1.1})}
    assert len(others) == 3 and base not in others


def test_the_default_key_is_the_one_recorded_before_the_sampler_fields():
    assert cache_key("m", MESSAGES, SamplingParams()) == OLD_DEFAULT_KEY


@pytest.mark.parametrize("bad", [{"top_k": -1}, {"min_p": 1.5}, {"repeat_penalty": 0.0}])
def test_out_of_range_sampler_settings_are_user_errors(bad):
    with pytest.raises(UserError):
        SamplingParams(**bad)


def test_a_replay_counts_its_tokens_as_replayed(tmp_path):
    model = CachedModel(ScriptedModel(["a b c d"] * 2), ResponseCache(tmp_path / "c.sqlite"))
    fresh = model.complete(MESSAGES, SamplingParams())
    replay = model.complete(MESSAGES, SamplingParams())
    assert (fresh.usage.replayed_prompt_tokens, fresh.usage.generated_tokens) == (0, 4)
    assert (replay.usage.replayed_prompt_tokens, replay.usage.replayed_completion_tokens) == (3, 4)
    assert replay.usage.generated_tokens == 0


def _attempt(task_id: str, usage: Usage) -> Attempt:
    return Attempt(task_id, 0, Solution("x", "x", usage=usage), Verdict.ok())


def test_summary_speed_is_generated_tokens_over_generation_seconds():
    fresh = Usage(10, 40, calls=1, seconds=4.0, wait_seconds=6.0)
    replayed = Usage(10, 60, calls=1, cached_calls=1, replayed_prompt_tokens=10, replayed_completion_tokens=60)
    summary = summarize([_attempt("a", fresh), _attempt("b", replayed)],
                        [Task("a", "p"), Task("b", "p")], [1], wall_seconds=12.0)
    assert (summary["tokens_out"], summary["tokens_out_replayed"], summary["tokens_in_replayed"]) == (100, 60, 10)
    assert summary["tokens_per_second"] == 10.0  # 40 generated tokens in 4 s; queueing apart
    assert summary["queue_seconds"] == 6.0


def test_usages_recorded_before_replays_were_counted_apart_are_split_by_calls():
    legacy = Usage(0, 100, calls=2, cached_calls=1, seconds=10.0)
    assert legacy.generated_tokens == 50


def test_in_process_run_names_stay_and_server_run_names_change():
    """An in-process run keeps its name (same sampler as before); a server run made before the
    sampler was sent explicitly (under repeat_penalty 1.1 on llama-cpp-python's server) is not
    resumed (names recorded from commit 58e6f3f)."""
    from ratchet.eval.config import EvalConfig

    assert EvalConfig(suite="gsm", model="m").run_name() == "gsm-test-m-sample-95808fd88c"
    assert EvalConfig(suite="gsm", model="m", base_url="http://x/v1").run_name() != "gsm-test-m-sample-9f332e2bfc"


def test_ratchet_eval_prints_replayed_tokens_apart(tmp_path, capsys):
    """A rerun into a new run directory answers every call from the response cache: its summary
    and printed table say those tokens were replayed, and report no generation speed."""
    from ratchet.cli.eval_cmd import print_result
    from ratchet.eval.config import EvalConfig
    from ratchet.eval.rundir import RunDir
    from ratchet.eval.runner import evaluate
    from ratchet.solvers import SampleSolver
    from tests.toy import AdditionSuite, solve_correctly

    config = EvalConfig(suite="addition", model="scripted", split="test", params=SamplingParams())
    cache = ResponseCache(tmp_path / "cache.sqlite")
    first = evaluate(config, AdditionSuite(), CachedModel(ScriptedModel(solve_correctly), cache), SampleSolver(),
                     RunDir(tmp_path / "a"))
    again = evaluate(config, AdditionSuite(), CachedModel(ScriptedModel(solve_correctly), cache), SampleSolver(),
                     RunDir(tmp_path / "b"))
    assert first.summary["tokens_out_replayed"] == 0
    assert again.summary["tokens_out_replayed"] == again.summary["tokens_out"] > 0
    assert again.summary["tokens_in_replayed"] == again.summary["tokens_in"]
    print_result(again)
    out = capsys.readouterr().out
    assert "of which replayed" in out and "generation speed" not in out


def test_self_training_reports_count_replayed_tokens_apart(tmp_path):
    """A summary whose calls all came from the response cache adds to the replayed tokens of the
    report, not to the tokens spent; a summary written before replays were counted apart counts
    as generated."""
    import json

    from ratchet.learn.loop import ImproveConfig, improve
    from ratchet.learn.loop_report import build_report, render_markdown
    from tests.learn.fakes import GoldAdditionSuite, ScriptedBackend

    config = ImproveConfig(method="rest-em", suite="addition", model="scripted", iterations=1, samples=2,
                           min_examples=2, max_tokens=32)
    improve(config, GoldAdditionSuite(n=60), ScriptedBackend(0.3, [0.9]), tmp_path)
    base = build_report(tmp_path)["iterations"][0]
    assert base["tokens"] > 0 and base["tokens_replayed"] == 0
    path = tmp_path / "iter-00" / "dev" / "summary.json"
    summary = json.loads(path.read_text())
    summary.update(tokens_in_replayed=summary["tokens_in"], tokens_out_replayed=summary["tokens_out"])
    path.write_text(json.dumps(summary))
    report = build_report(tmp_path)
    replayed = report["iterations"][0]
    assert (replayed["tokens"], replayed["tokens_replayed"]) == (0, base["tokens"])
    assert f"| 0 ({base['tokens']:,}) |" in render_markdown(report)
