"""The transparency-dev/merkle vectors (tests/data/vectors, see SOURCE.txt) are the reference:
we agree with all."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from airlock.errors import LedgerIntegrityError
from airlock.ledger.hashes import hash_children, hash_leaf
from airlock.ledger.proofs import fold, range_keys, verify_consistency, verify_inclusion
from airlock.ledger.subtrees import verify_subtree_consistency, verify_subtree_inclusion
from tests.conftest import TEST_DATA

VECTORS = TEST_DATA / "vectors" / "transparency-dev-merkle"


def vector_files(kind: str) -> list[Path]:
    files = sorted((VECTORS / "testdata" / kind).rglob("*.json"))
    if not files:
        pytest.fail(f"no {kind} vectors under {VECTORS}: the vectors ship in the repository")
    return files


def b64(value: str | None) -> bytes:
    return base64.b64decode(value) if value else b""


def proof(data: dict[str, Any]) -> list[bytes]:
    return [b64(p) for p in data.get("proof") or []]


def test_every_vector_folder_is_loaded() -> None:
    assert len(vector_files("inclusion")) >= 90
    assert len(vector_files("consistency")) >= 90
    assert len(vector_files("subtreeinclusion")) >= 200
    assert len(vector_files("subtreeconsistency")) >= 110
    every = set((VECTORS / "testdata").rglob("*.json"))
    covered = {
        p
        for kind in ("inclusion", "consistency", "subtreeinclusion", "subtreeconsistency")
        for p in vector_files(kind)
    }
    assert every == covered


@pytest.mark.parametrize("path", vector_files("inclusion"), ids=lambda p: "/".join(p.parts[-2:]))
def test_inclusion_vectors(path: Path) -> None:
    data = json.loads(path.read_text())
    args = (
        data["leafIdx"],
        data["treeSize"],
        b64(data["leafHash"]),
        proof(data),
        b64(data["root"]),
    )
    if data["wantErr"]:
        with pytest.raises(LedgerIntegrityError):
            verify_inclusion(*args)
    else:
        verify_inclusion(*args)


@pytest.mark.parametrize("path", vector_files("consistency"), ids=lambda p: "/".join(p.parts[-2:]))
def test_consistency_vectors(path: Path) -> None:
    data = json.loads(path.read_text())
    args = (data["size1"], data["size2"], b64(data["root1"]), b64(data["root2"]), proof(data))
    if data["wantErr"]:
        with pytest.raises(LedgerIntegrityError):
            verify_consistency(*args)
    else:
        verify_consistency(*args)


def test_roots_for_sizes_zero_to_eight() -> None:
    data = json.loads((VECTORS / "roots.json").read_text())
    leaves = [bytes.fromhex(x) for x in data["leaf_inputs_hex"]]
    expected = [bytes.fromhex(x) for x in data["root_hashes_hex_by_tree_size"]]
    assert len(expected) == 9
    hashes = {(0, i): hash_leaf(leaf) for i, leaf in enumerate(leaves)}
    for size, want in enumerate(expected):
        # build every complete subtree the size needs, bottom-up
        nodes = dict(hashes)
        for level in range(1, 4):
            for i in range(size >> level):
                nodes[(level, i)] = hash_children(
                    nodes[(level - 1, 2 * i)], nodes[(level - 1, 2 * i + 1)]
                )
        assert fold([nodes[k] for k in range_keys(0, size)]) == want, size


@pytest.mark.parametrize(
    "path", vector_files("subtreeinclusion"), ids=lambda p: "/".join(p.parts[-2:])
)
def test_subtree_inclusion_vectors(path: Path) -> None:
    data = json.loads(path.read_text())
    args = (
        data["leafIdx"],
        data["start"],
        data["end"],
        b64(data["leafHash"]),
        proof(data),
        b64(data["root"]),
    )
    if data["wantErr"]:
        with pytest.raises(LedgerIntegrityError):
            verify_subtree_inclusion(*args)
    else:
        verify_subtree_inclusion(*args)


@pytest.mark.parametrize(
    "path", vector_files("subtreeconsistency"), ids=lambda p: "/".join(p.parts[-2:])
)
def test_subtree_consistency_vectors(path: Path) -> None:
    data = json.loads(path.read_text())
    args = (
        data["start"],
        data["end"],
        data["size"],
        proof(data),
        b64(data["root1"]),
        b64(data["root2"]),
    )
    if data["wantErr"]:
        with pytest.raises(LedgerIntegrityError):
            verify_subtree_consistency(*args)
    else:
        verify_subtree_consistency(*args)
