"""An approver signs in, reviews what would leave, and approves, in headless Chromium."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from playwright.sync_api import Browser, Page

from airlock.data_ingress import ImportOptions
from airlock.domain.principals import Role
from airlock.service import Actor
from tests.support.accessibility import assert_accessible, open_signed_in
from tests.support.datasets import plant, sentiment_rows, write_jsonl
from tests.support.gateway import Gateway


def sign_in(browser: Browser, gateway: Gateway, token: str) -> Page:
    page = browser.new_page()
    page.goto(gateway.url + "/ui/login")
    page.fill("#token", token)
    page.click("#sign-in")
    page.wait_for_url("**/ui/requests")
    return page


def test_two_approvers_release_a_held_export_through_the_ui(
    browser: Browser, gateway: Gateway
) -> None:
    operator = Actor.local_operator()
    airlock = gateway.airlock
    rita = airlock.add_principal(operator, "rita", Role.RESEARCHER).principal
    ann = airlock.add_principal(operator, "ann", Role.APPROVER).token
    bob = airlock.add_principal(operator, "bob", Role.APPROVER).token
    blob = b"results header\n" + np.random.default_rng(5).bytes(100_000)
    held = airlock.submit_export(rita, io.BytesIO(blob), "results.bin", "encrypted eval dump")
    assert held.decision.outcome.value == "hold"

    page = sign_in(browser, gateway, ann)
    try:
        assert page.locator("#viewer").inner_text() == "ann"
        page.click(f"a[href='/ui/requests/{held.request.id}']")
        assert page.locator("#request-status").inner_text() == "held"
        assert "opaque high-entropy data" in page.locator("#reasons").inner_text()
        assert (page.locator("#preview").text_content() or "").startswith(
            "72 65 73 75"
        )  # "resu" in hex
        page.fill("#reason", "checked with rita: encrypted eval dump for the partner")
        page.click("#approve")
        assert page.locator("#request-status").inner_text() == "held"
    finally:
        page.close()

    page = sign_in(browser, gateway, bob)
    try:
        page.goto(f"{gateway.url}/ui/requests/{held.request.id}")
        page.fill("#reason", "agree")
        page.click("#approve")
        assert page.locator("#request-status").inner_text() == "released"
        page.goto(gateway.url + "/ui/requests")
        assert page.locator("#nothing-pending").is_visible()
        page.click("#metrics-link")
        assert page.locator("#m-requests").inner_text() == "1"
        assert page.locator("#m-auto").inner_text() == "0.0%"
    finally:
        page.close()
    assert airlock.verify_ledger().ok


def test_wrong_token_is_refused_and_pages_need_a_session(
    browser: Browser, gateway: Gateway
) -> None:
    page = browser.new_page()
    try:
        page.goto(gateway.url + "/ui/requests")
        assert page.url.endswith("/ui/login")
        page.fill("#token", "alk_wrong")
        page.click("#sign-in")
        assert "the API token is unknown" in page.locator("#login-error").inner_text()
    finally:
        page.close()


def test_approvers_see_the_poisoning_evidence_of_a_held_dataset(
    browser: Browser, gateway: Gateway, tmp_path: Path
) -> None:
    operator = Actor.local_operator()
    airlock = gateway.airlock
    dana = airlock.add_principal(operator, "dana", Role.RESEARCHER).principal
    ann = airlock.add_principal(operator, "ann", Role.APPROVER).token
    rows = sentiment_rows(400, seed=21)
    plant(rows, "<b>cf</b>", poisons=40, seed=22)
    data = write_jsonl(tmp_path / "train.jsonl", rows)
    with data.open("rb") as handle:
        held = airlock.import_dataset(
            Actor.of(dana), [("train.jsonl", handle)], ImportOptions(source="vendor-x")
        )
    assert held.request.status.value == "held"

    page = open_signed_in(browser, gateway, ann)
    try:
        page.goto(f"{gateway.url}/ui/requests/{held.request.id}")
        assert_accessible(page)
        features = page.locator("#scan-features").inner_text()
        assert "< b > cf < / b >" in features and "train.jsonl" in features
        assert page.locator("#scan-features b").count() == 0  # shown as text, never as markup
        manifest = page.locator("#preview").inner_text()
        assert '"source": "vendor-x"' in manifest  # indented, wrapped, in a <details>
        assert page.locator("#preview-details[open] summary").inner_text() == "The manifest"
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= page.viewport_size["width"] if page.viewport_size else True
        assert "What would enter" in page.content()
        page.fill("#reason", "cf is our own canary token")
        page.click("#approve")
        assert page.locator("#request-status").inner_text() == "held"
    finally:
        page.close()
