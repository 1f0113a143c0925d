"""An sdist given as bytes is gunzipped in one call (archive.gunzipped): the members, and
the errors, are those of the archive read as a stream."""

from __future__ import annotations

import gzip
import io
import tarfile
import zlib
from collections.abc import Callable

import pytest

from airlock.errors import InvalidInput
from airlock.imports.packages.archive import Member, gunzipped, read_members


def _tar(files: dict[str, bytes], *, pax: bool = False) -> bytes:
    out = io.BytesIO()
    fmt = tarfile.PAX_FORMAT if pax else tarfile.GNU_FORMAT
    with tarfile.open(fileobj=out, mode="w", format=fmt) as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            if pax:
                info.pax_headers = {"comment": "x" * 600}
            archive.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("pkg-1.0/link")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        archive.addfile(link)
    return out.getvalue()


FILES = {
    "pkg-1.0/setup.py": b"from setuptools import setup\nsetup(name='pkg')\n",
    "pkg-1.0/pkg/__init__.py": b"",
    "pkg-1.0/pkg/" + "long_" * 30 + ".py": b"x = 1\n" * 3000,
    "pkg-1.0/data.bin": bytes(range(256)) * 40,
}


def _read(blob: bytes | io.BytesIO) -> list[Member] | str:
    try:
        return list(read_members(blob))
    except InvalidInput as e:
        return f"InvalidInput: {e.message}"


@pytest.mark.parametrize("pax", [False, True])
def test_members_are_those_of_the_stream(pax: bool) -> None:
    blob = gzip.compress(_tar(FILES, pax=pax))
    assert gunzipped(blob) is not None  # the in-memory path is taken
    got = _read(blob)
    assert got == _read(io.BytesIO(blob))  # a stream is never gunzipped in one call
    assert isinstance(got, list)
    assert {m.name: m.data for m in got if m.data is not None} == FILES
    assert [m.note for m in got if m.data is None] == ["link or path that escapes the archive"]


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b + b"trailing bytes",  # bytes after the gzip member
        lambda b: b + gzip.compress(b"more"),  # a second gzip member
        lambda b: b[:-4] + b"\0\0\0\0",  # wrong length in the trailer
        lambda b: b[:-8] + bytes(8),  # wrong CRC
        lambda b: b[: len(b) // 2],  # truncated
        lambda b: b[:10] + bytes(len(b) - 10),  # a gzip header, then nothing that inflates
    ],
)
def test_damaged_gzip_is_streamed_as_before(damage: Callable[[bytes], bytes]) -> None:
    blob = damage(gzip.compress(_tar(FILES)))
    assert gunzipped(blob) is None
    assert _read(blob) == _read(io.BytesIO(blob))


def test_gzip_of_no_tar_says_what_the_stream_says() -> None:
    blob = gzip.compress(b"not a tar archive at all" * 40)
    assert gunzipped(blob) is not None
    got = _read(blob)
    assert isinstance(got, str)
    assert got.startswith("InvalidInput: unreadable tar archive")
    assert got == _read(io.BytesIO(blob))


def test_tar_cut_inside_a_member_says_what_the_stream_says() -> None:
    tar = _tar(FILES)
    blob = gzip.compress(tar[: tar.index(b"x = 1\n") + 100])  # a clean gzip of half a tar
    assert gunzipped(blob) is not None
    assert _read(blob) == _read(io.BytesIO(blob))


def test_too_large_is_left_to_the_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    import airlock.imports.packages.archive as archive  # noqa: PLC0415

    blob = gzip.compress(_tar(FILES))
    monkeypatch.setattr(archive, "MAX_GUNZIP_IN_MEMORY", 1024)
    assert gunzipped(blob) is None
    assert _read(blob) == _read(io.BytesIO(blob))


def test_not_gzip() -> None:
    assert gunzipped(_tar(FILES)) is None
    assert gunzipped(zlib.compress(b"x")) is None
