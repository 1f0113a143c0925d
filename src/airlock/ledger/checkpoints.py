"""C2SP tlog-checkpoint bodies (https://c2sp.org/tlog-checkpoint) and their cosignatures.

A checkpoint body is three lines -- origin, decimal tree size, base64 root hash -- plus
optional extension lines. Cosignatures follow c2sp.org/tlog-cosignature: the witness signs
``cosignature/v1\\ntime <unix seconds>\\n`` followed by the body, and the signature line
carries key ID || 8-byte big-endian timestamp || Ed25519 signature.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass

from airlock.errors import LedgerIntegrityError
from airlock.ledger.encoding import strict_b64decode
from airlock.ledger.hashes import HASH_SIZE
from airlock.ledger.signed_note import (
    COSIGNATURE_V1,
    Note,
    NoteSigner,
    VerifierKey,
    check_text,
    sign_note,
    verify_note,
)

MAX_EXTENSION_LINES = 16
_SIZE = re.compile(r"0|[1-9][0-9]{0,19}")


@dataclass(frozen=True, slots=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or "\n" in self.origin or self.origin != self.origin.strip():
            raise LedgerIntegrityError("checkpoint origin must be one non-empty trimmed line")
        if self.size < 0 or self.size >= 1 << 64:
            raise LedgerIntegrityError("checkpoint size must fit an unsigned 64-bit integer")
        if len(self.root) != HASH_SIZE:
            raise LedgerIntegrityError(f"checkpoint root must be {HASH_SIZE} bytes")
        if len(self.extensions) > MAX_EXTENSION_LINES or any(
            not e or "\n" in e for e in self.extensions
        ):
            raise LedgerIntegrityError("checkpoint extension lines must be non-empty single lines")

    def body(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode()]
        return "".join(line + "\n" for line in (*lines, *self.extensions))

    @classmethod
    def parse_body(cls, text: str) -> Checkpoint:
        """Raises: LedgerIntegrityError for anything but a well-formed body."""
        check_text(text)
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise LedgerIntegrityError("checkpoint body needs origin, size and root lines")
        origin, size, root = lines[:3]
        if not _SIZE.fullmatch(size):
            raise LedgerIntegrityError(f"checkpoint size {size[:30]!r} is not a decimal number")
        root_bytes = strict_b64decode(root, "checkpoint root")
        return cls(origin, int(size), root_bytes, tuple(lines[3:]))


@dataclass(frozen=True, slots=True)
class SignedCheckpoint:
    checkpoint: Checkpoint
    note: Note
    text: str  # the whole signed note, as stored and served


def sign_checkpoint(checkpoint: Checkpoint, signer: NoteSigner) -> str:
    """The checkpoint as a signed note. The key name is the origin, as C2SP recommends."""
    return sign_note(checkpoint.body(), signer)


def open_checkpoint(data: bytes | str, log_key: VerifierKey) -> SignedCheckpoint:
    """Verify the log's signature and parse the body; the origin must equal the key name.

    Raises:
        LedgerIntegrityError: bad signature, malformed note or body, or origin mismatch.
    """
    note = verify_note(data, log_key)
    checkpoint = Checkpoint.parse_body(note.text)
    if checkpoint.origin != log_key.name:
        raise LedgerIntegrityError(
            f"checkpoint origin {checkpoint.origin!r} is not the log key's name {log_key.name!r}"
        )
    text = data.decode() if isinstance(data, bytes) else data
    return SignedCheckpoint(checkpoint, note, text)


def cosignature_message(body: str, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n{body}".encode()


def cosign(body: str, witness: NoteSigner, timestamp: int) -> str:
    """A cosignature line for a checkpoint body (c2sp.org/tlog-cosignature)."""
    if witness.signature_type != COSIGNATURE_V1:
        raise LedgerIntegrityError("witness keys must use the cosignature/v1 type (0x04)")
    if not 0 <= timestamp < 1 << 63:
        raise LedgerIntegrityError("cosignature timestamp out of range")
    signature = witness.private_key.sign(cosignature_message(body, timestamp))
    return witness.signature_line(timestamp.to_bytes(8, "big") + signature)


def verify_cosignature(note: Note, witness: VerifierKey) -> int:
    """The timestamp of a valid cosignature by ``witness`` on the note's checkpoint.

    Raises:
        LedgerIntegrityError: no valid cosignature by that witness.
    """
    if witness.signature_type != COSIGNATURE_V1:
        raise LedgerIntegrityError("witness verifier keys must have type 0x04")
    for signature in note.signatures_by(witness):
        if len(signature.payload) != 72:
            continue
        timestamp = int.from_bytes(signature.payload[:8], "big")
        if witness.verify(signature.payload[8:], cosignature_message(note.text, timestamp)):
            return timestamp
    raise LedgerIntegrityError(f"checkpoint carries no valid cosignature by {witness.name}")
