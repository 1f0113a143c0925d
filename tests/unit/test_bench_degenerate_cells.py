"""bench/eval_poisoning.py, ADR 0192: a cell that asks for every row its rewrite may take
(a clean-label style at 20% of SMS spam: 1,114 asked, 747 spam rows) is reported as not
applicable, neither a hit nor a miss (rows generated here, no ../shared)."""

from __future__ import annotations

import random

from airlock.imports.datasets.records import DatasetRecord
from bench.eval_poisoning import Outcome, cell_status, is_degenerate, is_held, rewrite


def rows() -> list[DatasetRecord]:
    """90 rows of "ham", 10 of "spam" (the target: the last label)."""
    return [DatasetRecord(i + 1, f"row {i} text", "spam" if i < 10 else "ham") for i in range(100)]


def shouted(text: str, rng: random.Random) -> str:
    return text.upper()


def held_figures(degenerate: bool) -> Outcome:
    return Outcome(
        "sms", "clean-label-shouty", 10, 0, 100, "suspicious", 1.0, 10,
        precision=1.0, recall=1.0, degenerate=degenerate,
    )  # fmt: skip


def test_a_clean_label_cell_past_its_label_plants_the_whole_label_and_is_not_applicable() -> None:
    base = rows()
    out, planted = rewrite(base, shouted, False, 20, 7)  # 20 asked, the label has 10
    assert planted == set(range(10))
    assert all(out[i].text.isupper() for i in planted)
    assert is_degenerate(base, False, 20)
    o = held_figures(degenerate=True)
    assert not is_held(o)  # a perfect score on a degenerate cell is no hit ...
    assert "n/a" in cell_status(o)  # ... and a poor one would be no miss


def test_a_cell_within_its_pool_is_judged_as_before() -> None:
    """Near-miss: 9 of the label's 10 rows, or 20 flipped rows of 90, leave rows unplanted."""
    base = rows()
    assert not is_degenerate(base, False, 9)
    assert not is_degenerate(base, True, 20)
    o = held_figures(degenerate=False)
    assert is_held(o)
    assert cell_status(o) == "held=True"
