"""The closing line of a test run names each skipped leg and how to enable it."""

from __future__ import annotations

from collections import Counter

from tests.support.legs import BROWSER, POSTGRES, skipped_legs, summary_line


def test_skip_reasons_are_counted_per_leg() -> None:
    reasons = [
        f"[postgres leg] no server: {POSTGRES.enable}",
        f"[postgres leg] no server: {POSTGRES.enable}",
        f"[browser leg] chromium is not installed: {BROWSER.enable}",
        "the memory store has no transaction to nest",
    ]
    assert skipped_legs(reasons) == Counter({"postgres": 2, "browser": 1})


def test_summary_names_every_skipped_leg_and_how_to_enable_it() -> None:
    line = summary_line(Counter({"postgres": 72, "browser": 3}))
    assert line.startswith("LEGS SKIPPED: ")
    assert "postgres (72 tests" in line
    assert POSTGRES.enable in line
    assert BROWSER.enable in line
    assert "embeddings" not in line


def test_summary_says_so_when_nothing_was_skipped() -> None:
    assert "none skipped" in summary_line(Counter())
