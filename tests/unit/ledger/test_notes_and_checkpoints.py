"""Signed notes, checkpoints, cosignatures and the witness rule."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from airlock.errors import LedgerIntegrityError
from airlock.ledger.checkpoints import (
    Checkpoint,
    cosign,
    open_checkpoint,
    sign_checkpoint,
    verify_cosignature,
)
from airlock.ledger.hashes import hash_leaf
from airlock.ledger.proofs import consistency_plan, materialise, root_at
from airlock.ledger.signed_note import (
    COSIGNATURE_V1,
    NoteSigner,
    VerifierKey,
    parse_note,
    sign_note,
    verify_note,
)
from airlock.ledger.witness import WitnessState, witness_checkpoint
from airlock.store.memory_ledger import MemoryLedgerStore
from tests.unit.ledger.test_proof_generation import T0, fake_seal

LOG = NoteSigner("enclave.example/log", Ed25519PrivateKey.generate())
WITNESS = NoteSigner("witness.example", Ed25519PrivateKey.generate(), COSIGNATURE_V1)


def test_verifier_key_round_trip_and_id() -> None:
    encoded = LOG.verifier.encode()
    name, key_id, blob = encoded.split("+", 2)
    assert name == "enclave.example/log" and len(key_id) == 8
    assert base64.b64decode(blob)[0] == 0x01
    assert VerifierKey.parse(encoded) == LOG.verifier
    tampered = encoded.replace(key_id, "00000000")
    with pytest.raises(LedgerIntegrityError, match="ID does not match"):
        VerifierKey.parse(tampered)


def test_note_signature_verifies_and_foreign_signatures_are_ignored() -> None:
    other = NoteSigner("someone.else", Ed25519PrivateKey.generate())
    signed = sign_note("hello\nworld\n", LOG)
    extra = signed + other.signature_line(other.private_key.sign(b"hello\nworld\n"))
    assert verify_note(extra, LOG.verifier).text == "hello\nworld\n"
    with pytest.raises(LedgerIntegrityError, match="no valid signature"):
        verify_note(sign_note("hello\nworld\n", other), LOG.verifier)


@pytest.mark.parametrize("text", ["", "no newline", "blank\n\nline\n", "\n", "bell\x07\n"])
def test_malformed_note_text_is_refused(text: str) -> None:
    with pytest.raises(LedgerIntegrityError):
        sign_note(text, LOG)


@pytest.mark.parametrize(
    "note",
    [
        b"",
        b"text\n",
        b"text\n\n",
        b"text\n\nnot a signature\n",
        b"\xff\xfe\n\n",
        b"x\n\n\xe2\x80\x94 name !!!\n",
        b"a" * 70000,
    ],
)
def test_malformed_notes_are_refused(note: bytes) -> None:
    with pytest.raises(LedgerIntegrityError):
        parse_note(note)


def checkpoint(size: int = 5, root: bytes | None = None) -> Checkpoint:
    return Checkpoint(LOG.name, size, root or hash_leaf(b"root"))


def test_checkpoint_body_format() -> None:
    body = checkpoint(5).body()
    lines = body.split("\n")
    assert lines[0] == LOG.name and lines[1] == "5" and body.endswith("\n")
    assert Checkpoint.parse_body(body) == checkpoint(5)
    with pytest.raises(LedgerIntegrityError):
        Checkpoint.parse_body(f"{LOG.name}\n05\n{lines[2]}\n")


def test_checkpoint_origin_must_be_the_key_name() -> None:
    impostor = Checkpoint("other/log", 1, hash_leaf(b"x"))
    with pytest.raises(LedgerIntegrityError, match="origin"):
        open_checkpoint(sign_checkpoint(impostor, LOG), LOG.verifier)


@settings(max_examples=200, deadline=None)
@given(bit=st.integers(min_value=0))
def test_any_single_bit_flip_in_a_signed_checkpoint_is_rejected(bit: int) -> None:
    signed = sign_checkpoint(checkpoint(), LOG).encode()
    position = bit % (len(signed) * 8)
    mutated = bytearray(signed)
    mutated[position // 8] ^= 1 << (position % 8)
    with pytest.raises(LedgerIntegrityError):
        open_checkpoint(bytes(mutated), LOG.verifier)


def test_cosignature_round_trip() -> None:
    signed = sign_checkpoint(checkpoint(), LOG)
    line = cosign(checkpoint().body(), WITNESS, 1_700_000_000)
    note = parse_note(signed + line)
    assert verify_cosignature(note, WITNESS.verifier) == 1_700_000_000
    forged = line.replace(line.split()[-1], base64.b64encode(b"\x00" * 76).decode())
    with pytest.raises(LedgerIntegrityError):
        verify_cosignature(parse_note(signed + forged), WITNESS.verifier)


def grown_log(size: int) -> MemoryLedgerStore:
    store = MemoryLedgerStore()
    store.append([f"e{i}".encode() for i in range(size)], T0, fake_seal)
    return store


def signed_head(store: MemoryLedgerStore, size: int) -> str:
    return sign_checkpoint(Checkpoint(LOG.name, size, root_at(size, store)), LOG)


def test_witness_cosigns_consistent_growth_and_refuses_forks_and_rollbacks() -> None:
    log = grown_log(9)
    first = witness_checkpoint(
        WitnessState(None),
        signed_head(log, 4),
        [],
        log_key=LOG.verifier,
        witness=WITNESS,
        timestamp=1,
    )
    assert verify_cosignature(parse_note(first.note_with_cosignature), WITNESS.verifier) == 1
    proof = materialise(consistency_plan(4, 9), log)
    second = witness_checkpoint(
        first.state,
        signed_head(log, 9),
        proof,
        log_key=LOG.verifier,
        witness=WITNESS,
        timestamp=2,
    )
    assert second.state.last is not None and second.state.last.size == 9

    with pytest.raises(LedgerIntegrityError, match="rollback"):
        witness_checkpoint(
            second.state,
            signed_head(log, 4),
            [],
            log_key=LOG.verifier,
            witness=WITNESS,
            timestamp=3,
        )
    forked_head = sign_checkpoint(Checkpoint(LOG.name, 9, root_at(9, grown_other())), LOG)
    with pytest.raises(LedgerIntegrityError, match="fork"):
        witness_checkpoint(
            second.state, forked_head, [], log_key=LOG.verifier, witness=WITNESS, timestamp=3
        )
    other = grown_other()
    bad_proof = materialise(consistency_plan(9, 10), other)
    with pytest.raises(LedgerIntegrityError, match="fork"):
        witness_checkpoint(
            second.state,
            signed_head(other, 10),
            bad_proof,
            log_key=LOG.verifier,
            witness=WITNESS,
            timestamp=3,
        )


def grown_other() -> MemoryLedgerStore:
    store = MemoryLedgerStore()
    store.append([f"other{i}".encode() for i in range(10)], T0, fake_seal)
    return store


def test_every_bit_of_a_signed_checkpoint_matters() -> None:
    # Exhaustive companion to the property test: no single-bit flip anywhere is accepted,
    # including the unused low bits of a base64 character.
    signed = sign_checkpoint(checkpoint(), LOG).encode()
    accepted = []
    for position in range(len(signed) * 8):
        mutated = bytearray(signed)
        mutated[position // 8] ^= 1 << (position % 8)
        try:
            open_checkpoint(bytes(mutated), LOG.verifier)
        except LedgerIntegrityError:
            continue
        accepted.append(position)
    assert accepted == []
