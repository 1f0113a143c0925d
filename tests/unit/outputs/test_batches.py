from __future__ import annotations

import hashlib
import json
from dataclasses import replace

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from airlock.errors import LedgerIntegrityError
from airlock.ledger.checkpoints import Checkpoint, sign_checkpoint
from airlock.ledger.hashes import hash_children, hash_leaf
from airlock.ledger.proofs import verify_inclusion
from airlock.ledger.receipts import build_receipt
from airlock.ledger.records import canonical_json
from airlock.ledger.signed_note import NoteSigner
from airlock.outputs.batches import (
    audit_path,
    batch_root,
    build_output_proof,
    leaf_of,
    verify_output_proof,
)
from airlock.outputs.transcript import Transcript
from tests.support.transcripts import SAMPLE


def _digests(n: int) -> list[str]:
    return [hashlib.sha256(str(i).encode()).hexdigest() for i in range(n)]


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8, 13, 32, 33])
def test_every_leaf_proves_against_the_rfc9162_root(size: int) -> None:
    digests = _digests(size)
    root = batch_root(digests)
    for i in range(size):
        verify_inclusion(i, size, leaf_of(digests[i]), audit_path(digests, i), root)
    if size > 1:
        with pytest.raises(LedgerIntegrityError):
            verify_inclusion(0, size, leaf_of(digests[1]), audit_path(digests, 0), root)


def test_root_is_rfc9162_mth() -> None:
    d = _digests(3)
    left = hash_children(leaf_of(d[0]), leaf_of(d[1]))
    assert batch_root(d) == hash_children(left, leaf_of(d[2]))
    assert batch_root(d[:1]) == hash_leaf(bytes.fromhex(d[0]))


def _transcript(i: int) -> Transcript:
    return replace(
        SAMPLE,
        prompt_tokens=(1,),
        output_tokens=(i,),
        temperature_milli=1000,
        seed=i,
        request_id=str(i),
        at="2026-01-01T00:00:00+00:00",
    )


def _proof(batch: list[Transcript], leaf: int, key: Ed25519PrivateKey) -> bytes:
    digests = [t.digest for t in batch]
    record = {
        "v": 1,
        "kind": "outputs.batch",
        "details": {"root": batch_root(digests).hex(), "count": str(len(batch))},
    }
    entry = canonical_json(record)
    signer = NoteSigner("test-log", key)
    note = sign_checkpoint(Checkpoint("test-log", 1, hash_leaf(entry)), signer)
    return build_output_proof(batch[leaf], leaf, digests, build_receipt(0, entry, [], note, 1))


def test_output_proof_verifies_offline_and_tampering_fails() -> None:
    key = Ed25519PrivateKey.generate()
    verifier = NoteSigner("test-log", key).verifier
    batch = [_transcript(i) for i in range(5)]
    data = _proof(batch, 3, key)
    proven = verify_output_proof(data, verifier)
    assert proven.transcript == batch[3]
    document = json.loads(data)
    document["transcript"]["output_tokens"] = [99]
    with pytest.raises(LedgerIntegrityError):
        verify_output_proof(json.dumps(document).encode(), verifier)
    with pytest.raises(LedgerIntegrityError):
        verify_output_proof(data, NoteSigner("test-log", Ed25519PrivateKey.generate()).verifier)
