"""The run browser's pages and server, over a runs directory written by Ratchet itself."""

from __future__ import annotations

import re
import threading
import urllib.error
import urllib.request
from urllib.parse import urlencode

import pytest

from ratchet.cli.main import run as run_cli
from ratchet.view import make_server, render, scan
from tests.view.conftest import HOSTILE


def get(root, path, **query):
    status, kind, body = render(root, path, {k: str(v) for k, v in query.items()})
    return status, kind, body.decode() if kind.startswith("text/") else body


def test_the_catalog_finds_every_kind_of_run(runs_dir):
    catalog = scan(runs_dir)
    names = {run.name for run in catalog.evals}
    assert {"addition-weak", "addition-strong", "hostile", "bootstrap/evals/final-test", "self-train/test/base"} <= names
    assert {(run.name, run.kind) for run in catalog.improvements} == {("bootstrap", "traj-bootstrap"),
                                                                       ("self-train", "self-training")}
    assert len(catalog.comparisons) == 1 and catalog.comparisons[0].startswith("compare/compare-")
    hostile = catalog.eval_run("hostile")  # no summary.json: the interval comes from the attempts
    assert hostile.pass_at_k["pass@1"]["estimate"] == pytest.approx(1 / 3, abs=1e-4)


def test_the_index_shows_runs_side_by_side_with_intervals(runs_dir):
    status, _, page = get(runs_dir, "/")
    assert status == 200
    weak = scan(runs_dir).eval_run("addition-weak").pass_at_k["pass@1"]
    shown = f"{100 * weak['estimate']:.1f}% [{100 * weak['low']:.1f}, {100 * weak['high']:.1f}]"
    assert shown in page and "<svg" in page and "n tasks" in page
    assert 'href="/improve?name=self-train"' in page and 'action="/diff"' in page


@pytest.mark.parametrize("path, query", [
    ("/", {}), ("/run", {"name": "hostile"}), ("/run", {"name": "addition-weak", "show": "failed"}),
    ("/diff", {"a": "hostile", "b": "addition-weak"}), ("/diff", {"a": "addition-weak", "b": "addition-strong"}),
])
def test_model_output_and_every_logged_field_are_escaped(runs_dir, path, query):
    status, _, page = get(runs_dir, path, **query)
    assert status == 200
    assert HOSTILE not in page and "<script" not in page and "<img src=x" not in page
    assert 'id="injected"' not in page
    if query.get("name") in ("hostile", "addition-weak"):
        assert "&lt;script&gt;document.title=&quot;pwned&quot;&lt;/script&gt;" in page


def test_a_run_page_lists_attempts_with_verdicts_and_filters_them(runs_dir):
    _, _, every = get(runs_dir, "/run", name="addition-weak")
    _, _, failed = get(runs_dir, "/run", name="addition-weak", show="failed")
    assert every.count('class="badge pass"') == 9 and every.count('class="badge ') == 16
    assert failed.count('class="badge pass"') == 0 and failed.count('class="badge ') == 7


def test_the_diff_names_the_tasks_that_flipped_with_the_paired_difference(runs_dir):
    _, _, page = get(runs_dir, "/diff", a="addition-weak", b="addition-strong")
    # test tasks are the odd- and even-numbered add/i; weak fails odd i, strong fails i % 3 == 0
    weak = {a.task_id: a.passed for a in _attempts(runs_dir, "addition-weak")}
    strong = {a.task_id: a.passed for a in _attempts(runs_dir, "addition-strong")}
    fixed = sorted(t for t in weak if not weak[t] and strong[t])
    broken = sorted(t for t in weak if weak[t] and not strong[t])
    assert f"Fixed (fail → pass): {len(fixed)}" in page and f"Broken (pass → fail): {len(broken)}" in page
    assert all(f"<td>{t}</td>" in page for t in fixed + broken)
    listed = [page.index(f"<td>{t}</td>") for t in sorted(fixed, key=lambda t: int(t.split("/")[1]))]
    assert listed == sorted(listed)  # add/5 before add/19
    assert "McNemar exact p = " in page and "n too small to decide" in page


def _attempts(root, name):
    from ratchet.view.catalog import load_attempts

    return [a for a in load_attempts(scan(root).eval_run(name)) if a.sample == 0]


def test_an_improvement_run_shows_the_gate_decisions_and_its_plots(runs_dir):
    _, _, page = get(runs_dir, "/improve", name="self-train")
    assert page.count("<tr>") == 1 + 3  # header, two iterations, final vs base on test
    assert "iter-01 vs base" in page and "tasks for 80% power" in page and "better" in page
    assert "on 40 test tasks" in page and "~8 test tasks needed" in page
    assert 'src="/png?name=self-train&amp;file=report.png"' in page
    status, kind, png = get(runs_dir, "/png", name="self-train", file="report.png")
    assert status == 200 and kind == "image/png" and png[:4] == b"\x89PNG"
    _, _, bootstrap = get(runs_dir, "/improve", name="bootstrap")
    assert "final: saved database vs the base agent" in bootstrap and "growth.png" in bootstrap


def test_the_comparison_table_carries_intervals(runs_dir):
    name = scan(runs_dir).comparisons[0]
    status, _, page = get(runs_dir, "/comparison", name=name)
    assert status == 200 and "self-debug" in page and "Δ vs sample [95%]" in page


@pytest.mark.parametrize("path, query", [
    ("/run", {"name": "../../etc"}), ("/run", {"name": "nope"}), ("/png", {"name": "self-train", "file": "../config.json"}),
    ("/png", {"name": "self-train", "file": "config.json"}), ("/comparison", {"name": "hostile"}), ("/etc/passwd", {}),
])
def test_names_are_looked_up_never_joined_to_a_path(runs_dir, path, query):
    assert get(runs_dir, path, **query)[0] == 404


def test_the_server_binds_to_localhost_and_forbids_scripts(runs_dir):
    server = make_server(runs_dir, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        assert host == "127.0.0.1"
        with urllib.request.urlopen(f"http://{host}:{port}/run?{urlencode({'name': 'hostile'})}") as response:
            assert response.status == 200
            assert "script-src" not in response.headers["Content-Security-Policy"]
            assert re.match(r"default-src 'none'", response.headers["Content-Security-Policy"])
        head = urllib.request.Request(f"http://{host}:{port}/", method="HEAD")
        with urllib.request.urlopen(head) as response:
            assert response.status == 200 and response.read() == b""
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"http://{host}:{port}/run?name=absent")
        assert missing.value.code == 404
    finally:
        server.shutdown()
        server.server_close()


def test_view_of_a_missing_directory_is_a_one_line_user_error(tmp_path, capsys):
    assert run_cli(["view", str(tmp_path / "absent")]) == 2
    assert "is not a directory of runs" in capsys.readouterr().err


def test_a_busy_port_is_a_user_error_naming_the_option(runs_dir):
    from ratchet.errors import UserError

    first = make_server(runs_dir, 0)
    try:
        with pytest.raises(UserError, match="choose another --port"):
            make_server(runs_dir, first.server_address[1])
    finally:
        first.server_close()
