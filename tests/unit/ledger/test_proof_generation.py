"""Proofs generated from stored nodes: equal to the reference vectors, and always verifying."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from airlock.errors import LedgerIntegrityError
from airlock.ledger.hashes import hash_leaf
from airlock.ledger.proofs import (
    consistency_plan,
    inclusion_plan,
    materialise,
    root_at,
    verify_consistency,
    verify_inclusion,
)
from airlock.store.memory_ledger import MemoryLedgerStore
from tests.unit.ledger.test_vectors import VECTORS, vector_files


def fake_seal(index: int, body: bytes) -> bytes:
    return hashlib.sha256(index.to_bytes(8, "big") + body).digest()


T0 = datetime(2026, 1, 1, tzinfo=UTC)


def ledger_of(bodies: list[bytes]) -> MemoryLedgerStore:
    ledger = MemoryLedgerStore()
    if bodies:
        ledger.append(bodies, T0, fake_seal)
    return ledger


def reference_leaves() -> list[bytes]:
    data = json.loads((VECTORS / "roots.json").read_text())
    return [bytes.fromhex(x) for x in data["leaf_inputs_hex"]]


def test_generated_proofs_equal_every_happy_path_vector() -> None:
    ledger = ledger_of(reference_leaves())
    checked = 0
    for path in vector_files("inclusion"):
        data = json.loads(path.read_text())
        if data["wantErr"] or data["desc"] != "happy path":
            continue
        plan = inclusion_plan(data["leafIdx"], data["treeSize"])
        assert [base64.b64encode(p).decode() for p in materialise(plan, ledger)] == (
            data["proof"] or []
        )
        checked += 1
    for path in vector_files("consistency"):
        data = json.loads(path.read_text())
        if data["wantErr"] or data["desc"] != "happy path" or data["size1"] == 0:
            continue
        plan = consistency_plan(data["size1"], data["size2"])
        assert [base64.b64encode(p).decode() for p in materialise(plan, ledger)] == (
            data["proof"] or []
        )
        checked += 1
    assert checked >= 8


@settings(max_examples=60, deadline=None)
@given(size=st.integers(1, 300), data=st.data())
def test_every_inclusion_proof_verifies_and_any_bit_flip_fails(
    size: int, data: st.DataObject
) -> None:
    bodies = [f"record {i}".encode() for i in range(size)]
    ledger = ledger_of(bodies)
    root = root_at(size, ledger)
    index = data.draw(st.integers(0, size - 1))
    proof = materialise(inclusion_plan(index, size), ledger)
    verify_inclusion(index, size, hash_leaf(bodies[index]), proof, root)

    target = data.draw(st.sampled_from(["leaf", "root", "proof"] if proof else ["leaf", "root"]))
    bit = data.draw(st.integers(0, 255))
    leaf, tampered_root, tampered_proof = hash_leaf(bodies[index]), root, list(proof)
    if target == "leaf":
        leaf = flip(leaf, bit)
    elif target == "root":
        tampered_root = flip(root, bit)
    else:
        at = data.draw(st.integers(0, len(proof) - 1))
        tampered_proof[at] = flip(proof[at], bit)
    try:
        verify_inclusion(index, size, leaf, tampered_proof, tampered_root)
    except LedgerIntegrityError:
        return
    raise AssertionError(f"a flipped bit in the {target} was accepted")


@settings(max_examples=60, deadline=None)
@given(new_size=st.integers(1, 300), data=st.data())
def test_every_consistency_proof_verifies_and_any_bit_flip_fails(
    new_size: int, data: st.DataObject
) -> None:
    old_size = data.draw(st.integers(1, new_size))
    ledger = ledger_of([f"record {i}".encode() for i in range(new_size)])
    old_root, new_root = root_at(old_size, ledger), root_at(new_size, ledger)
    proof = materialise(consistency_plan(old_size, new_size), ledger)
    verify_consistency(old_size, new_size, old_root, new_root, proof)
    if old_size == new_size:
        return
    bit = data.draw(st.integers(0, 255))
    choice = data.draw(st.sampled_from(["old", "new", "proof"]))
    args = [old_root, new_root, list(proof)]
    if choice == "old":
        args[0] = flip(old_root, bit)
    elif choice == "new":
        args[1] = flip(new_root, bit)
    else:
        at = data.draw(st.integers(0, len(proof) - 1))
        args[2][at] = flip(proof[at], bit)  # type: ignore[index]
    try:
        verify_consistency(old_size, new_size, args[0], args[1], args[2])  # type: ignore[arg-type]
    except LedgerIntegrityError:
        return
    raise AssertionError(f"a flipped bit in the {choice} was accepted")


def flip(value: bytes, bit: int) -> bytes:
    mutable = bytearray(value)
    mutable[bit // 8 % len(mutable)] ^= 1 << (bit % 8)
    return bytes(mutable)
