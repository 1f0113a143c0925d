"""C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 signatures.

A note is UTF-8 text of newline-terminated lines, a blank line, then signature lines
``— <key name> <base64(key ID || signature)>``. The key ID is the first four bytes of
SHA-256(name || 0x0A || signature type || public key); type 0x01 is Ed25519 over the text,
0x04 a tlog cosignature (c2sp.org/tlog-cosignature), whose signed message differs.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from airlock.errors import LedgerIntegrityError
from airlock.ledger.encoding import strict_b64decode

ED25519 = 0x01
COSIGNATURE_V1 = 0x04
MAX_NOTE_BYTES = 64 * 1024
MAX_SIGNATURES = 64
_DASH = "\u2014 "


def key_id(name: str, signature_type: int, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([signature_type]) + public_key).digest()[:4]


def _check_key_name(name: str) -> None:
    if not name or any(c.isspace() or c == "+" or ord(c) < 0x20 for c in name):
        raise LedgerIntegrityError(f"key name {name!r} must be non-empty, with no spaces or '+'")


@dataclass(frozen=True, slots=True)
class VerifierKey:
    """A public key with its name and signature type, as in ``name+hexid+base64(type||key)``."""

    name: str
    signature_type: int
    public_key: bytes

    def __post_init__(self) -> None:
        _check_key_name(self.name)
        if self.signature_type not in (ED25519, COSIGNATURE_V1) or len(self.public_key) != 32:
            raise LedgerIntegrityError(
                "only Ed25519 (type 0x01 or 0x04) verifier keys are supported"
            )

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.signature_type, self.public_key)

    def encode(self) -> str:
        blob = base64.b64encode(bytes([self.signature_type]) + self.public_key).decode()
        return f"{self.name}+{self.key_id.hex()}+{blob}"

    @classmethod
    def parse(cls, text: str) -> VerifierKey:
        """Raises: LedgerIntegrityError for a malformed or self-inconsistent key string."""
        parts = text.strip().split("+", 2)  # base64 may itself contain '+'
        if len(parts) != 3 or len(parts[1]) != 8:
            raise LedgerIntegrityError("a verifier key looks like name+8hexdigits+base64")
        raw = strict_b64decode(parts[2], "verifier key")
        try:
            expected_id = bytes.fromhex(parts[1])
        except ValueError as e:
            raise LedgerIntegrityError(f"verifier key ID is not hex: {e}") from e
        if len(raw) != 33:
            raise LedgerIntegrityError("verifier key must hold a type byte and a 32-byte key")
        key = cls(parts[0], raw[0], raw[1:])
        if key.key_id != expected_id:
            raise LedgerIntegrityError("verifier key's ID does not match its name and key")
        return key

    def verify(self, signature: bytes, message: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature:
            return False
        return True


class LedgerKey(Protocol):
    """What signing needs of an Ed25519 private key: a key file's key
    (``Ed25519PrivateKey``) or one held in a PKCS#11 token (:mod:`airlock.key_custody`)."""

    def sign(self, data: bytes) -> bytes: ...

    def public_key(self) -> Ed25519PublicKey: ...


@dataclass(frozen=True, slots=True)
class NoteSigner:
    """An Ed25519 private key with the name it signs under."""

    name: str
    private_key: LedgerKey
    signature_type: int = ED25519

    def __post_init__(self) -> None:
        _check_key_name(self.name)

    @property
    def verifier(self) -> VerifierKey:
        raw = self.private_key.public_key().public_bytes_raw()
        return VerifierKey(self.name, self.signature_type, raw)

    def signature_line(self, payload: bytes) -> str:
        """A signature line for an already-built signature payload (after the key ID)."""
        return NoteSignature(self.name, self.verifier.key_id, payload).line()


@dataclass(frozen=True, slots=True)
class NoteSignature:
    name: str
    key_id: bytes
    payload: bytes  # everything after the key ID: a signature, or timestamp || signature

    def line(self) -> str:
        return f"{_DASH}{self.name} {base64.b64encode(self.key_id + self.payload).decode()}\n"


@dataclass(frozen=True, slots=True)
class Note:
    text: str
    signatures: tuple[NoteSignature, ...]

    def signatures_by(self, key: VerifierKey) -> list[NoteSignature]:
        return [s for s in self.signatures if s.name == key.name and s.key_id == key.key_id]


def check_text(text: str) -> None:
    """Raises: LedgerIntegrityError unless ``text`` is a well-formed note body."""
    if not text.endswith("\n") or "\n\n" in text or text.startswith("\n"):
        raise LedgerIntegrityError("note text must be non-empty newline-ended lines, no blanks")
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        raise LedgerIntegrityError("note text must not contain control characters")


def sign_note(text: str, signer: NoteSigner) -> str:
    """The text followed by a blank line and one Ed25519 signature line."""
    check_text(text)
    signature = signer.private_key.sign(text.encode())
    return text + "\n" + signer.signature_line(signature)


def parse_note(data: bytes | str) -> Note:
    """Split a signed note into text and signature lines, strictly and within bounds.

    Raises:
        LedgerIntegrityError: oversized, not UTF-8, malformed lines, or no signatures.
    """
    raw = data.encode() if isinstance(data, str) else data
    if len(raw) > MAX_NOTE_BYTES:
        raise LedgerIntegrityError(f"signed note exceeds {MAX_NOTE_BYTES} bytes")
    try:
        note = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise LedgerIntegrityError("signed note is not UTF-8") from e
    split = note.rfind("\n\n")
    if split < 0 or not note.endswith("\n"):
        raise LedgerIntegrityError("signed note has no signature block")
    text, block = note[: split + 1], note[split + 2 :]
    check_text(text)
    lines = block.splitlines(keepends=True)
    if not lines or len(lines) > MAX_SIGNATURES:
        raise LedgerIntegrityError(f"signed note needs 1 to {MAX_SIGNATURES} signature lines")
    return Note(text, tuple(_parse_signature_line(line) for line in lines))


def _parse_signature_line(line: str) -> NoteSignature:
    if not line.startswith(_DASH) or not line.endswith("\n"):
        raise LedgerIntegrityError("malformed signature line in signed note")
    name, sep, blob = line[len(_DASH) : -1].partition(" ")
    if not sep or " " in blob:
        raise LedgerIntegrityError("malformed signature line in signed note")
    _check_key_name(name)
    decoded = strict_b64decode(blob, "signature in signed note")
    if len(decoded) < 5:
        raise LedgerIntegrityError("signature in signed note is too short")
    return NoteSignature(name, decoded[:4], decoded[4:])


def verify_note(data: bytes | str, key: VerifierKey) -> Note:
    """Parse a note and require a valid Ed25519 signature by ``key``; others are ignored.

    Raises:
        LedgerIntegrityError: malformed, or no valid signature by the key.
    """
    note = parse_note(data)
    for signature in note.signatures_by(key):
        if len(signature.payload) == 64 and key.verify(signature.payload, note.text.encode()):
            return note
    raise LedgerIntegrityError(f"signed note carries no valid signature by {key.name}")
