"""A wheel read two ways (ADR 0057): pip reads a zip's central directory, a streaming
installer its local headers. Bytes only one of them sees (an archive prepended, a local
header naming another file) hold; a well-formed wheel, with or without data descriptors,
does not."""

from __future__ import annotations

import io
import zipfile

from airlock.domain.requests import Outcome
from airlock.imports.packages.archive import UNLISTED, read_members
from airlock.imports.packages.vet import vet
from scripts.make_test_packages import wheel

NAME = "evpkg-1.0-py3-none-any.whl"
RUNS = "import os\nos.system('id')\n"
BENIGN = wheel("evpkg", "1.0", {"evpkg/__init__.py": "X = 1\n", "evpkg/notes.txt": "n" * 40})
ACTING = wheel("evpkg", "1.0", {"evpkg/__init__.py": RUNS})


def _damaged(data: bytes) -> list[str]:
    return [m.note for m in read_members(data) if m.damaged]


def test_a_wheel_appended_to_another_holds_though_pip_reads_only_the_second() -> None:
    report = vet(NAME, ACTING + BENIGN)  # the central directory found is the benign one's
    assert report.verdict is Outcome.HOLD, report.to_json()
    assert any(f.path == UNLISTED for f in report.findings)


def test_bytes_before_the_first_entry_hold() -> None:
    assert _damaged(b"PK\x03\x04" + bytes(60) + BENIGN)
    assert vet(NAME, b"PK\x03\x04" + bytes(60) + BENIGN).verdict is Outcome.HOLD


def test_a_local_header_naming_another_file_than_the_directory_holds() -> None:
    data = bytearray(BENIGN)
    at = data.find(b"evpkg/notes.txt")  # the first occurrence is the local header's
    data[at : at + 15] = b"evpkg/hidden.py"
    report = vet(NAME, bytes(data))
    assert report.verdict is Outcome.HOLD, report.to_json()
    assert any(f.rule == "unread-member" and f.path == "evpkg/notes.txt" for f in report.findings)


def test_well_formed_wheels_read_one_way_have_nothing_unlisted() -> None:
    assert not _damaged(BENIGN)
    assert vet(NAME, BENIGN).verdict is Outcome.ALLOW
    # Written to a stream that cannot seek, each entry carries a data descriptor.
    streamed = io.BytesIO()

    class Unseekable(io.RawIOBase):
        def writable(self) -> bool:
            return True

        def write(self, b: bytes) -> int:  # type: ignore[override]
            return streamed.write(b)

    with zipfile.ZipFile(Unseekable(), "w", zipfile.ZIP_DEFLATED) as archive:
        for info in zipfile.ZipFile(io.BytesIO(BENIGN)).infolist():
            archive.writestr(info.filename, zipfile.ZipFile(io.BytesIO(BENIGN)).read(info))
    assert any(i.flag_bits & 0x08 for i in zipfile.ZipFile(streamed).infolist())
    assert not _damaged(streamed.getvalue())
