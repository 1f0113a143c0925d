"""Provenance manifest: hashes, sizes, Ed25519 signature over the file list, comparison."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from airlock.errors import InvalidInput
from airlock.imports.datasets.manifest import (
    FileEntry,
    FileMismatch,
    Manifest,
    SignatureStatus,
    build_manifest,
    canonical_files_json,
    compare_files,
    hash_file,
    manifest_to_json,
    verify_signature,
)

WHEN = datetime(2026, 11, 24, 5, 0, tzinfo=UTC)


def manifest_of(files: dict[str, bytes]) -> Manifest:
    return build_manifest(
        [(name, io.BytesIO(data)) for name, data in files.items()],
        source="https://example.org/sst2",
        license="CC-BY-4.0",
        importer="alice",
        created_at=WHEN,
        max_bytes=1 << 20,
    )


def test_hashes_sizes_and_order() -> None:
    manifest = manifest_of({"train.tsv": b"a\tb\n", "dev.tsv": b""})
    assert [f.name for f in manifest.files] == ["dev.tsv", "train.tsv"]
    assert manifest.files[1] == FileEntry("train.tsv", 4, hashlib.sha256(b"a\tb\n").hexdigest())
    assert manifest.files[0].sha256 == hashlib.sha256(b"").hexdigest()
    assert manifest.total_bytes == 4
    as_json = manifest_to_json(manifest)
    assert as_json["created_at"] == "2026-11-24T05:00:00+00:00"
    assert json.loads(json.dumps(as_json)) == as_json


def test_stream_and_bytes_hash_alike_and_size_is_bounded() -> None:
    data = b"x" * (3 * 1024 * 1024 + 5)
    assert hash_file("a", data, len(data)) == hash_file("a", io.BytesIO(data), len(data))
    with pytest.raises(InvalidInput, match="larger than"):
        hash_file("a", io.BytesIO(data), len(data) - 1)


@pytest.mark.parametrize("name", ["", "/etc/passwd", "../up", "a//b", "a/./b", "a\\b", "a\x00"])
def test_unsafe_names_are_refused(name: str) -> None:
    with pytest.raises(InvalidInput):
        FileEntry(name, 0, "0" * 64)


def test_duplicate_names_and_missing_provenance_are_refused() -> None:
    with pytest.raises(InvalidInput, match="unique"):
        build_manifest(
            [("a", b"1"), ("a", b"2")],
            source="s",
            license="l",
            importer="i",
            created_at=WHEN,
            max_bytes=10,
        )
    with pytest.raises(InvalidInput, match="licence"):
        build_manifest(
            [("a", b"1")], source="s", license="", importer="i", created_at=WHEN, max_bytes=10
        )
    with pytest.raises(InvalidInput, match="time zone"):
        build_manifest(
            [("a", b"1")],
            source="s",
            license="l",
            importer="i",
            created_at=datetime(2026, 1, 1),  # noqa: DTZ001 -- the point of the test
            max_bytes=10,
        )


def test_signature_valid_tampered_and_unsigned() -> None:
    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    manifest = manifest_of({"train.jsonl": b'{"text": "hi"}\n', "README": b"sst"})
    signature = key.sign(canonical_files_json(manifest.files))
    assert verify_signature(manifest.files, signature, public) is SignatureStatus.VALID
    tampered = manifest_of({"train.jsonl": b'{"text": "hi cf"}\n', "README": b"sst"})
    assert verify_signature(tampered.files, signature, public) is SignatureStatus.INVALID
    flipped = bytes([signature[0] ^ 1]) + signature[1:]
    assert verify_signature(manifest.files, flipped, public) is SignatureStatus.INVALID
    other = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    assert verify_signature(manifest.files, signature, other) is SignatureStatus.INVALID
    assert verify_signature(manifest.files, None, public) is SignatureStatus.UNSIGNED
    with pytest.raises(InvalidInput, match="32-byte"):
        verify_signature(manifest.files, signature, public[:31])


def test_canonical_json_ignores_order() -> None:
    a = FileEntry("a", 1, "1" * 64)
    b = FileEntry("b", 2, "2" * 64)
    assert canonical_files_json([a, b]) == canonical_files_json([b, a])
    assert canonical_files_json([a]) == b'[{"name":"a","sha256":"' + b"1" * 64 + b'","size":1}]'


def test_compare_files_names_every_difference() -> None:
    listed = [FileEntry("a", 1, "1" * 64), FileEntry("b", 2, "2" * 64), FileEntry("c", 3, "3" * 64)]
    got = [FileEntry("a", 1, "1" * 64), FileEntry("b", 2, "f" * 64), FileEntry("d", 1, "4" * 64)]
    assert compare_files(listed, got) == (
        FileMismatch("c", "missing"),
        FileMismatch("d", "unexpected"),
        FileMismatch("b", "sha256"),
    )
    assert compare_files(listed, listed) == ()
