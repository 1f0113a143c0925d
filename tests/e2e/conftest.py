"""Headless Chromium (Debian's package) driven by Playwright, against a real gateway."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("chromium is not installed in CI: .ci/run must install Debian's chromium")
    pytest.skip("browser tests skipped: install Debian's chromium package")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    # Playwright gives each launch a fresh, empty profile of its own.
    executable = chromium_path()
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield instance
        instance.close()
