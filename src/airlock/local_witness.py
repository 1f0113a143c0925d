"""The gateway's default witness: a witness home beside the database, not in it (issue 22).

`airlock init` creates one in ``<home>/witness`` (the same layout as `airlock witness init`).
Whenever the gateway signs a checkpoint, this witness checks it consistently extends the
last one it cosigned (the rule in :mod:`airlock.ledger.witness`), cosigns it, and keeps it
in ``last-checkpoint.note``, written atomically. That file is the retained checkpoint:
a database whose log is shorter than it, or whose tree at its size has another root, was
rolled back or rewritten; the gateway refuses to start on it and `ledger verify` says so.

It guards against whoever can write the database but not the home. Whoever holds the home
can rewrite this file too: a remote witness (`airlock witness cosign`) is the answer to that.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from airlock.errors import ConfigError, LedgerIntegrityError
from airlock.ledger.checkpoints import Checkpoint, open_checkpoint
from airlock.ledger.signed_note import COSIGNATURE_V1, MAX_NOTE_BYTES, NoteSigner, VerifierKey
from airlock.ledger.witness import WitnessState, witness_checkpoint

WITNESS_DIR = "witness"
KEY_FILE = "witness.key"
NAME_FILE = "witness.name"
LAST_FILE = "last-checkpoint.note"
_LOCK_FILE = ".lock"

ConsistencyProof = Callable[[int, int], Sequence[bytes]]


def create_witness(state_dir: Path, name: str) -> NoteSigner:
    """Make a witness key and name in ``state_dir``; keeps an existing one.

    Raises: ConfigError when the folder cannot be written.
    """
    if (state_dir / KEY_FILE).exists():
        return load_witness(state_dir)
    key = Ed25519PrivateKey.generate()
    signer = NoteSigner(name, key, COSIGNATURE_V1)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    try:
        state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(state_dir / KEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
        (state_dir / NAME_FILE).write_text(name + "\n", encoding="utf-8")
    except OSError as e:
        raise ConfigError(f"cannot create witness state in {state_dir}: {e.strerror}") from e
    return signer


def load_witness(state_dir: Path) -> NoteSigner:
    """Raises: ConfigError when ``state_dir`` holds no usable witness."""
    try:
        name = (state_dir / NAME_FILE).read_text(encoding="utf-8").strip()
        key = serialization.load_pem_private_key((state_dir / KEY_FILE).read_bytes(), None)
    except (OSError, ValueError) as e:
        raise ConfigError(
            f"no usable witness state in {state_dir}: run `airlock witness init`"
        ) from e
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError(f"{state_dir / KEY_FILE} is not an Ed25519 key")
    return NoteSigner(name, key, COSIGNATURE_V1)


class LocalWitness:
    """Cosigns the gateway's checkpoints in-process and keeps the latest outside the database."""

    def __init__(self, state_dir: Path, log_key: VerifierKey) -> None:
        self._dir = state_dir
        self._log_key = log_key
        self._signer = load_witness(state_dir)

    @classmethod
    def in_home(cls, home: Path, log_key: VerifierKey) -> LocalWitness | None:
        """The home's witness, or None when `airlock init` made none (an older home)."""
        state_dir = home / WITNESS_DIR
        return cls(state_dir, log_key) if (state_dir / KEY_FILE).exists() else None

    @property
    def verifier(self) -> VerifierKey:
        return self._signer.verifier

    def retained(self) -> Checkpoint | None:
        """The last checkpoint this witness cosigned, signature-checked.

        Raises: LedgerIntegrityError when the file is not a checkpoint signed by the log.
        """
        path = self._dir / LAST_FILE
        try:
            if path.stat().st_size > MAX_NOTE_BYTES:
                raise LedgerIntegrityError(f"{path} is larger than any checkpoint")
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as e:
            raise LedgerIntegrityError(f"cannot read the retained checkpoint {path}: {e}") from e
        return open_checkpoint(text, self._log_key).checkpoint

    def cosign(self, note: str, log_size: int, proof: ConsistencyProof) -> str | None:
        """Cosign ``note`` if it extends the retained checkpoint; return the note with the
        cosignature, or None when a newer one was retained meanwhile (another process).

        Raises:
            LedgerIntegrityError: the note is smaller than the retained checkpoint while the
                log is too (a rollback), or it forks from it.
        """
        with self._locked():
            last = self.retained()
            new = open_checkpoint(note, self._log_key).checkpoint
            if last is not None and new.size < last.size and log_size >= last.size:
                return None  # another gateway process signed a newer checkpoint first
            old = last.size if last is not None else 0
            cosigned = witness_checkpoint(
                WitnessState(last),
                note,
                proof(old, new.size) if 0 < old < new.size else [],
                log_key=self._log_key,
                witness=self._signer,
                timestamp=int(time.time()),
            )
            temporary = self._dir / f"{LAST_FILE}.{os.getpid()}.tmp"
            with temporary.open("w", encoding="utf-8") as handle:
                handle.write(note)
                handle.flush()
                os.fsync(handle.fileno())
            temporary.replace(self._dir / LAST_FILE)  # atomic: never half a checkpoint
            return cosigned.note_with_cosignature

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with (self._dir / _LOCK_FILE).open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
