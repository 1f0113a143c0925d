"""Batches of transcripts: one Merkle tree per batch, one ledger leaf per tree.

Appending every response to the ledger would bind inference throughput to ledger appends;
instead the gateway stores transcripts content-addressed and, every few seconds, commits
the pending ones as one ``outputs.batch`` record carrying the RFC 9162 root (section 2.1.1)
over their digests. A response is then provable offline: its transcript, its audit path in
the batch tree, and a ledger receipt for the batch record (:func:`verify_output_proof`).

Pure: bytes and values in, values out.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from airlock.errors import LedgerIntegrityError
from airlock.ledger.hashes import hash_children, hash_leaf
from airlock.ledger.proofs import verify_inclusion
from airlock.ledger.receipts import verify_receipt
from airlock.ledger.signed_note import VerifierKey
from airlock.outputs.transcript import Transcript, TranscriptDigest

BATCH_RECORD = "outputs.batch"
PROOF_FORMAT = "airlock-output-proof/v1"
MAX_PROOF_BYTES = 4 * 1024 * 1024
MAX_PATH = 64


def leaf_of(digest: str) -> bytes:
    """The leaf hash of one transcript digest (the leaf's data is the raw 32-byte digest)."""
    raw = bytes.fromhex(digest)
    if len(raw) != 32:
        raise LedgerIntegrityError("a transcript digest is 32 bytes of hex")
    return hash_leaf(raw)


def batch_root(digests: Sequence[str]) -> bytes:
    """MTH over the digests' leaves (RFC 9162 2.1.1)."""
    if not digests:
        raise LedgerIntegrityError("a batch holds at least one transcript")
    return _mth([leaf_of(d) for d in digests])


def audit_path(digests: Sequence[str], index: int) -> list[bytes]:
    """PATH(index, D) of RFC 9162 2.1.3.1, leaf end first."""
    if not 0 <= index < len(digests):
        raise LedgerIntegrityError(f"leaf {index} is not in a batch of {len(digests)}")
    return _path([leaf_of(d) for d in digests], index)


def _split(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def _mth(leaves: Sequence[bytes]) -> bytes:
    if len(leaves) == 1:
        return leaves[0]
    k = _split(len(leaves))
    return hash_children(_mth(leaves[:k]), _mth(leaves[k:]))


def _path(leaves: Sequence[bytes], index: int) -> list[bytes]:
    if len(leaves) == 1:
        return []
    k = _split(len(leaves))
    if index < k:
        return [*_path(leaves[:k], index), _mth(leaves[k:])]
    return [*_path(leaves[k:], index - k), _mth(leaves[:k])]


@dataclass(frozen=True, slots=True)
class ProvenOutput:
    transcript: Transcript
    digest: TranscriptDigest
    ledger_index: int
    batch_size: int


def build_output_proof(
    transcript: Transcript, leaf_index: int, digests: Sequence[str], receipt: bytes
) -> bytes:
    """An offline proof that ``transcript`` is in the batch whose record ``receipt`` proves."""
    path = audit_path(digests, leaf_index)
    if digests[leaf_index] != transcript.digest:
        raise LedgerIntegrityError("the transcript is not the batch's leaf at that index")
    document = {
        "format": PROOF_FORMAT,
        "transcript": transcript.to_json(),
        "leaf_index": leaf_index,
        "batch_size": len(digests),
        "batch_path": [base64.b64encode(p).decode() for p in path],
        "receipt": json.loads(receipt),
    }
    return (json.dumps(document, indent=2) + "\n").encode()


def verify_output_proof(data: bytes, log_key: VerifierKey) -> ProvenOutput:
    """Check the receipt, that it proves an ``outputs.batch`` record, and the audit path.

    Raises:
        LedgerIntegrityError: anything malformed, unsigned, or not included.
    """
    if len(data) > MAX_PROOF_BYTES:
        raise LedgerIntegrityError(f"an output proof exceeds {MAX_PROOF_BYTES} bytes")
    try:
        document: Any = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        raise LedgerIntegrityError(f"output proof is not JSON: {e}") from e
    if not isinstance(document, dict) or document.get("format") != PROOF_FORMAT:
        raise LedgerIntegrityError(f"not an {PROOF_FORMAT} document")
    receipt = verify_receipt(json.dumps(document.get("receipt")).encode(), log_key)
    record = receipt.record
    details = record.get("details")
    if record.get("kind") != BATCH_RECORD or not isinstance(details, dict):
        raise LedgerIntegrityError(f"the receipt proves a {record.get('kind')!r} record")
    index, size, path = (
        document.get("leaf_index"),
        document.get("batch_size"),
        document.get("batch_path"),
    )
    if not (isinstance(index, int) and isinstance(size, int) and isinstance(path, list)):
        raise LedgerIntegrityError("output proof lacks leaf_index, batch_size or batch_path")
    if str(size) != details.get("count") or len(path) > MAX_PATH:
        raise LedgerIntegrityError("the batch size differs from the ledger record's count")
    try:
        transcript = Transcript.from_json(document.get("transcript") or {})
        proof = [base64.b64decode(p, validate=True) for p in path]
        root = bytes.fromhex(str(details.get("root")))
    except (ValueError, TypeError) as e:
        raise LedgerIntegrityError(f"output proof is malformed: {e}") from e
    digest = transcript.digest
    verify_inclusion(index, size, leaf_of(digest), proof, root)
    return ProvenOutput(transcript, digest, receipt.index, size)


def digest_of(data: bytes) -> TranscriptDigest:
    return TranscriptDigest(hashlib.sha256(data).hexdigest())
