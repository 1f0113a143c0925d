"""Provenance manifest of an imported dataset: what files, from where, under what licence.

Pure: it hashes streams or bytes it is given and returns values; the caller supplies the
time. The optional publisher signature is Ed25519 over :func:`canonical_files_json`, the
file list alone, so a publisher signs what they ship and airlock adds who imported it.
It does not fetch keys or decide trust: the caller passes the publisher's public key.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import BinaryIO

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from airlock.errors import InvalidInput

_SHA256 = re.compile(r"[0-9a-f]{64}")
_CHUNK = 1024 * 1024


@dataclass(frozen=True, slots=True)
class FileEntry:
    """One file of a dataset: its name inside the dataset, size and SHA-256 (lower hex)."""

    name: str
    size: int
    sha256: str

    def __post_init__(self) -> None:
        parts = self.name.split("/")
        if not self.name or "\x00" in self.name or "\\" in self.name or self.name[0] == "/":
            raise InvalidInput(f"bad dataset file name {self.name!r}; use a relative path")
        if any(part in {"", ".", ".."} for part in parts):
            raise InvalidInput(f"bad dataset file name {self.name!r}; no '.', '..' or '//'")
        if self.size < 0 or not _SHA256.fullmatch(self.sha256):
            raise InvalidInput(f"bad size or SHA-256 for {self.name!r}")


@dataclass(frozen=True, slots=True)
class Manifest:
    """Provenance of one dataset import; ``files`` are sorted by name and unique."""

    files: tuple[FileEntry, ...]
    source: str
    license: str
    importer: str
    created_at: datetime

    def __post_init__(self) -> None:
        names = [f.name for f in self.files]
        if not names or names != sorted(set(names)):
            raise InvalidInput("a manifest needs at least one file and unique, sorted names")
        if not self.source or not self.license or not self.importer:
            raise InvalidInput("a manifest needs a source, a licence and an importer")
        if self.created_at.tzinfo is None:
            raise InvalidInput("manifest time must carry a time zone")

    @property
    def total_bytes(self) -> int:
        """Sum of the file sizes."""
        return sum(f.size for f in self.files)


class SignatureStatus(StrEnum):
    """Outcome of checking a publisher signature; ``unsigned`` is not ``valid``."""

    VALID = "valid"
    INVALID = "invalid"
    UNSIGNED = "unsigned"


def hash_file(name: str, content: bytes | BinaryIO, max_bytes: int) -> FileEntry:
    """SHA-256 and size of one file, read in 1 MiB chunks.

    Raises:
        InvalidInput: the file is larger than ``max_bytes``.
    """
    digest, size = hashlib.sha256(), 0
    if isinstance(content, bytes):
        digest.update(content)
        size = len(content)
    else:
        while chunk := content.read(_CHUNK):
            size += len(chunk)
            if size > max_bytes:
                break
            digest.update(chunk)
    if size > max_bytes:
        raise InvalidInput(f"{name!r} is larger than the {max_bytes}-byte dataset limit")
    return FileEntry(name, size, digest.hexdigest())


def build_manifest(
    files: Iterable[tuple[str, bytes | BinaryIO]],
    *,
    source: str,
    license: str,  # noqa: A002 -- the manifest field is called licence in every format we mirror
    importer: str,
    created_at: datetime,
    max_bytes: int,
) -> Manifest:
    """Hash every file and assemble the manifest.

    Raises:
        InvalidInput: a file is over ``max_bytes``, a name is repeated or unsafe, or a
            provenance field is empty.
    """
    entries = sorted((hash_file(n, c, max_bytes) for n, c in files), key=lambda f: f.name)
    return Manifest(tuple(entries), source, license, importer, created_at)


def canonical_files_json(files: Sequence[FileEntry]) -> bytes:
    """The signed bytes: the file list as compact JSON, sorted by name, keys sorted."""
    listed = [
        {"name": f.name, "sha256": f.sha256, "size": f.size}
        for f in sorted(files, key=lambda f: f.name)
    ]
    return json.dumps(listed, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def verify_signature(
    files: Sequence[FileEntry], signature: bytes | None, public_key: bytes
) -> SignatureStatus:
    """Check a publisher's Ed25519 ``signature`` over :func:`canonical_files_json`.

    Raises:
        InvalidInput: ``public_key`` is not a raw 32-byte Ed25519 key (a configuration
            mistake, reported rather than treated as a bad signature).
    """
    if len(public_key) != 32:
        raise InvalidInput("the publisher key must be a raw 32-byte Ed25519 public key")
    if signature is None:
        return SignatureStatus.UNSIGNED
    key = Ed25519PublicKey.from_public_bytes(public_key)
    try:
        key.verify(signature, canonical_files_json(files))
    except InvalidSignature:
        return SignatureStatus.INVALID
    return SignatureStatus.VALID


@dataclass(frozen=True, slots=True)
class FileMismatch:
    """A difference between the files a publisher listed and the files received."""

    name: str
    problem: str  # "missing", "unexpected", "size" or "sha256"


def compare_files(
    expected: Sequence[FileEntry], received: Sequence[FileEntry]
) -> tuple[FileMismatch, ...]:
    """Every difference between a publisher's list and what arrived; empty means identical."""
    want, got = {f.name: f for f in expected}, {f.name: f for f in received}
    out = [FileMismatch(n, "missing") for n in sorted(want.keys() - got.keys())]
    out += [FileMismatch(n, "unexpected") for n in sorted(got.keys() - want.keys())]
    for name in sorted(want.keys() & got.keys()):
        if want[name].size != got[name].size:
            out.append(FileMismatch(name, "size"))
        elif want[name].sha256 != got[name].sha256:
            out.append(FileMismatch(name, "sha256"))
    return tuple(out)


def manifest_to_json(manifest: Manifest) -> dict[str, object]:
    """A JSON-ready dict of the manifest (time in ISO 8601 with its offset)."""
    return {
        "files": [{"name": f.name, "sha256": f.sha256, "size": f.size} for f in manifest.files],
        "source": manifest.source,
        "license": manifest.license,
        "importer": manifest.importer,
        "created_at": manifest.created_at.isoformat(),
        "total_bytes": manifest.total_bytes,
    }
