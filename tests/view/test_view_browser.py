"""The run browser in a real browser (Debian's chromium driven by Playwright): pages render,
links and the diff form work, and hostile model output stays text — no script runs, no element
is injected. Screenshots land in the test's tmp_path (pytest --basetemp=DIR keeps them)."""

from __future__ import annotations

import shutil
import threading

import pytest

from ratchet.view import make_server

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
playwright = pytest.importorskip("playwright.sync_api", reason="the dev extra installs playwright")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium: apt-get install chromium")


@pytest.fixture(scope="module")
def site(runs_dir):
    server = make_server(runs_dir, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, port = server.server_address[:2]
    yield f"http://{host}:{port}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    tab.errors = errors  # type: ignore[attr-defined]
    yield tab
    context.close()


def assert_not_injected(tab) -> None:
    assert tab.title() != "pwned"
    assert tab.locator("#injected").count() == 0
    assert tab.locator("main script, main img[src='x']").count() == 0


def test_index_run_and_diff_pages_work_and_stay_inert(site, page, tmp_path):
    page.goto(site + "/")
    assert page.title() == "index"
    assert page.locator("table").first.locator("tr").count() >= 6  # header + the eval runs
    assert page.locator("svg.forest circle").count() >= 5
    page.screenshot(path=str(tmp_path / "index.png"), full_page=True)

    page.click("text=hostile")
    assert page.url.endswith("/run?name=hostile")
    assert_not_injected(page)
    page.locator("details summary").first.click()  # open the first model output
    assert '<script>document.title="pwned"</script>' in page.inner_text("main")
    assert_not_injected(page)
    page.screenshot(path=str(tmp_path / "hostile.png"), full_page=True)

    page.goto(site + "/")
    page.select_option("select[name=a]", "addition-weak")
    page.select_option("select[name=b]", "addition-strong")
    page.click("button[type=submit]")
    assert "/diff?a=addition-weak&b=addition-strong" in page.url
    assert page.locator("h2", has_text="Fixed (fail → pass)").count() == 1
    for summary in page.locator("details summary").all()[:4]:
        summary.click()
    assert_not_injected(page)
    page.screenshot(path=str(tmp_path / "diff.png"), full_page=True)
    assert not page.errors  # type: ignore[attr-defined]


def test_the_gate_decisions_page_shows_its_table_and_plot(site, page, tmp_path):
    page.goto(site + "/improve?name=self-train")
    rows = page.locator("table").first.locator("tr")
    assert rows.count() == 4
    assert "tasks for 80% power" in rows.first.inner_text()
    width = page.locator("img").first.evaluate("img => img.naturalWidth")
    assert width > 100  # the PNG loaded (img-src 'self' allows it)
    page.screenshot(path=str(tmp_path / "improve.png"), full_page=True)
    assert not page.errors  # type: ignore[attr-defined]
