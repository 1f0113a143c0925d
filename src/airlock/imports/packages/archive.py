"""Bounded reading of wheels (zip) and sdists (tar.gz, zip) without extracting anything."""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO

from airlock.errors import InvalidInput
from airlock.exports.readers import unsafe_name

if TYPE_CHECKING:
    import zipfile

MAX_MEMBERS = 20_000
MAX_MEMBER_BYTES = 16 * 1024 * 1024
# Compiled extensions are read for a strings scan (issue 16): libarrow.so is ~60 MiB,
# jaxlib's libjax_common.so 334 MiB (ADR 0141: an unread one holds every release).
MAX_NATIVE_BYTES = 512 * 1024 * 1024
NATIVE = (".so", ".pyd", ".dylib", ".dll")


def member_limit(name: str) -> int:
    base = name.rsplit("/", 1)[-1]
    return MAX_NATIVE_BYTES if base.endswith(NATIVE) or ".so." in base else MAX_MEMBER_BYTES


# Room for one native library at its bound beside the rest of its wheel.
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
MAX_RATIO = 200
# Below this a high ratio is padding (a zero-filled section of a small .so), not a bomb: the
# total bound above already caps what an archive can expand to (issue 16, a wheel was held).
RATIO_FLOOR = 4 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Member:
    """One archive member: its name and bytes, or None and why it was not read."""

    name: str
    data: bytes | None  # None: not read (too large, or not a regular file)
    note: str = ""
    # The archive itself is inconsistent here (a member that does not read back as listed,
    # bytes no entry lists): installers may disagree on what it holds, so it holds.
    damaged: bool = False
    # The bytes as shipped, when ``data`` is what is read instead (ADR 0155): RECORD's hash.
    shipped: bytes | None = None

    @property
    def as_shipped(self) -> bytes | None:
        return self.shipped if self.shipped is not None else self.data


def read_members(blob: bytes | BinaryIO) -> Iterator[Member]:
    """Members of a wheel or sdist (bytes, or a seekable stream that is read in bounded
    pieces), with text-sized content; problems come back as notes.

    Raises:
        InvalidInput: not a zip or tar archive at all.
    """
    stream = io.BytesIO(blob) if isinstance(blob, bytes) else blob
    stream.seek(0)
    head = stream.read(262)
    stream.seek(0)
    if head.startswith(b"PK\x03\x04"):
        yield from _zip_members(stream)
    elif head.startswith(b"\x1f\x8b") or head[257:262] == b"ustar":
        yield from _tar_members(stream, gunzipped(blob) if isinstance(blob, bytes) else None)
    else:
        raise InvalidInput("not a wheel or sdist: expected a zip or (gzipped) tar archive")


def _zip_members(stream: BinaryIO) -> Iterator[Member]:
    import zipfile  # noqa: PLC0415 -- a process vetting only sdists never needs it

    _directory_within_bounds(stream)
    try:
        archive = zipfile.ZipFile(stream)
        infos = archive.infolist()
    except zipfile.BadZipFile as e:
        raise InvalidInput(f"unreadable zip archive: {e}") from e
    if len(infos) > MAX_MEMBERS:
        raise InvalidInput(f"archive holds {len(infos)} members, over {MAX_MEMBERS}")
    unlisted = _unlisted_bytes(stream, infos, archive.start_dir)
    if unlisted:
        yield Member(UNLISTED, None, unlisted, damaged=True)
    total = 0
    for info in infos:
        if unsafe_name(info.filename):
            # An installer that does not refuse it writes outside the install folder
            # (``../../.bashrc``): damaged, so it holds whatever its name (ADR 0063).
            yield Member(info.filename, None, "path escapes the archive", damaged=True)
            continue
        if info.is_dir():
            continue
        ratio = info.file_size / max(1, info.compress_size)
        bomb = ratio > MAX_RATIO and info.file_size > RATIO_FLOOR
        if info.file_size > member_limit(info.filename) or bomb:
            yield Member(
                info.filename, None, f"not read: {info.file_size} bytes, ratio {ratio:.0f}"
            )
            continue
        total += info.file_size
        if total > MAX_TOTAL_BYTES:
            raise InvalidInput(f"archive expands past {MAX_TOTAL_BYTES} bytes")
        try:
            yield Member(info.filename, archive.read(info))
        # NotImplementedError, RuntimeError: an encrypted or patch-compressed member (flag
        # bits 0, 5, 6), which zipfile cannot read; nothing of it is judged, so it holds.
        except (
            zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error,
            NotImplementedError, RuntimeError,
        ) as e:  # fmt: skip
            yield Member(info.filename, None, f"unreadable member: {e}", damaged=True)


# ``zipfile`` reads the whole central directory and makes an object of every entry before
# the member count above can be asked: a 512 MiB upload of empty entries is ~10 million of
# them, gigabytes of memory. The end record says how many entries and how large the
# directory is, so both are bounded first. Wheels hold ~100 bytes of directory per entry
# (awscli: 800 KB for 8,082); this allows 16 times that for every member allowed.
MAX_DIRECTORY_BYTES = 32 * 1024 * 1024
END_RECORD = b"PK\x05\x06"
END_RECORD_64 = b"PK\x06\x06"
END_LOCATOR_64 = b"PK\x06\x07"
MAX_END_COMMENT = 65_535


def _directory_within_bounds(stream: BinaryIO) -> None:
    """Refuse a zip whose end record lists more than :data:`MAX_MEMBERS` entries or a
    central directory over :data:`MAX_DIRECTORY_BYTES`, before ``zipfile`` reads it. An end
    record that cannot be found is left to ``zipfile``, which refuses the archive.

    Raises:
        InvalidInput: too many entries, or too large a directory.
    """
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    start = max(0, size - 22 - MAX_END_COMMENT)
    stream.seek(start)
    tail = stream.read()
    at = tail.rfind(END_RECORD)
    if at < 0 or len(tail) - at < 22:
        return
    entries = int.from_bytes(tail[at + 10 : at + 12], "little")
    directory = int.from_bytes(tail[at + 12 : at + 16], "little")
    locator = at - 20
    if locator >= 0 and tail[locator : locator + 4] == END_LOCATOR_64:
        # Zip64: the 64-bit counts are in a record whose offset the locator gives.
        stream.seek(int.from_bytes(tail[locator + 8 : locator + 16], "little"))
        record = stream.read(56)
        if len(record) == 56 and record.startswith(END_RECORD_64):
            entries = max(entries, int.from_bytes(record[32:40], "little"))
            directory = max(directory, int.from_bytes(record[40:48], "little"))
    if entries > MAX_MEMBERS:
        raise InvalidInput(f"archive lists {entries} members, over {MAX_MEMBERS}")
    if directory > MAX_DIRECTORY_BYTES:
        raise InvalidInput(
            f"archive's central directory is {directory} bytes, over {MAX_DIRECTORY_BYTES}"
        )


UNLISTED = "(bytes the zip's central directory does not list)"
LOCAL_HEADER = b"PK\x03\x04"
# What may follow an entry's data before the next entry: nothing, or the data descriptor of
# an entry written to a stream (flag bit 3): CRC and two sizes, 32- or 64-bit, with or
# without its optional signature.
DESCRIPTOR_SIZES = (12, 16, 20, 24)
DESCRIBED = 0x08  # general purpose flag: sizes and CRC follow the data


def _unlisted_bytes(stream: BinaryIO, infos: list[zipfile.ZipInfo], directory: int) -> str:
    """Why the zip holds bytes its central directory does not account for, or "".

    ``zipfile`` (pip) reads the central directory at the end; a streaming installer reads
    the local headers from the start. Entries are expected back to back from offset 0 to the
    directory, so data before, between or after them (a second archive prepended, or entries
    only the local headers list) is a second reading of the file that nothing vetted (the
    zip parser differential of uv's CVE-2025-54368). One 30-byte read per entry."""
    expected, described, after = 0, False, "the first entry"
    for info in sorted(infos, key=lambda i: i.header_offset):
        gap = info.header_offset - expected
        if gap and not (described and gap in DESCRIPTOR_SIZES):
            return f"{gap} bytes after {after} that no entry lists"
        stream.seek(info.header_offset)
        head = stream.read(30)
        if len(head) < 30 or not head.startswith(LOCAL_HEADER):
            return f"no local header where the directory puts {info.filename!r}"
        name_length = int.from_bytes(head[26:28], "little")
        extra_length = int.from_bytes(head[28:30], "little")
        expected = info.header_offset + 30 + name_length + extra_length + info.compress_size
        described, after = bool(info.flag_bits & DESCRIBED), repr(info.filename)
    gap = directory - expected
    if gap and not (described and gap in DESCRIPTOR_SIZES):
        return f"{gap} bytes after {after} that no entry lists"
    return ""


# An sdist given as bytes is gunzipped in one call and its tar read from memory (issue 16:
# the gzip stream read in pieces and a file object per member were a tenth of vetting an
# sdist). Only one clean gzip member of at most this size takes that path; any other input
# is streamed as before, so both paths see the same tar bytes and raise the same errors.
MAX_GUNZIP_IN_MEMORY = 128 * 1024 * 1024


def gunzipped(blob: bytes) -> bytes | None:
    """The tar inside ``blob`` when ``blob`` is exactly one gzip member (its header, CRC and
    length checked by zlib) of at most :data:`MAX_GUNZIP_IN_MEMORY` bytes, else None: not
    gzip, damaged, several members, bytes after it or too large (the caller streams it)."""
    if not blob.startswith(b"\x1f\x8b"):
        return None
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # the gzip wrapper
    try:
        tar = inflater.decompress(blob, MAX_GUNZIP_IN_MEMORY)
    except zlib.error:
        return None
    if not inflater.eof or inflater.unused_data or inflater.unconsumed_tail:
        return None
    return tar


def _tar_members(stream: BinaryIO, tar: bytes | None = None) -> Iterator[Member]:
    """Members of the (compressed) tar archive in ``stream``; ``tar``: its tar, already
    gunzipped (:func:`gunzipped`), read from memory with regular members sliced out of it."""
    import tarfile  # noqa: PLC0415 -- a process vetting only wheels never needs it

    in_memory = None
    if tar is not None:
        try:
            # Closed by the ``with`` below, which takes it in place of the stream's.
            in_memory = tarfile.open(fileobj=io.BytesIO(tar), mode="r:")  # noqa: SIM115
        except (tarfile.TarError, OSError, EOFError):
            tar = None  # no tar at all: the stream's own open says so, in its own words
    total = 0
    try:
        with (
            in_memory if in_memory is not None else tarfile.open(fileobj=stream, mode="r:*")
        ) as archive:
            for count, info in enumerate(archive, start=1):
                if count > MAX_MEMBERS:
                    raise InvalidInput(f"archive holds over {MAX_MEMBERS} members")
                if unsafe_name(info.name):
                    yield Member(info.name, None, "path escapes the archive", damaged=True)
                    continue
                if info.issym() or info.islnk():
                    yield Member(info.name, None, "link or path that escapes the archive")
                    continue
                if not info.isfile():
                    continue
                if info.size > member_limit(info.name):
                    yield Member(info.name, None, f"not read: {info.size} bytes")
                    continue
                total += info.size
                if total > MAX_TOTAL_BYTES:
                    raise InvalidInput(f"archive expands past {MAX_TOTAL_BYTES} bytes")
                end = info.offset_data + info.size
                if tar is not None and info.sparse is None and end <= len(tar):
                    yield Member(info.name, tar[info.offset_data : end])  # what extractfile reads
                    continue
                handle = archive.extractfile(info)
                yield Member(info.name, handle.read() if handle else None)
    except (tarfile.TarError, OSError, EOFError) as e:
        raise InvalidInput(f"unreadable tar archive: {e}") from e
