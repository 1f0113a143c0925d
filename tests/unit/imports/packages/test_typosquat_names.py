"""The typosquat list shipped as data, refreshed from an offline list and the index, and the
feed's names held as known-bad (issue 16)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from airlock.domain.requests import Outcome
from airlock.imports.packages.feed import known_bad
from airlock.imports.packages.typosquat import (
    POPULAR,
    Protected,
    distance,
    one_edit,
    popular_names,
    refreshed_names,
    typosquat_of,
)
from airlock.imports.packages.verdicts import vet_many, with_advisory, with_names
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import BENIGN

WHEEL = "tidy-1.0-py3-none-any.whl"


def test_the_shipped_list_is_data_and_still_protects() -> None:
    assert {"requests", "numpy", "torch"} <= POPULAR and len(POPULAR) > 200
    assert typosquat_of("reqeusts") == "requests"
    assert typosquat_of("requests") is None


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("# top\nPolars\nduckdb  # a comment\n\n", ["polars", "duckdb"]),
        ("project,downloads\nPolars,10\nduck_db,3\n", ["polars", "duck-db"]),
        (json.dumps({"rows": [{"project": "polars"}, {"project": "x y"}]}), ["polars"]),
    ],
)
def test_offline_lists_in_three_shapes(text: str, names: list[str]) -> None:
    assert popular_names(text) == names


def test_a_list_of_another_json_shape_is_refused() -> None:
    with pytest.raises(ValueError, match="rows"):
        popular_names('{"projects": []}')


def test_refresh_keeps_new_popular_names_and_every_index_project() -> None:
    rows = refreshed_names(["polars", "requests"], ["Tidy", "internal-tools"])
    assert rows == [("internal-tools", "index"), ("polars", "popular"), ("tidy", "index")]


def test_a_refreshed_name_is_protected_from_imitation() -> None:
    report = vet(WHEEL, BENIGN[WHEEL])
    assert report.verdict is Outcome.ALLOW
    # tidy itself is protected: a new release of the index's own project is not a squat.
    assert with_names(report, Protected.of([("tidy", "index")], [])) == report
    squat = with_names(report, Protected.of([("tidyy", "popular")], []))
    assert squat.verdict is Outcome.HOLD and squat.findings[0].rule == "typosquat"
    assert "'tidyy'" in squat.findings[0].explanation


def test_a_name_the_feed_lists_at_another_version_holds() -> None:
    report = vet(WHEEL, BENIGN[WHEEL])
    held = with_names(report, Protected.of([], ["Tidy"]))
    assert held.verdict is Outcome.HOLD and held.findings[0].rule == "known-bad-name"
    # The listed version itself is denied by the feed, not held twice.
    denied = with_names(with_advisory(report, "MAL-1"), Protected.of([], ["tidy"]))
    assert denied.verdict is Outcome.DENY
    assert [f.rule for f in denied.findings].count("known-bad-name") == 0


def test_a_hijacked_popular_or_own_project_is_not_held_at_every_version() -> None:
    protected = Protected.of([("tidy", "index")], ["requests", "tidy", "evil"])
    assert protected.bad == frozenset({"evil"})


def test_vetting_with_a_feed_file_holds_its_names_at_other_versions() -> None:
    feed = known_bad(
        [json.dumps({"id": "MAL-1", "affected": [
            {"package": {"ecosystem": "PyPI", "name": "tidy"}, "versions": ["0.9"]}
        ]})]
    )  # fmt: skip
    (report,) = vet_many([(WHEEL, BENIGN[WHEEL])], feed)
    assert report.verdict is Outcome.HOLD and report.findings[0].rule == "known-bad-name"


@given(st.text("abcd-_", max_size=9), st.text("abcd-_", max_size=9))
def test_one_edit_is_distance_one(a: str, b: str) -> None:
    assert one_edit(a, b) == (distance(a, b) == 1)


@given(st.text("abcde", min_size=2, max_size=9), st.integers(0, 8), st.sampled_from("sidt"))
def test_one_edit_finds_each_kind_of_edit(name: str, at: int, kind: str) -> None:
    at %= len(name) - 1
    edited = {
        "s": name[:at] + ("x" if name[at] != "x" else "y") + name[at + 1 :],
        "i": name[:at] + "x" + name[at:],
        "d": name[:at] + name[at + 1 :],
        "t": name[:at] + name[at + 1] + name[at] + name[at + 2 :],
    }[kind]
    assert one_edit(name, edited) == (edited != name)
    assert one_edit(edited, name) == (edited != name)
