"""Receipts: one decision, provable offline with nothing but the log's public key.

A receipt carries the entry's bytes, its index, an inclusion proof and the signed
checkpoint the proof leads to. Verifying needs no database and no network.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from airlock.errors import LedgerIntegrityError
from airlock.ledger.checkpoints import SignedCheckpoint, open_checkpoint
from airlock.ledger.encoding import strict_b64decode
from airlock.ledger.hashes import hash_leaf
from airlock.ledger.proofs import verify_inclusion
from airlock.ledger.records import parse_record
from airlock.ledger.signed_note import VerifierKey

RECEIPT_FORMAT = "airlock-receipt/v1"
MAX_RECEIPT_BYTES = 1024 * 1024
MAX_PROOF_HASHES = 64


@dataclass(frozen=True, slots=True)
class VerifiedReceipt:
    index: int
    record: dict[str, Any]
    checkpoint: SignedCheckpoint


def build_receipt(
    index: int, entry: bytes, proof: Sequence[bytes], signed_checkpoint: str, tree_size: int
) -> bytes:
    document = {
        "format": RECEIPT_FORMAT,
        "index": index,
        "tree_size": tree_size,
        "entry": base64.b64encode(entry).decode(),
        "inclusion_proof": [base64.b64encode(p).decode() for p in proof],
        "checkpoint": signed_checkpoint,
    }
    return (json.dumps(document, indent=2) + "\n").encode()


def verify_receipt(data: bytes, log_key: VerifierKey) -> VerifiedReceipt:
    """Check signature, leaf and inclusion; return the decision it proves.

    Raises:
        LedgerIntegrityError: anything malformed, unsigned, or not included.
    """
    if len(data) > MAX_RECEIPT_BYTES:
        raise LedgerIntegrityError(f"receipt exceeds {MAX_RECEIPT_BYTES} bytes")
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        raise LedgerIntegrityError(f"receipt is not JSON: {e}") from e
    if not isinstance(document, dict) or document.get("format") != RECEIPT_FORMAT:
        raise LedgerIntegrityError(f"not an {RECEIPT_FORMAT} document")
    index, size = document.get("index"), document.get("tree_size")
    proof_texts, checkpoint_text = document.get("inclusion_proof"), document.get("checkpoint")
    if not (isinstance(index, int) and isinstance(size, int) and isinstance(checkpoint_text, str)):
        raise LedgerIntegrityError("receipt lacks index, tree_size or checkpoint")
    if isinstance(index, bool) or isinstance(size, bool) or index < 0 or size < 1:
        raise LedgerIntegrityError("receipt's index and tree_size must be counts")
    if not isinstance(proof_texts, list) or len(proof_texts) > MAX_PROOF_HASHES:
        raise LedgerIntegrityError("receipt's inclusion_proof must be a short list")
    entry = _b64(document.get("entry"), "entry")
    proof = [_b64(p, "inclusion proof hash") for p in proof_texts]
    checkpoint = open_checkpoint(checkpoint_text, log_key)
    if checkpoint.checkpoint.size != size:
        raise LedgerIntegrityError("receipt's tree_size differs from its checkpoint's size")
    verify_inclusion(index, size, hash_leaf(entry), proof, checkpoint.checkpoint.root)
    return VerifiedReceipt(index, parse_record(entry), checkpoint)


def _b64(value: object, what: str) -> bytes:
    if not isinstance(value, str):
        raise LedgerIntegrityError(f"receipt's {what} must be a base64 string")
    return strict_b64decode(value, f"receipt's {what}")
