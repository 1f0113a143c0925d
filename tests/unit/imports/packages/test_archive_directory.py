"""A zip's end record is read before its central directory: too many entries, or too large
a directory, are refused before ``zipfile`` builds an object for every entry."""

from __future__ import annotations

import io
import zipfile

import pytest

from airlock.errors import InvalidInput
from airlock.imports.packages import archive
from airlock.imports.packages.archive import MAX_MEMBERS, read_members


def _zip(entries: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as made:
        for i in range(entries):
            made.writestr(f"p/{i}", b"")
    return out.getvalue()


def test_an_archive_listing_too_many_entries_is_refused_from_its_end_record(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = _zip(MAX_MEMBERS + 1)

    def never(*_: object, **__: object) -> None:
        raise AssertionError("zipfile read the directory before the bound was asked")

    monkeypatch.setattr(zipfile, "ZipFile", never)
    with pytest.raises(InvalidInput, match=f"lists {MAX_MEMBERS + 1} members"):
        list(read_members(data))


def test_a_directory_size_past_the_bound_is_refused() -> None:
    data = bytearray(_zip(3))
    end = data.rfind(archive.END_RECORD)
    data[end + 12 : end + 16] = (archive.MAX_DIRECTORY_BYTES + 1).to_bytes(4, "little")
    with pytest.raises(InvalidInput, match=f"is {archive.MAX_DIRECTORY_BYTES + 1} bytes, over"):
        list(read_members(bytes(data)))


def test_an_archive_within_the_bounds_is_read() -> None:
    assert len([m for m in read_members(_zip(50)) if m.data is not None]) == 50
    # a comment after the end record does not hide it
    out = io.BytesIO(_zip(2))
    with zipfile.ZipFile(out, "a") as made:
        made.comment = b"x" * 60_000
    assert len(list(read_members(out.getvalue()))) == 2
