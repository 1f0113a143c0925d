"""Bounded reading of wheels (zip) and sdists (tar.gz, zip) without extracting anything."""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from airlock.errors import InvalidInput
from airlock.exports.readers import unsafe_name

MAX_MEMBERS = 20_000
MAX_MEMBER_BYTES = 16 * 1024 * 1024
# Compiled extensions are read for a strings scan (issue 16): libarrow.so is ~60 MiB.
MAX_NATIVE_BYTES = 256 * 1024 * 1024
NATIVE = (".so", ".pyd", ".dylib", ".dll")


def member_limit(name: str) -> int:
    base = name.rsplit("/", 1)[-1]
    return MAX_NATIVE_BYTES if base.endswith(NATIVE) or ".so." in base else MAX_MEMBER_BYTES


MAX_TOTAL_BYTES = 512 * 1024 * 1024
MAX_RATIO = 200
# Below this a high ratio is padding (a zero-filled section of a small .so), not a bomb: the
# total bound above already caps what an archive can expand to (issue 16, a wheel was held).
RATIO_FLOOR = 4 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Member:
    name: str
    data: bytes | None  # None: not read (too large, or not a regular file)
    note: str = ""


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
        yield from _tar_members(stream)
    else:
        raise InvalidInput("not a wheel or sdist: expected a zip or (gzipped) tar archive")


def _zip_members(stream: BinaryIO) -> Iterator[Member]:
    import zipfile  # noqa: PLC0415 -- a process vetting only sdists never needs it

    try:
        archive = zipfile.ZipFile(stream)
        infos = archive.infolist()
    except zipfile.BadZipFile as e:
        raise InvalidInput(f"unreadable zip archive: {e}") from e
    if len(infos) > MAX_MEMBERS:
        raise InvalidInput(f"archive holds {len(infos)} members, over {MAX_MEMBERS}")
    total = 0
    for info in infos:
        if unsafe_name(info.filename):
            yield Member(info.filename, None, "path escapes the archive")
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
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error) as e:
            yield Member(info.filename, None, f"unreadable member: {e}")


def _tar_members(stream: BinaryIO) -> Iterator[Member]:
    import tarfile  # noqa: PLC0415 -- a process vetting only wheels never needs it

    total = 0
    try:
        with tarfile.open(fileobj=stream, mode="r:*") as archive:
            for count, info in enumerate(archive, start=1):
                if count > MAX_MEMBERS:
                    raise InvalidInput(f"archive holds over {MAX_MEMBERS} members")
                if unsafe_name(info.name) or info.issym() or info.islnk():
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
                handle = archive.extractfile(info)
                yield Member(info.name, handle.read() if handle else None)
    except (tarfile.TarError, OSError, EOFError) as e:
        raise InvalidInput(f"unreadable tar archive: {e}") from e
