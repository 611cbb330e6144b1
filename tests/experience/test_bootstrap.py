"""Traj-Bootstrap with a scripted model: the loop, resumption, and both curations."""

from __future__ import annotations

import json

import pytest

from ratchet.errors import UserError
from ratchet.experience import ExperienceStore
from ratchet.learn.bootstrap import BootstrapConfig, traj_bootstrap
from ratchet.learn.bootstrap.loop import segment_bounds, task_order
from ratchet.learn.bootstrap.report import compare_on_test, write_report
from ratchet.models import ScriptedModel

from tests.toy import AdditionSuite, solve_correctly


def shown_prompts(messages) -> list[str]:
    return [m["content"] for m in messages[:-1] if m["role"] == "user"]


def needs_an_example(messages, params):
    """Right with at least one exemplar, or on every third task; else wrong."""
    i = int(messages[-1]["content"].split()[2])
    return solve_correctly(messages, params) if shown_prompts(messages) or i % 3 == 0 else "0"


def poisoned_by(prompt: str):
    """Always right, except when the exemplar for `prompt` is shown."""
    def respond(messages, params):
        return "0" if prompt in shown_prompts(messages) else solve_correctly(messages, params)
    return respond


def config(**overrides) -> BootstrapConfig:
    values = dict(suite="addition", model="scripted", checkpoints=3, shots=2, base_samples=2)
    values.update(overrides)
    return BootstrapConfig(**values)


def test_segments_cover_every_step():
    assert segment_bounds(10, 3) == [3, 7, 10]
    assert segment_bounds(2, 4) == [1, 2]


def test_naive_bootstrap_grows_the_database_and_beats_the_base_agent(tmp_path):
    suite = AdditionSuite(60)
    result = traj_bootstrap(config(), suite, ScriptedModel(needs_an_example), tmp_path)
    train = len(suite.tasks("train"))
    assert result.cost["train_attempts"] == train
    assert result.base["test_pass@1"] < 0.5 < result.final["test_pass@1"] == 1.0
    assert result.decision["kept"] and result.decision["candidate_only"] > 0
    sizes = [p["db_size"] for p in result.curve]
    assert len(result.curve) == 3 and sizes == sorted(sizes) and sizes[-1] >= train - 1
    assert all(p["test_pass@1"] is None for p in result.curve)  # the curve is on dev only
    assert not result.test_seen and [r["evaluation"] for r in result.test_reads] == [
        "base-test", "base-test-sampled", "final-test"]
    with ExperienceStore.open(result.database, create=False) as database:
        stored = list(database.iter())
    assert len(stored) == train  # every attempt, failures included, with provenance
    assert {e.model for e in stored} == {"scripted"} and all(e.run.endswith("/m0") for e in stored)
    assert sum(bool(e.exemplar_ids) for e in stored) >= train - 2
    assert json.loads((tmp_path / "result.json").read_text())["final"] == result.final
    page, png = write_report(tmp_path)
    assert "Before and after" in page.read_text() and png.stat().st_size > 5000
    # intervals: dev from the gate's record, test from the test logs, and the paired difference
    tested = compare_on_test(tmp_path)
    assert tested["final"]["estimate"] == 1.0 and tested["final"]["method"] == "wilson"
    assert tested["sampled"]["pass@2"]["method"] == "bootstrap" and "(sampled) [95%]" in page.read_text()
    assert tested["final_vs_base"]["verdict"] == "better" and tested["final_vs_base"]["p_value"] < 0.05
    text = page.read_text()
    assert "100.0% [" in text and "database − base" in text and "needed for 80% power" in text
    assert result.decision["difference"]["method"] == "newcombe" and result.decision["verdict"]


def test_improve_prints_the_gate_with_its_interval_and_the_tasks_it_needs(tmp_path, capsys):
    from ratchet.cli.improve_cmd import print_result

    result = traj_bootstrap(config(), AdditionSuite(40), ScriptedModel(needs_an_example), tmp_path)
    print_result(result.to_json(), tmp_path)
    out = capsys.readouterr().out
    assert "Δ = +" in out and "needed for 80% power" in out and "[95%" in out


class SplitLog(AdditionSuite):
    """Records, in order, the split of every task the verifier judges."""

    def __init__(self, n: int) -> None:
        super().__init__(n)
        self.split = {t.id: split for split in ("train", "dev", "test") for t in self.tasks(split)}
        self.judged: list[str] = []

    def verify(self, task, completion):
        self.judged.append(self.split[task.id])
        return super().verify(task, completion)


def test_test_is_read_once_after_every_decision_unless_the_curve_opts_in(tmp_path):
    suite = SplitLog(40)
    result = traj_bootstrap(config(), suite, ScriptedModel(needs_an_example), tmp_path / "once")
    first_test = suite.judged.index("test")
    assert set(suite.judged[first_test:]) == {"test"} and "dev" in suite.judged[:first_test]
    assert "read once, at the end" in write_report(tmp_path / "once")[0].read_text()
    seen = SplitLog(40)
    stamped = traj_bootstrap(config(curve_on_test=True), seen, ScriptedModel(needs_an_example), tmp_path / "seen")
    first_test = seen.judged.index("test")
    assert "dev" in seen.judged[first_test:]  # test was read while decisions were still made
    assert stamped.test_seen and [r["phase"] for r in stamped.test_reads].count("checkpoint") == 3
    assert all(p["test_pass@1"] is not None for p in stamped.curve)
    assert "<b>seen</b>" in write_report(tmp_path / "seen")[0].read_text()


def test_a_resumed_run_redoes_nothing(tmp_path):
    suite = AdditionSuite(40)
    first = traj_bootstrap(config(), suite, ScriptedModel(needs_an_example), tmp_path)
    again = ScriptedModel(needs_an_example)
    second = traj_bootstrap(config(), suite, again, tmp_path)
    assert again.calls == []
    assert second.final == first.final and second.curve == first.curve


def test_a_run_killed_midway_resumes_without_duplicates(tmp_path):
    suite = AdditionSuite(40)
    calls = {"n": 0}

    def dies(messages, params):
        calls["n"] += 1
        if calls["n"] > 40:
            raise KeyboardInterrupt  # stands for a kill: no clean-up runs after it
        return needs_an_example(messages, params)

    with pytest.raises(KeyboardInterrupt):
        traj_bootstrap(config(), suite, ScriptedModel(dies), tmp_path)
    interrupted = json.loads((tmp_path / "state.json").read_text())["seconds"]
    assert interrupted and all(v > 0 for v in interrupted.values())  # the interrupted phase's time is kept
    result = traj_bootstrap(config(), suite, ScriptedModel(needs_an_example), tmp_path)
    with ExperienceStore.open(tmp_path / "store.sqlite") as store:
        ids = [e.id for e in store.iter(collection=None)]
    assert len(ids) == len(set(ids)) == len(suite.tasks("train"))
    assert result.final["test_pass@1"] == 1.0
    assert all(result.cost["phase_seconds"][k] >= round(v, 1) for k, v in interrupted.items())


def test_db_curation_replaces_the_worst_database_by_a_copy_of_the_best(tmp_path):
    suite = AdditionSuite(60)
    cfg = config(curation=("db",), population=2, checkpoints=4, pbt_level=0.05, curve_on_test=False)
    train = suite.tasks("train")
    poison = task_order(train, cfg.seed, 1, 0)[0]  # member 1 stores it first
    assert poison not in task_order(train, cfg.seed, 0, 0)[:len(train) // 4]
    result = traj_bootstrap(cfg, suite, ScriptedModel(poisoned_by(poison.prompt)), tmp_path)
    first = result.replacements[0]
    assert first["segment"] == 0 and first["worst"] == 1 and first["best"] == 0
    assert first["decision"]["accept"] and first["copied"] > 0 and first["to"] == "m1.g1"
    with ExperienceStore.open(tmp_path / "store.sqlite") as store:
        copied = store.ids("m1.g1")
        assert store.ids("m0.g0") & copied and not store.ids("m1.g0") & copied
    members = {p["member"] for p in result.curve}
    assert members == {0, 1} and result.final["member"] in members


def test_exemplar_curation_drops_the_harmful_exemplar(tmp_path):
    suite = AdditionSuite(60)
    train = suite.tasks("train")
    cfg = config(curation=("exemplar",), iterations=2, checkpoints=2, min_uses=2, curve_on_test=False)
    poison = task_order(train, cfg.seed, 0, 0)[0]
    result = traj_bootstrap(cfg, suite, ScriptedModel(poisoned_by(poison.prompt)), tmp_path / "curated")
    dropped = result.curation["dropped"]
    assert len(dropped) >= 1
    with ExperienceStore.open(result.database) as database:
        kept_tasks = {e.task_id for e in database.iter(passed=True)}
        poison_ids = {e.id for e in database.iter() if e.task_id == poison.id and e.passed}
    assert poison.id not in kept_tasks and not poison_ids
    worst = min(result.curation["utilities"], key=lambda u: u["utility"])
    assert worst["exemplar_id"] in dropped and worst["utility"] < 0
    naive = traj_bootstrap(config(iterations=2, checkpoints=2, curve_on_test=False), suite,
                           ScriptedModel(poisoned_by(poison.prompt)), tmp_path / "naive")
    assert result.final["dev_pass@1"] >= naive.final["dev_pass@1"]
    assert result.final["test_pass@1"] > naive.final["test_pass@1"]
    # The saved database carries its ranking: used as `eval --exemplars` uses it, it scores on dev
    # what its last checkpoint scored.
    last = [p for p in result.curve if p["segment"] == max(q["segment"] for q in result.curve)]
    assert result.final["dev_pass@1"] == last[0]["dev_pass@1"]
    with ExperienceStore.open(result.database, create=False) as database:
        assert database.meta("utility_ranking") is not None
    with ExperienceStore.open(naive.database, create=False) as database:
        assert database.meta("utility_ranking") is None


def test_a_database_with_no_success_is_not_kept_and_nothing_breaks(tmp_path):
    result = traj_bootstrap(config(checkpoints=1), AdditionSuite(30), ScriptedModel(lambda m, p: "no idea"),
                            tmp_path)
    assert result.cost["train_successes"] == 0 and not result.decision["kept"]
    assert result.final["test_pass@1"] == result.base["test_pass@1"] == 0.0
    assert "no successful trajectory" in result.decision["reason"]
    write_report(tmp_path)


def test_an_initial_database_seeds_every_member(tmp_path):
    suite = AdditionSuite(40)
    first = traj_bootstrap(config(checkpoints=1), suite, ScriptedModel(needs_an_example), tmp_path / "first")
    cfg = config(checkpoints=1, curation=("db",), population=2, initial=first.database)
    model = ScriptedModel(needs_an_example)
    second = traj_bootstrap(cfg, suite, model, tmp_path / "second")
    assert second.cost["train_successes"] == second.cost["train_attempts"]  # examples from the start
    assert all(p["db_size"] >= first.curve[-1]["db_size"] for p in second.curve)
    # The agent it starts from is the initial one: its baseline is shown the initial examples too.
    assert first.base["test_pass@1"] < 0.5
    assert second.base["test_pass@1"] == second.base["dev_pass@1"] == 1.0
    empty = tmp_path / "empty.sqlite"
    ExperienceStore.open(empty).close()
    with pytest.raises(UserError, match="no successful trajectory for suite 'addition' to start from"):
        traj_bootstrap(config(initial=str(empty)), suite, model, tmp_path / "third")


def test_exemplar_curation_measures_the_agents_attempts_not_the_seeds(tmp_path):
    """Seeds are exemplars, not attempts: an agent that never succeeds must not make them look
    harmful by comparison with themselves; and a database whose successes are all dropped is
    "not kept", never a crash."""
    suite = AdditionSuite(40)
    first = traj_bootstrap(config(checkpoints=1), suite, ScriptedModel(needs_an_example), tmp_path / "first")
    never = ScriptedModel(lambda messages, params: "no idea")
    cfg = config(checkpoints=1, curation=("exemplar",), initial=first.database, min_uses=1)
    result = traj_bootstrap(cfg, suite, never, tmp_path / "seeded")
    assert result.cost["train_successes"] == 0
    assert result.curation["dropped"] == []  # utility 0 when no attempt succeeds, shown or not
    assert not result.decision["kept"]


def test_population_members_sample_with_their_own_seeds(tmp_path):
    """With nothing to retrieve, two members see the same prompt for a task; they must still draw
    their own samples (distinct seeds), not replay each other's."""
    seeds: dict[str, set[int]] = {}

    def never(messages, params):
        seeds.setdefault(messages[-1]["content"], set()).add(params.seed)
        return "no idea"

    cfg = config(checkpoints=1, curation=("db",), population=2, iterations=2)
    traj_bootstrap(cfg, AdditionSuite(20), ScriptedModel(never), tmp_path)
    train_prompts = {t.prompt for t in AdditionSuite(20).tasks("train")}
    assert all(len(seeds[p]) == 4 for p in train_prompts)  # 2 members x 2 passes
