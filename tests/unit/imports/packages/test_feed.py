"""The offline OSV malicious-packages feed: parsing and exact matches."""

from __future__ import annotations

import json

import pytest

from airlock.domain.requests import Outcome
from airlock.errors import InvalidInput
from airlock.imports.packages.feed import known_bad, parse_osv
from airlock.imports.packages.vet import vet_many
from scripts.make_test_packages import BENIGN

RECORD = {
    "id": "MAL-2099-1",
    "affected": [
        {"package": {"ecosystem": "PyPI", "name": "Tidy"}, "versions": ["1.0"]},
        {"package": {"ecosystem": "npm", "name": "plain"}},
    ],
}
EVERY = {"id": "MAL-2099-2", "affected": [{"package": {"ecosystem": "PyPI", "name": "plain"}}]}


def test_parse_keeps_pypi_entries_and_reads_json_lines() -> None:
    assert parse_osv(json.dumps(RECORD)) == [("MAL-2099-1", "Tidy", "1.0")]
    lines = json.dumps(RECORD) + "\n" + json.dumps(EVERY) + "\n"
    assert parse_osv(lines)[-1] == ("MAL-2099-2", "plain", "*")


def test_exact_matches_deny_and_others_do_not() -> None:
    feed = known_bad([json.dumps([RECORD, EVERY])])
    files = [(name, BENIGN[name]) for name in ("tidy-1.0-py3-none-any.whl", "plain-2.1.tar.gz")]
    reports = vet_many(files, feed)
    assert [r.verdict for r in reports] == [Outcome.DENY, Outcome.DENY]
    assert reports[0].findings[0].rule == "known-malicious"
    assert feed.match("tidy", "1.1") is None
    assert [r.verdict for r in vet_many(files)] == [Outcome.ALLOW, Outcome.ALLOW]


@pytest.mark.parametrize("text", ["not json", "[]", json.dumps({"affected": []})])
def test_bad_or_empty_feeds_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        known_bad([text])
