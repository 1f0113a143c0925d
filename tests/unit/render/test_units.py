"""Readable units (issue 18): sizes and durations as people read and type them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from airlock.errors import InvalidInput
from airlock.render.units import (
    format_bytes,
    format_duration,
    format_seconds,
    format_window,
    parse_bytes,
    parse_duration,
)


@pytest.mark.parametrize(
    ("count", "text"),
    [
        (0, "0 B"),
        (512, "512 B"),
        (1536, "1.5 KiB"),
        (100 * 1024**2, "100 MiB"),
        (int(2.3 * 1024**3), "2.3 GiB"),
        (5 * 1024**4, "5 TiB"),
    ],
)
def test_sizes_read_in_binary_units(count: int, text: str) -> None:
    assert format_bytes(count) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (45, "45 s"),
        (90, "1.5 min"),
        (720, "12 min"),
        (3.5 * 3600, "3.5 h"),
        (86400, "1 day"),
        (2 * 86400, "2 days"),
        (float("inf"), "never"),
        (0, "0 s"),
    ],
)
def test_durations_use_the_largest_unit_that_stays_above_one(seconds: float, text: str) -> None:
    assert format_seconds(seconds) == text


def test_a_timedelta_never_prints_its_repr() -> None:
    assert format_duration(timedelta(days=1)) == "1 day"
    assert format_window(timedelta(days=1)) == "1d"
    assert format_window(timedelta(hours=12)) == "12h"
    assert format_window(timedelta(seconds=45)) == "45s"


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("100MB", 100_000_000),
        ("100 MiB", 100 * 1024**2),
        ("4096", 4096),
        ("1.5GiB", 1536 * 1024**2),
        ("10k", 10_000),
        ("2 GB", 2_000_000_000),
    ],
)
def test_sizes_parse_with_decimal_and_binary_suffixes(text: str, count: int) -> None:
    assert parse_bytes(text) == count


@pytest.mark.parametrize("text", ["", "MB", "10 parsecs", "-5", "1e9"])
def test_nonsense_sizes_are_refused_with_an_example(text: str) -> None:
    with pytest.raises(InvalidInput, match=r"e\.g\."):
        parse_bytes(text)


def test_a_fraction_of_a_byte_is_refused_but_a_fraction_of_a_kib_rounds() -> None:
    with pytest.raises(InvalidInput, match="whole number"):
        parse_bytes("1.5")
    assert parse_bytes("1.3KiB") == 1331


def test_durations_parse() -> None:
    assert parse_duration("45s") == timedelta(seconds=45)
    assert parse_duration("1d") == timedelta(days=1)
    assert parse_duration("2 weeks") == timedelta(days=14)
    with pytest.raises(InvalidInput):
        parse_duration("0h")


@given(st.integers(min_value=0, max_value=2**50))
def test_a_formatted_size_parses_back_within_rounding(count: int) -> None:
    value, unit = format_bytes(count).split(" ")
    back = parse_bytes(value + unit)
    assert abs(back - count) <= max(1, count * 0.06)
