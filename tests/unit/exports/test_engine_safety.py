"""Hostile inputs: bombs, deep nesting, traversal names, truncation, protected pieces."""

from __future__ import annotations

import base64
import gzip
import io
import json
import tarfile
import zipfile

import numpy as np

from airlock.domain.requests import Outcome
from airlock.exports.chunking import ModelFingerprint
from airlock.exports.engine import Inspector
from airlock.exports.findings import FindingKind, report_to_json
from airlock.exports.limits import InspectionLimits
from scripts.make_inspection_corpus import safetensors, weights

RNG = np.random.default_rng(5)


def inspect(data: bytes, inspector: Inspector | None = None) -> tuple[Outcome, set[FindingKind]]:
    report = (inspector or Inspector()).inspect("x", io.BytesIO(data), len(data))
    return report.verdict, {f.kind for f in report.findings}


def test_gzip_bomb_is_held_not_expanded() -> None:
    verdict, kinds = inspect(gzip.compress(bytes(400 * 1024 * 1024)))
    assert verdict is Outcome.HOLD and FindingKind.LIMIT in kinds


def test_zip_bomb_member_is_held() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("big.txt", bytes(100 * 1024 * 1024))
    verdict, kinds = inspect(buffer.getvalue())
    assert verdict is Outcome.HOLD and FindingKind.LIMIT in kinds


def test_nesting_beyond_the_limit_is_held() -> None:
    data = b"plain text\n"
    for _ in range(8):
        data = gzip.compress(data)
    verdict, kinds = inspect(data, Inspector(InspectionLimits(max_depth=4)))
    assert verdict is Outcome.HOLD and FindingKind.LIMIT in kinds


def test_traversal_and_link_members_are_held() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../../etc/cron.d/evil", b"x")
    assert inspect(buffer.getvalue())[1] == {FindingKind.UNSAFE_NAME}
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        link = tarfile.TarInfo("innocent")
        link.type = tarfile.SYMTYPE
        link.linkname = "/root/.ssh/id_ed25519"
        archive.addfile(link)
    verdict, kinds = inspect(buffer.getvalue())
    assert verdict is Outcome.HOLD and FindingKind.UNSAFE_NAME in kinds


def test_truncated_and_malformed_files_hold_with_a_finding() -> None:
    good = safetensors(weights(RNG, 1 << 20, "float16"), "float16")
    for broken in (
        good[:100],
        gzip.compress(good)[:1000],
        b"PK\x03\x04garbage",
        b"\x80\x04\x95garbage",
        b'\x10\x00\x00\x00\x00\x00\x00\x00{"a": [1, 2',
    ):
        verdict, kinds = inspect(broken)
        assert verdict is not Outcome.ALLOW, broken[:20]
        assert kinds


def test_huge_declared_header_is_refused() -> None:
    data = (10**9).to_bytes(8, "little") + b'{"x": 1}' + bytes(100)
    verdict, _ = inspect(data)
    assert verdict is not Outcome.ALLOW


def test_piece_of_protected_model_is_denied_through_encodings() -> None:
    model = weights(RNG, 4 << 20, "bfloat16")
    inspector = Inspector(protected=[ModelFingerprint.of("frontier-x", [model])])
    piece = model[1_000_003 : 1_000_003 + 96 * 1024]
    padded = RNG.bytes(12345) + piece + RNG.bytes(999)
    for wrapped in (
        padded,
        base64.b64encode(padded),
        padded.hex().encode(),
        gzip.compress(padded),
        json.dumps({"d": base64.b64encode(padded).decode()}).encode(),
    ):
        report = inspector.inspect("x", io.BytesIO(wrapped), len(wrapped))
        named = [f for f in report.findings if f.kind is FindingKind.PROTECTED_MODEL]
        assert report.verdict is Outcome.DENY
        assert named and "frontier-x" in named[0].detail


def test_unrelated_data_does_not_match_protected_model() -> None:
    model = weights(RNG, 2 << 20, "float16")
    inspector = Inspector(protected=[ModelFingerprint.of("frontier-x", [model])])
    other = weights(np.random.default_rng(99), 2 << 20, "float16")
    report = inspector.inspect("x", io.BytesIO(other), len(other))
    assert all(f.kind is not FindingKind.PROTECTED_MODEL for f in report.findings)


def test_json_report_shape() -> None:
    data = b"epoch,loss\n1,0.3\n"
    shape = report_to_json([Inspector().inspect("m.csv", io.BytesIO(data), len(data))])
    assert shape == {
        "verdict": "allow",
        "files": [
            {
                "path": "m.csv",
                "size": len(data),
                "verdict": "allow",
                "unexplained_bytes": 0,
                "findings": [],
            }
        ],
    }


def test_corrupt_deflate_data_in_a_zip_member_holds() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.txt", b"hello world " * 1000)
    data = bytearray(buffer.getvalue())
    data[40:60] = b"\xff" * 20  # inside the member's deflate stream
    verdict, kinds = inspect(bytes(data))
    assert verdict is Outcome.HOLD and FindingKind.MALFORMED in kinds
