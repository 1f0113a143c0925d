"""The generated corpus: every weight payload caught, every benign artifact allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from airlock.domain.requests import Outcome
from airlock.exports.engine import Inspector
from scripts.make_inspection_corpus import HELD_BY_DESIGN, build


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return build(tmp_path_factory.mktemp("corpus"), scale=0.5, seed=7)


def verdicts(files: list[Path]) -> dict[str, Outcome]:
    inspector = Inspector()
    result = {}
    for path in files:
        with path.open("rb") as handle:
            result[path.name] = inspector.inspect(path.name, handle, path.stat().st_size).verdict
    return result


def test_every_weight_payload_is_caught_and_structured_ones_denied(corpus: list[Path]) -> None:
    weights = {n: v for n, v in verdicts(corpus).items() if n.startswith("weights-")}
    assert len(weights) >= 65
    assert sorted(n for n, v in weights.items() if v is Outcome.ALLOW) == []
    not_denied = {n for n, v in weights.items() if v is not Outcome.DENY}
    assert not_denied <= HELD_BY_DESIGN, sorted(not_denied - HELD_BY_DESIGN)


def test_benign_research_outputs_are_allowed(corpus: list[Path]) -> None:
    benign = {n: v for n, v in verdicts(corpus).items() if n.startswith("benign-")}
    assert len(benign) >= 80
    assert sorted(n for n, v in benign.items() if v is not Outcome.ALLOW) == []
