"""axe-core in the browser: the accessibility check of every page (issue 18).

axe-core (MPL-2.0, its licence beside it) is vendored under tests/data/axe-core so the check
runs on a bare clone with no network. The pages' CSP forbids inline scripts, so the page
under test must come from a context made with ``bypass_csp=True``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page

from tests.support.gateway import Gateway

AXE = Path(__file__).resolve().parent.parent / "data" / "axe-core" / "axe.min.js"
SERIOUS = frozenset({"serious", "critical"})


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it stands, WCAG 2.x A and AA rules."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result: dict[str, Any] = page.evaluate(
        """async () => await window.axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
            resultTypes: ['violations'],
        })"""
    )
    violations: list[dict[str, Any]] = result["violations"]
    return violations


def serious_violations(page: Page) -> list[str]:
    """The serious and critical violations, each as ``rule: where`` for the failure message."""
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(n["target"]) for n in v["nodes"][:3])
        for v in axe_violations(page)
        if v.get("impact") in SERIOUS
    ]


def open_signed_in(browser: Browser, gateway: Gateway, token: str) -> Page:
    """A fresh browser page signed in with ``token`` (CSP bypassed only so that the test can
    inject axe-core; the pages themselves never run scripts)."""
    page = browser.new_page(bypass_csp=True)
    page.goto(gateway.url + "/ui/login")
    page.fill("#token", token)
    page.click("#sign-in")
    page.wait_for_url("**/ui/requests")
    return page


def assert_accessible(page: Page) -> None:
    found = serious_violations(page)
    assert found == [], f"{page.url}: " + "; ".join(found)
