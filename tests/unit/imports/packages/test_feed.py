"""The offline OSV malicious-packages feed: parsing and exact matches."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from airlock.domain.requests import Outcome
from airlock.errors import InvalidInput, SourceError
from airlock.imports.packages.feed import feed_entries, known_bad, parse_osv
from airlock.imports.packages.feed_files import feed_texts
from airlock.imports.packages.verdicts import vet_many
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


def test_a_withdrawn_record_denies_nothing() -> None:
    withdrawn = {**EVERY, "withdrawn": "2026-01-02T00:00:00Z"}
    assert parse_osv(json.dumps(withdrawn)) == []
    with pytest.raises(InvalidInput, match="no PyPI records"):
        feed_entries([json.dumps(withdrawn)])


def test_feed_files_reads_folders_zips_and_files_alike(tmp_path: Path) -> None:
    tree = tmp_path / "osv" / "malicious" / "pypi"
    (tree / "tidy").mkdir(parents=True)
    (tree / "tidy" / "MAL-2099-1.json").write_text(json.dumps(RECORD))
    (tree / "plain").mkdir()
    (tree / "plain" / "MAL-2099-2.json").write_text(json.dumps(EVERY))
    (tree / "README.md").write_text("not a record")
    archive = tmp_path / "feed.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("pypi/tidy/MAL-2099-1.json", json.dumps(RECORD))
        z.writestr("pypi/plain/MAL-2099-2.json", json.dumps(EVERY))
    expected = [("MAL-2099-1", "tidy", "1.0"), ("MAL-2099-2", "plain", "*")]
    assert sorted(feed_entries(feed_texts([tmp_path / "osv"]))) == expected
    assert sorted(feed_entries(feed_texts([archive]))) == expected
    single = tmp_path / "one.json"
    single.write_text(json.dumps([RECORD, EVERY]))
    assert sorted(feed_entries(feed_texts([single]))) == expected


def test_a_feed_file_that_is_not_text_is_a_source_error(tmp_path: Path) -> None:
    blob = tmp_path / "x.json"
    blob.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(SourceError, match="not UTF-8"):
        list(feed_texts([blob]))
