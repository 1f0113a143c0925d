"""Reading an offline OSV feed from disk: JSON files, folders of them (the OpenSSF
malicious-packages repository's ``osv/malicious/pypi/``), or a zip of either.

The thin adapter beside the pure parser in :mod:`airlock.imports.packages.feed`: it bounds
how much it reads (:data:`~airlock.imports.packages.feed.MAX_FEED_BYTES` in all) and never
extracts a zip to disk.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from airlock.errors import InvalidInput, SourceError
from airlock.imports.packages.feed import MAX_FEED_BYTES, MAX_RECORDS


def feed_texts(paths: Sequence[Path]) -> Iterator[str]:
    """Each JSON text under ``paths``, in a stable order.

    Raises:
        SourceError: a path cannot be read or is not UTF-8.
        InvalidInput: more than MAX_FEED_BYTES in all, or more than MAX_RECORDS files.
    """
    budget = _Budget()
    for path in paths:
        try:
            if path.is_dir():
                for member in sorted(path.rglob("*.json")):
                    yield budget.take(member.read_bytes(), str(member))
            elif zipfile.is_zipfile(path):
                yield from _zip_texts(path, budget)
            else:
                yield budget.take(path.read_bytes(), str(path))
        except OSError as e:
            raise SourceError(f"cannot read the feed at {path}: {e}") from e


def _zip_texts(path: Path, budget: _Budget) -> Iterator[str]:
    with zipfile.ZipFile(path) as archive:
        for info in sorted(archive.infolist(), key=lambda i: i.filename):
            if info.is_dir() or not info.filename.endswith(".json"):
                continue
            budget.reserve(info.file_size, f"{path}:{info.filename}")
            with archive.open(info) as member:
                # Read one byte past the declared size: a member that lies about it is refused.
                data = member.read(info.file_size + 1)
            if len(data) != info.file_size:
                raise InvalidInput(f"{path}:{info.filename} is not the size its zip entry says")
            yield _decode(data, f"{path}:{info.filename}")


class _Budget:
    def __init__(self) -> None:
        self.bytes = 0
        self.files = 0

    def reserve(self, size: int, where: str) -> None:
        self.bytes += size
        self.files += 1
        if self.bytes > MAX_FEED_BYTES or self.files > MAX_RECORDS:
            raise InvalidInput(
                f"the feed is larger than {MAX_FEED_BYTES} bytes or {MAX_RECORDS} files "
                f"(at {where}): import it in parts"
            )

    def take(self, data: bytes, where: str) -> str:
        self.reserve(len(data), where)
        return _decode(data, where)


def _decode(data: bytes, where: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise SourceError(f"{where} is not UTF-8 JSON: {e}") from e
