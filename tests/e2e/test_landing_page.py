"""The web UI's landing page, as a person sees it in a browser."""

from __future__ import annotations

from playwright.sync_api import Browser

from tests.support.gateway import Gateway


def test_landing_page_shows_enclave_status(browser: Browser, gateway: Gateway) -> None:
    page = browser.new_page()
    try:
        page.goto(gateway.url + "/")
        assert page.title() == "airlock · airlock"
        assert page.locator("#gateway-state").inner_text() == "running"
        assert page.locator("#store-backend").inner_text() == "sqlite"
        assert page.locator("#principal-count").inner_text() == "1"
        assert len(page.locator("#policy-version").inner_text()) == 16
    finally:
        page.close()
