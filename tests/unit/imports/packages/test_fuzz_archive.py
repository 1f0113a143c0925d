"""Fuzzing the package archive reader and vetting: mutated archives never crash them."""

from __future__ import annotations

import contextlib
import io
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airlock.domain.requests import Outcome
from airlock.errors import InvalidInput
from airlock.imports.packages.archive import read_members
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import BENIGN

SEEDS = sorted(BENIGN.items())


@settings(max_examples=300, deadline=None)
@given(
    seed=st.integers(0, len(SEEDS) - 1),
    edits=st.lists(st.tuples(st.integers(0, 100_000), st.integers(0, 255)), max_size=8),
    cut=st.integers(0, 100_000),
)
def test_mutated_packages_give_a_verdict_never_a_crash(
    seed: int, edits: list[tuple[int, int]], cut: int
) -> None:
    name, original = SEEDS[seed]
    data = bytearray(original)
    for position, value in edits:
        data[position % len(data)] = value
    mutated = bytes(data[: max(1, cut % (len(data) + 1))])
    with contextlib.suppress(InvalidInput):  # the documented refusal of a non-archive
        list(read_members(mutated))
    assert vet(name, mutated).verdict in (Outcome.ALLOW, Outcome.HOLD, Outcome.DENY)


def test_corrupt_deflate_member_is_noted_not_raised() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        lines = "".join(f"x{i} = {i * 7919 % 104729}\n" for i in range(2000))
        archive.writestr("pkg/__init__.py", lines)  # compresses ~3x, under the ratio limit
    data = bytearray(buffer.getvalue())
    data[45:70] = b"\xff" * 25  # inside the member's deflate stream
    members = list(read_members(bytes(data)))
    assert members and members[0].data is None and "unreadable" in members[0].note
    assert vet("pkg-1.0-py3-none-any.whl", bytes(data)).verdict is Outcome.HOLD


def with_flag(data: bytes, flag: int) -> bytes:
    """``data``, a zip, with general-purpose ``flag`` set on every entry and local header."""
    marked = bytearray(data)
    for signature, offset in ((b"PK\x01\x02", 8), (b"PK\x03\x04", 6)):
        at = marked.find(signature)
        while at >= 0:
            marked[at + offset] |= flag
            at = marked.find(signature, at + 4)
    return bytes(marked)


@pytest.mark.parametrize("flag", [0x01, 0x20, 0x40], ids=["encrypted", "patched", "strong"])
def test_a_member_zipfile_cannot_read_holds_not_raises(flag: int) -> None:
    # On 3f33c10 zipfile's RuntimeError and NotImplementedError escaped ``vet``.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("pkg/__init__.py", "X = 1\n")
    data = with_flag(buffer.getvalue(), flag)
    members = list(read_members(data))
    assert members and members[0].data is None and "unreadable" in members[0].note
    assert vet("pkg-1.0-py3-none-any.whl", data).verdict is Outcome.HOLD
