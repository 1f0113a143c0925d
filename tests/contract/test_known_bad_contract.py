"""The known-bad package feed (issue 16) holds the same on every store."""

from __future__ import annotations

from datetime import UTC, datetime

from airlock.store.interface import Store

AT = datetime(2026, 12, 1, tzinfo=UTC)


def test_entries_are_added_once_and_matched_exactly_or_at_every_version(store: Store) -> None:
    feed = store.known_bad
    assert feed.known_bad_count() == 0
    assert feed.known_bad_advisory("tidy", "1.0") is None
    added = feed.add_known_bad(
        [("MAL-1", "tidy", "1.0"), ("MAL-2", "plain", "*"), ("MAL-9", "tidy", "1.0")], AT, 3
    )
    assert added == 2 and feed.known_bad_count() == 2
    assert feed.known_bad_advisory("tidy", "1.0") == "MAL-1"  # the first advisory stays
    assert feed.known_bad_advisory("tidy", "1.1") is None
    assert feed.known_bad_advisory("plain", "0.0.1") == "MAL-2"
    # A second import adds what is new and keeps what was there.
    assert feed.add_known_bad([("MAL-3", "tidy", "1.1"), ("MAL-4", "tidy", "1.0")], AT, 4) == 1
    assert feed.known_bad_advisory("tidy", "1.0") == "MAL-1"
    assert feed.known_bad_advisory("tidy", "1.1") == "MAL-3"
    assert feed.known_bad_count() == 3


def test_an_exact_version_wins_over_every_version(store: Store) -> None:
    store.known_bad.add_known_bad([("MAL-A", "x", "*"), ("MAL-B", "x", "2.0")], AT, 1)
    assert store.known_bad.known_bad_advisory("x", "2.0") == "MAL-B"
    assert store.known_bad.known_bad_advisory("x", "3.0") == "MAL-A"


def test_a_large_feed_goes_in_by_chunks(store: Store) -> None:
    entries = [(f"MAL-{i}", f"pkg-{i}", "*") for i in range(1_234)]
    assert store.known_bad.add_known_bad(entries, AT, 1) == 1_234
    assert store.known_bad.known_bad_advisory("pkg-1233", "9") == "MAL-1233"


def test_publisher_pins_are_set_replaced_and_removed(store: Store) -> None:
    pins = store.known_bad
    assert pins.publisher_pins() == {}
    pins.pin_publisher("numpy", "github:numpy/numpy:wheels.yml", AT, 5)
    pins.pin_publisher("numpy", "github:numpy/numpy:release.yml", AT, 6)  # re-pinned
    pins.pin_publisher("tidy", "gitlab:group/tidy:.gitlab-ci.yml", AT, 7)
    assert pins.publisher_pins() == {
        "numpy": "github:numpy/numpy:release.yml",
        "tidy": "gitlab:group/tidy:.gitlab-ci.yml",
    }
    pins.pin_publisher("tidy", "", AT, 8)
    assert pins.publisher_pins() == {"numpy": "github:numpy/numpy:release.yml"}


def test_protected_names_are_added_once_per_source(store: Store) -> None:
    names = store.known_bad
    assert names.add_protected_names([("requests", "popular"), ("tidy", "index")], AT, 1) == 2
    assert names.add_protected_names([("tidy", "index"), ("tidy", "known-bad")], AT, 2) == 1
    assert names.protected_names() == [
        ("requests", "popular"),
        ("tidy", "index"),
        ("tidy", "known-bad"),
    ]
    store.known_bad.add_known_bad([("MAL-1", "evil", "1.0"), ("MAL-2", "evil", "2.0")], AT, 3)
    assert names.known_bad_names() == {"evil"}


def test_a_name_listed_at_any_version_and_attested_publishers(store: Store) -> None:
    feed = store.known_bad
    assert feed.known_bad_name("evil") is None
    feed.add_known_bad([("MAL-2", "evil", "2.0"), ("MAL-1", "evil", "1.0")], AT, 1)
    assert feed.known_bad_name("evil") == "MAL-1"
    assert feed.attested_publishers() == {}
    feed.record_attestation("a-1.0-py3-none-any.whl", "a", "1.0", "https://x/w.yml@v1", 4)
    feed.record_attestation("a-1.0.tar.gz", "a", "1.0", "https://x/w.yml@v1", 5)
    assert feed.attested_publishers() == {("a", "1.0"): "https://x/w.yml@v1"}
