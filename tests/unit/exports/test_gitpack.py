"""Git packs with deltas resolved: benign bundles explained, weights in deltas caught (issue 15)."""

from __future__ import annotations

import contextlib
import hashlib
import io
import struct
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airlock.domain.requests import Outcome
from airlock.exports import InspectionLimits, inspect_stream
from airlock.exports.findings import FileReport
from airlock.exports.gitpack import BLOB, OFS_DELTA, REF_DELTA, TREE, BadPack, pack_contents
from tests.support import research_files as r


def scan(data: bytes, name: str = "repo.pack") -> FileReport:
    return inspect_stream(name, io.BytesIO(data), limits=InspectionLimits(), size=len(data))


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _header(kind: int, size: int) -> bytes:
    out = bytearray([(kind << 4) | (size & 0x0F)])
    size >>= 4
    while size:
        out[-1] |= 0x80
        out.append(size & 0x7F)
        size >>= 7
    return bytes(out)


def _ofs(distance: int) -> bytes:
    out = [distance & 0x7F]
    distance >>= 7
    while distance:
        distance -= 1
        out.insert(0, 0x80 | (distance & 0x7F))
        distance >>= 7
    return bytes(out)


def delta(base: bytes, copy: int, insert: bytes) -> bytes:
    """Copy the first ``copy`` bytes of ``base``, then insert ``insert`` in runs of 127."""
    out = bytearray(_varint(len(base)) + _varint(copy + len(insert)))
    if copy:
        out += bytes([0x80 | 0x10 | 0x20 | 0x40, copy & 0xFF, (copy >> 8) & 0xFF, copy >> 16])
    for start in range(0, len(insert), 127):
        run = insert[start : start + 127]
        out += bytes([len(run)]) + run
    return bytes(out)


def object_id(kind: str, content: bytes) -> bytes:
    return hashlib.sha1(b"%s %d\x00" % (kind.encode(), len(content)) + content).digest()


def pack(objects: list[tuple[int, bytes, bytes | int | None]]) -> bytes:
    """A pack of (kind, content, base): an ofs-delta's base is an earlier object's index."""
    body, offsets = bytearray(), []
    for kind, content, base in objects:
        offsets.append(12 + len(body))
        body += _header(kind, len(content))
        if kind == OFS_DELTA and isinstance(base, int):
            body += _ofs(offsets[-1] - offsets[base])
        elif kind == REF_DELTA and isinstance(base, bytes):
            body += base
        body += zlib.compress(content)
    data = b"PACK" + struct.pack(">II", 2, len(objects)) + body
    return data + hashlib.sha1(data).digest()


SOURCE = b"def score(p, l):\n    return sum(a == b for a, b in zip(p, l))\n" * 40


def test_a_blob_delta_is_resolved_to_the_blob_it_makes() -> None:
    edited = SOURCE + b"# edit\n"
    data = pack([(BLOB, SOURCE, None), (OFS_DELTA, delta(SOURCE, len(SOURCE), b"# edit\n"), 0)])
    contents = dict(pack_contents(data, lambda n: None))
    assert contents == {"object1-blob": SOURCE, "object2-blob-from-delta": edited}


def test_a_tree_delta_is_git_structure_not_unknown_binary() -> None:
    """The benign case that held: a tree's delta inserts raw object ids."""
    blobs = [SOURCE + bytes([i]) for i in range(200)]
    ids = [object_id("blob", b) for b in blobs]
    tree = b"".join(b"100644 eval_%d.py\x00" % i + ids[i] for i in range(200))
    objects: list[tuple[int, bytes, bytes | int | None]] = [(BLOB, b, None) for b in blobs]
    objects += [(TREE, tree, None), (OFS_DELTA, delta(tree, len(tree) - 20, ids[0]), 200)]
    labels = dict(pack_contents(pack(objects), lambda n: None))
    assert labels["object202-tree-from-delta-names"].count(b"\n") == 200
    assert not [label for label in labels if "foreign" in label or "unresolved" in label]
    assert scan(pack(objects)).verdict is Outcome.ALLOW


def test_weights_inserted_by_a_blob_delta_are_denied() -> None:
    payload = r.weights(1_000_000).tobytes()
    data = pack([(BLOB, SOURCE, None), (OFS_DELTA, delta(SOURCE, 100, payload), 0)])
    report = scan(data)
    assert report.verdict is Outcome.DENY, report.to_json()
    assert any("object2-blob-from-delta" in f.member for f in report.findings)


def test_weights_inserted_by_a_delta_on_a_missing_base_are_denied() -> None:
    """A thin pack: the base is not in the pack, so the inserts are judged as before."""
    payload = r.weights(1_000_000).tobytes()
    thin = delta(SOURCE, 100, payload)
    report = scan(pack([(BLOB, b"x\n", None), (REF_DELTA, thin, b"\x01" * 20)]))
    assert report.verdict is Outcome.DENY, report.to_json()
    assert any("unresolved" in f.member for f in report.findings)


def test_weights_as_the_ids_of_a_tree_made_by_a_delta_are_denied() -> None:
    """A delta on a real tree making entries whose 'ids' are weights, 20 bytes at a time."""
    payload = r.weights(600_000).tobytes()
    base = b"100644 a.py\x00" + object_id("blob", SOURCE)
    forged = b"".join(
        b"100644 f%d\x00" % i + payload[i : i + 20] for i in range(0, len(payload), 20)
    )
    data = pack([(BLOB, SOURCE, None), (TREE, base, None), (OFS_DELTA, delta(base, 0, forged), 1)])
    report = scan(data)
    assert report.verdict is Outcome.DENY, report.to_json()
    assert any("foreign-ids" in f.member for f in report.findings)


def test_a_real_bundle_with_deltas_is_allowed() -> None:
    report = scan(r.git_bundle_of_code(), "repo.bundle")
    assert report.verdict is Outcome.ALLOW, report.to_json()
    assert report.unexplained_bytes == 0


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda: pack([(BLOB, b"ab", None), (OFS_DELTA, delta(b"abc", 0, b"x"), 0)]), "size"),
        (lambda: pack([(BLOB, b"abc", None), (OFS_DELTA, b"\x03\x05\x90\x09", 0)]), "beyond"),
        (lambda: pack([(TREE, b"no entry", None)]), "tree entry"),
        # a thin delta (base not in the pack) whose size header runs off its end
        (lambda: pack([(REF_DELTA, b"\x80\x80", b"\x01" * 20)]), "header is truncated"),
    ],
)
def test_malformed_deltas_and_trees_raise_bad_pack(make: object, reason: str) -> None:
    assert callable(make)
    with pytest.raises(BadPack, match=reason):
        list(pack_contents(make(), lambda n: None))


def test_resolved_bytes_are_charged_and_kept_bytes_bounded() -> None:
    charged: list[int] = []
    data = pack([(BLOB, SOURCE, None), (OFS_DELTA, delta(SOURCE, len(SOURCE), b"!\n"), 0)])
    list(pack_contents(data, charged.append))
    assert sum(charged) >= 2 * len(SOURCE)  # inflated and resolved
    # Nothing may be kept: the delta's inserts are judged instead of its result.
    labels = dict(pack_contents(data, lambda n: None, max_kept=1))
    assert "object2-ofs-delta-unresolved" in labels


def test_a_ref_delta_before_its_base_is_resolved_at_the_end() -> None:
    base_id = object_id("blob", SOURCE)
    data = pack([(REF_DELTA, delta(SOURCE, len(SOURCE), b"!\n"), base_id), (BLOB, SOURCE, None)])
    contents = dict(pack_contents(data, lambda n: None))
    assert contents == {"object2-blob": SOURCE, "object1-blob-from-delta": SOURCE + b"!\n"}


@settings(max_examples=300, deadline=None)
@given(
    body=st.binary(max_size=64),
    made=st.integers(0, 5000),
    tree=st.binary(max_size=64),
    kind=st.sampled_from([OFS_DELTA, REF_DELTA]),
)
def test_arbitrary_deltas_and_trees_raise_only_bad_pack(
    body: bytes, made: int, tree: bytes, kind: int
) -> None:
    """Inflated contents are what an attacker controls after zlib: deltas and trees."""
    instructions = _varint(len(SOURCE)) + _varint(made) + body
    base: bytes | int = object_id("blob", SOURCE) if kind == REF_DELTA else 0
    data = pack([(BLOB, SOURCE, None), (kind, instructions, base), (TREE, tree, None)])
    with contextlib.suppress(BadPack):
        list(pack_contents(data, lambda n: None))
