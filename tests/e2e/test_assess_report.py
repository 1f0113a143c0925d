"""The assessment report in headless Chromium: it renders, loads nothing from outside, and
reads at 1280 px, both as the file `airlock assess -o` writes and as the /ui/assess page."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, Page

from tests.e2e.test_approver_ui import sign_in
from tests.support.gateway import CliRunner, Gateway

WIDTH = 1280


def _readable(page: Page) -> None:
    assert page.locator("#level").inner_text().startswith("Level reached: SL")
    assert page.locator("#families svg").count() >= 5  # one bar per family assessed
    assert page.locator("#measures tr").count() > 10
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= WIDTH, f"the report scrolls sideways at {WIDTH} px ({overflow})"
    size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert size >= 14
    bar = page.locator("#families svg").first.bounding_box()
    assert bar is not None
    assert bar["width"] > 100
    assert bar["height"] > 10


def test_the_written_report_renders_offline(
    browser: Browser, initialised_cli: CliRunner, tmp_path: Path
) -> None:
    out = tmp_path / "assessment"
    assert initialised_cli("assess", "-o", str(out)).code == 0
    report = out / "report.html"
    page = browser.new_page(viewport={"width": WIDTH, "height": 900})
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url))
    try:
        page.goto(report.as_uri())
        assert page.title() == "airlock · SL assessment"
        _readable(page)
        assert fetched == [report.as_uri()]  # no stylesheet, font, script or image from anywhere
    finally:
        page.close()


def test_the_assess_page_is_offered_in_the_web_ui(browser: Browser, gateway: Gateway) -> None:
    size_before = gateway.airlock.ledger.size()
    page = sign_in(browser, gateway, gateway.admin_token)
    page.set_viewport_size({"width": WIDTH, "height": 900})
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url))
    try:
        page.goto(gateway.url + "/ui/assess?level=SL3")
        _readable(page)
        assert "assessed up to SL3" in page.locator("#level").inner_text()
        assert fetched == [gateway.url + "/ui/assess?level=SL3"]
    finally:
        page.close()
    assert gateway.airlock.ledger.size() == size_before  # the page reads; it records nothing
