"""A Traj-Bootstrap run killed at any point and resumed ends exactly as an uninterrupted run:
the same attempts, exemplars shown, curve, dropped exemplars and artifact (exemplar curation's
ranking is pinned per segment in state.json, not re-measured on restart)."""

from __future__ import annotations

import json

import pytest

from ratchet.experience import ExperienceStore
from ratchet.learn.bootstrap import traj_bootstrap
from ratchet.learn.bootstrap.loop import task_order
from ratchet.models import ScriptedModel

from tests.experience.test_bootstrap import config, poisoned_by
from tests.toy import AdditionSuite


def artifacts(path) -> dict:
    result = json.loads((path / "result.json").read_text())
    result["cost"].pop("phase_seconds")
    result.pop("database")  # its path
    with ExperienceStore.open(path / "store.sqlite") as store:
        shown = sorted((e.id, e.collection, e.passed, tuple(e.exemplar_ids)) for e in store.iter(collection=None))
    with ExperienceStore.open(path / "database.sqlite") as database:
        kept = sorted(e.id for e in database.iter())
        ranking = database.meta("utility_ranking")
    return {"result": result, "shown": shown, "kept": kept, "ranking": ranking}


@pytest.mark.parametrize("kill_after", [7, 19, 33])
def test_a_killed_and_resumed_run_equals_an_uninterrupted_one(tmp_path, kill_after):
    suite = AdditionSuite(50)
    cfg = config(curation=("db", "exemplar"), population=2, iterations=2, checkpoints=3, min_uses=1,
                 curve_on_test=False)
    poison = task_order(suite.tasks("train"), cfg.seed, 0, 0)[0]
    respond = poisoned_by(poison.prompt)
    traj_bootstrap(cfg, suite, ScriptedModel(respond), tmp_path / "whole")
    calls = {"n": 0}

    def dies(messages, params):
        calls["n"] += 1
        if calls["n"] > kill_after:
            raise KeyboardInterrupt  # a kill at this call
        return respond(messages, params)

    with pytest.raises(KeyboardInterrupt):
        traj_bootstrap(cfg, suite, ScriptedModel(dies), tmp_path / "killed")
    traj_bootstrap(cfg, suite, ScriptedModel(respond), tmp_path / "killed")
    whole, resumed = artifacts(tmp_path / "whole"), artifacts(tmp_path / "killed")
    assert resumed == whole
