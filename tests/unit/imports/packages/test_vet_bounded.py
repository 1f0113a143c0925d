"""The gateway vets a package in a child process it can stop (ADR 0173): a vetting that runs
too long, a child that dies and an answer that cannot be read all hold, saying why."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
from pathlib import Path

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages.bounded import decoded, encoded, vet_within
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import wheel
from tests.unit.imports.packages.adversary import CURL

FILES = {
    "deny": (
        "evpkg-1.0-py3-none-any.whl",
        wheel("evpkg", "1.0", {"evpkg/__init__.py": (f"import os\nos.system({CURL!r})\n")}),
    ),
    "hold": (
        "evpkg-1.0-py3-none-any.whl",
        wheel(
            "evpkg",
            "1.0",
            {
                "evpkg/__init__.py": "import urllib.request\nurllib.request.urlopen('https://example.com/x')\n"
            },
        ),
    ),
    "allow": (
        "evpkg-1.0-py3-none-any.whl",
        wheel("evpkg", "1.0", {"evpkg/__init__.py": "X = 1\n"}),
    ),
}


def _written(tmp_path: Path, name: str, data: bytes) -> tuple[Path, str]:
    path = tmp_path / name
    path.write_bytes(data)
    return path, hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("case", sorted(FILES))
def test_the_child_answers_what_vetting_here_would(tmp_path: Path, case: str) -> None:
    name, data = FILES[case]
    here = vet(name, data)
    assert here.verdict.value == case  # the three verdicts, each carried across
    path, digest = _written(tmp_path, name, data)
    assert vet_within(name, path, digest=digest, seconds=120) == here
    assert len(here.marks) == (case == "hold")  # a held finding's mark comes back too
    assert decoded(json.dumps(encoded(here)).encode()) == here


def test_a_vetting_that_runs_too_long_is_stopped_and_held(tmp_path: Path) -> None:
    name, data = FILES["allow"]
    path, digest = _written(tmp_path, name, data)
    report = vet_within(name, path, digest=digest, seconds=0.0001)
    assert report.verdict is Outcome.HOLD
    (finding,) = report.findings
    assert finding.rule == "analysis-timeout"
    assert "0.0001 s" in finding.explanation
    assert "uploads.vet_seconds" in finding.explanation
    assert report.sha256 == digest  # an approver can still name the file
    assert multiprocessing.active_children() == []  # the child was stopped, not left running


def test_a_child_that_dies_without_answering_holds(tmp_path: Path) -> None:
    name, data = FILES["allow"]
    _, digest = _written(tmp_path, name, data)
    report = vet_within(name, tmp_path / "gone.whl", digest=digest, seconds=120)
    assert report.verdict is Outcome.HOLD
    assert [f.rule for f in report.findings] == ["analysis-failed"]
    assert "unreadable" in report.findings[0].explanation


GOOD = encoded(vet(*FILES["hold"]))


@pytest.mark.parametrize(
    "sent",
    [
        b"",
        b"[]",
        json.dumps(GOOD).encode()[:-3],
        json.dumps({**GOOD, "filename": 1}).encode(),
        json.dumps({**GOOD, "findings": [["rule", "p", 1, 9, "why"]]}).encode(),
        json.dumps({**GOOD, "findings": [["rule", "p"]]}).encode(),
        json.dumps({**GOOD, "marks": [[GOOD["findings"]]]}).encode(),
        json.dumps({k: v for k, v in GOOD.items() if k != "builds"}).encode(),
    ],
    ids=[
        "empty",
        "not-an-object",
        "truncated",
        "a-number-for-a-name",
        "unknown-severity",
        "short-finding",
        "mark-without-its-text",
        "field-missing",
    ],
)
def test_an_answer_that_is_not_a_whole_report_is_refused(sent: bytes) -> None:
    with pytest.raises((ValueError, KeyError, TypeError)):
        decoded(sent)
