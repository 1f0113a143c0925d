"""The web UI's landing page, as a person sees it in a browser: behind sign-in (issue 14),
with the enclave's status for those whose role reads it."""

from __future__ import annotations

from playwright.sync_api import Browser

from airlock.domain.principals import Role
from airlock.service import Actor
from tests.e2e.test_approver_ui import sign_in
from tests.support.gateway import Gateway


def test_landing_page_needs_sign_in(browser: Browser, gateway: Gateway) -> None:
    page = browser.new_page()
    try:
        page.goto(gateway.url + "/")
        assert page.url.endswith("/ui/login")
    finally:
        page.close()


def test_landing_page_shows_enclave_status(browser: Browser, gateway: Gateway) -> None:
    page = sign_in(browser, gateway, gateway.admin_token)
    try:
        page.goto(gateway.url + "/")
        assert page.title() == "airlock · airlock"
        assert page.locator("#gateway-state").inner_text() == "running"
        assert page.locator("#store-backend").inner_text() == "sqlite"
        assert page.locator("#principal-count").inner_text() == "1"
        assert len(page.locator("#policy-version").inner_text()) == 16
    finally:
        page.close()


def test_a_researcher_sees_no_enclave_status(browser: Browser, gateway: Gateway) -> None:
    token = gateway.airlock.add_principal(Actor.local_operator(), "rita", Role.RESEARCHER).token
    page = sign_in(browser, gateway, token)
    try:
        page.goto(gateway.url + "/")
        assert page.locator("#viewer").inner_text() == "rita"
        assert page.locator("#principal-count").count() == 0
        assert page.locator("#exfiltration-table").count() == 0
        assert page.locator("#requests-link").count() == 1
    finally:
        page.close()
