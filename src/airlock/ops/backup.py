"""`airlock backup DIR` and `airlock restore DIR`.

Backup order matters: the database is copied first (one consistent snapshot), then the
outbox. An artifact is stored in the outbox before its decision is recorded and is never
removed, so every request in the copied database finds its bytes in the copied outbox.
The manifest is written last: a folder without one is an unfinished backup.

Restore refuses, and writes nothing, unless: the manifest's signature verifies with the
ledger key, every file matches its digest, the restored ledger replays cleanly (seals,
hashes, checkpoints), and the ledger still contains the newest checkpoint a witness
cosigned (:func:`airlock.ops.backup_manifest.witnessed_loss`).
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from airlock.audit import seal_key
from airlock.audit_verify import verify_log
from airlock.errors import ConfigError, LedgerIntegrityError
from airlock.ledger.checkpoints import Checkpoint, open_checkpoint, verify_cosignature
from airlock.ledger.proofs import root_at
from airlock.ledger.signed_note import LedgerKey, NoteSigner, VerifierKey
from airlock.ops import db_snapshot
from airlock.ops.backup_manifest import (
    MANIFEST_NAME,
    MAX_MANIFEST_BYTES,
    SIGNATURE_NAME,
    FileDigest,
    Manifest,
    file_problems,
    witnessed_loss,
)
from airlock.settings import CONFIG_FILE_NAME, POLICY_DIR_NAME, SIGNING_KEY_FILE_NAME, Settings
from airlock.store.sql import SqlStore

PUBLIC_KEY_NAME = "ledger.pub"
PRIVATE_KEY_NAME = "ledger-signing.key.enc"
MIN_PASSPHRASE_BYTES = 12
_PIECE = 1024 * 1024


@dataclass(frozen=True, slots=True)
class BackupReport:
    folder: Path
    manifest: Manifest

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.manifest.files)


@dataclass(frozen=True, slots=True)
class RestoreReport:
    home: Path
    ledger_size: int
    requests: int
    witnessed_size: int | None  # None: restored without a witnessed checkpoint
    backup_taken_at: datetime
    dry_run: bool


def take_backup(
    settings: Settings,
    signing_key: LedgerKey,
    folder: Path,
    now: datetime,
    passphrase: bytes | None = None,
) -> BackupReport:
    """Snapshot the store, outbox, config, policy and public key into an empty ``folder``.

    With ``passphrase`` the ledger's private key is included, encrypted with it.

    Raises:
        ConfigError: the folder is not empty or not writable; the passphrase is too short.
        StoreError: the database could not be copied.
    """
    if passphrase is not None and not isinstance(signing_key, Ed25519PrivateKey):
        raise ConfigError(
            "the ledger key is held in a PKCS#11 token and cannot be exported: back up the "
            "token with its vendor's tools, and run the backup without the private key"
        )
    if passphrase is not None and len(passphrase) < MIN_PASSPHRASE_BYTES:
        raise ConfigError(f"the backup passphrase needs at least {MIN_PASSPHRASE_BYTES} bytes")
    _empty_folder(folder)
    backend = db_snapshot.backend_of(settings.database_url)
    store = SqlStore.from_url(settings.database_url)
    try:
        ledger_size = store.ledger.size()  # a lower bound: the copy below is at least this
    finally:
        store.close()
    database_file = "database.sqlite" if backend == "sqlite" else "database.pgdump"
    db_snapshot.dump(settings.database_url, folder / database_file)
    _copy_tree(settings.home / "outbox", folder / "outbox", skip_prefix=".incoming-")
    _copy_tree(settings.policy_dir, folder / POLICY_DIR_NAME)
    shutil.copyfile(settings.config_path, folder / CONFIG_FILE_NAME)
    log_key = NoteSigner(settings.enclave_name, signing_key).verifier.encode()
    (folder / PUBLIC_KEY_NAME).write_text(log_key + "\n", encoding="utf-8")
    private_key_file = ""
    if passphrase is not None and isinstance(signing_key, Ed25519PrivateKey):
        encrypted = signing_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(passphrase),
        )
        _write_private(folder / PRIVATE_KEY_NAME, encrypted)
        private_key_file = PRIVATE_KEY_NAME
    manifest = Manifest(
        created_at=now,
        enclave=settings.enclave_name,
        backend=backend,
        log_key=log_key,
        ledger_size=ledger_size,
        database_file=database_file,
        private_key_file=private_key_file,
        files=tuple(_digests(folder)),
    )
    data = manifest.to_bytes()
    (folder / SIGNATURE_NAME).write_text(signing_key.sign(data).hex() + "\n", encoding="ascii")
    (folder / MANIFEST_NAME).write_bytes(data)
    return BackupReport(folder, manifest)


def restore_backup(
    folder: Path,
    home: Path,
    environ: Mapping[str, str],
    *,
    signing_key_pem: bytes | None,
    passphrase: bytes | None,
    witnessed_note: str | None,
    pinned_log_key: str | None = None,
    dry_run: bool = False,
) -> RestoreReport:
    """Rebuild ``home`` (which must not exist, or be empty) from the snapshot in ``folder``.

    ``witnessed_note`` is the newest cosigned checkpoint the operator holds from outside the
    enclave (a witness, the SIEM); None restores without that check, which the CLI makes an
    explicit choice.

    Raises:
        LedgerIntegrityError: the snapshot is tampered with, does not verify, or is older
            than (or forks from) the witnessed checkpoint.
        ConfigError: no usable signing key, or ``home`` is not empty.
        StoreError: the database could not be loaded.
    """
    manifest = _read_manifest(folder)
    key = _signing_key(folder, manifest, signing_key_pem, passphrase)
    log_key = NoteSigner(manifest.enclave, key).verifier
    if log_key.encode() != manifest.log_key or (
        pinned_log_key is not None and pinned_log_key.strip() != manifest.log_key
    ):
        raise LedgerIntegrityError(
            "the backup was made for another ledger key than the one given: not this enclave"
        )
    try:
        key.public_key().verify(bytes.fromhex(_read_small(folder / SIGNATURE_NAME)), _raw(folder))
    except (InvalidSignature, ValueError) as e:
        raise LedgerIntegrityError(
            "the backup manifest's signature does not verify: the backup was altered"
        ) from e
    problems = file_problems(manifest, _found(folder, manifest))
    if problems:
        raise LedgerIntegrityError(
            "the backup does not match its manifest, refusing it: " + "; ".join(problems[:5])
        )
    _empty_folder(home, create=False)
    staging = home.with_name(home.name + ".restoring")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(mode=0o700, parents=True)
    loaded_url: str | None = None
    try:
        for entry in manifest.files:
            if entry.path in {manifest.database_file, PRIVATE_KEY_NAME}:
                continue
            target = staging / entry.path
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            shutil.copyfile(folder / entry.path, target)
        _write_private(
            staging / SIGNING_KEY_FILE_NAME,
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
        )
        settings = Settings.load(environ, staging)
        url = _restore_url(settings, home)
        db_snapshot.ensure_empty(url)  # checked first: a refused target is never dropped
        loaded_url = url  # from here a failure undoes a partial load too
        db_snapshot.load(url, folder / manifest.database_file)
        size, requests, witnessed = _verify_restored(url, settings, log_key, key, witnessed_note)
        if dry_run:
            db_snapshot.drop_store(url)
            shutil.rmtree(staging)
        else:
            if home.exists():
                home.rmdir()  # empty, checked above
            staging.replace(home)
    except BaseException:
        if loaded_url is not None:
            db_snapshot.drop_store(loaded_url)
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return RestoreReport(home, size, requests, witnessed, manifest.created_at, dry_run)


def _verify_restored(
    url: str,
    settings: Settings,
    log_key: VerifierKey,
    key: Ed25519PrivateKey,
    witnessed_note: str | None,
) -> tuple[int, int, int | None]:
    store = SqlStore.from_url(url)
    try:
        store.migrate()  # a snapshot from an older airlock is brought up to this schema
        report = verify_log(store.ledger, log_key, seal_key(key))
        if not report.ok:
            first = report.first_problem
            raise LedgerIntegrityError(
                f"the snapshot's ledger does not verify: {first.message if first else '?'}"
            )
        witnessed_size = None
        if witnessed_note is not None:
            checkpoint = _witnessed_checkpoint(witnessed_note, log_key, settings)
            size = store.ledger.size()
            root = root_at(checkpoint.size, store.ledger) if checkpoint.size <= size else None
            loss = witnessed_loss(size, root, checkpoint)
            if loss is not None:
                raise LedgerIntegrityError(loss)
            witnessed_size = checkpoint.size
        requests = sum(store.counts().requests_by_status.values())
        return report.size, requests, witnessed_size
    finally:
        store.close()


def _witnessed_checkpoint(note: str, log_key: VerifierKey, settings: Settings) -> Checkpoint:
    opened = open_checkpoint(note, log_key)
    witnesses = [VerifierKey.parse(k) for k in settings.ledger.witness_keys]
    if not witnesses:
        raise ConfigError(
            "the backup's config names no [ledger] witness_keys, so the checkpoint's "
            "cosignatures cannot be checked: restore with --unwitnessed to skip the check"
        )
    for witness in witnesses:
        try:
            verify_cosignature(opened.note, witness)
        except LedgerIntegrityError:
            continue
        return opened.checkpoint
    raise LedgerIntegrityError("the checkpoint carries no valid cosignature by a known witness")


def _restore_url(settings: Settings, final_home: Path) -> str:
    """Where to load the database: a file meant to live in the home goes into the staging
    copy of the home (``settings.home``), which becomes the home once everything verifies."""
    if db_snapshot.backend_of(settings.database_url) != "sqlite":
        return settings.database_url
    path = db_snapshot.sqlite_path(settings.database_url)
    if path.is_relative_to(final_home.resolve()):
        return f"sqlite:///{settings.home.resolve() / path.relative_to(final_home.resolve())}"
    return settings.database_url


def _signing_key(
    folder: Path, manifest: Manifest, pem: bytes | None, passphrase: bytes | None
) -> Ed25519PrivateKey:
    if pem is None:
        if not manifest.private_key_file or passphrase is None:
            raise ConfigError(
                "a restore needs the ledger signing key: pass --signing-key FILE, or set "
                "AIRLOCK_BACKUP_PASSPHRASE for a backup made with --include-private-key"
            )
        pem = (folder / manifest.private_key_file).read_bytes()
    try:
        key = serialization.load_pem_private_key(
            pem, password=passphrase if b"ENCRYPTED" in pem else None
        )
    except (ValueError, TypeError) as e:
        raise ConfigError(f"cannot open the ledger signing key ({e}): wrong passphrase?") from e
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError("the signing key is not Ed25519: it is not an airlock ledger key")
    return key


def _read_manifest(folder: Path) -> Manifest:
    if not (folder / MANIFEST_NAME).is_file():
        raise LedgerIntegrityError(
            f"{folder} holds no {MANIFEST_NAME}: not a backup, or an unfinished one"
        )
    return Manifest.parse(_raw(folder))


def _raw(folder: Path) -> bytes:
    path = folder / MANIFEST_NAME
    if path.stat().st_size > MAX_MANIFEST_BYTES:
        raise LedgerIntegrityError(f"{path} is larger than any manifest")
    return path.read_bytes()


def _read_small(path: Path) -> str:
    try:
        return path.read_bytes()[:1024].decode("ascii").strip()
    except (OSError, UnicodeDecodeError) as e:
        raise LedgerIntegrityError(f"cannot read {path}: the backup is incomplete") from e


def _found(folder: Path, manifest: Manifest) -> dict[str, tuple[int, str] | None]:
    found: dict[str, tuple[int, str] | None] = {}
    for entry in manifest.files:
        path = folder / entry.path
        found[entry.path] = _digest(path) if path.is_file() and not path.is_symlink() else None
    for entry in manifest.files:
        if entry.path.startswith("outbox/") and entry.sha256 != entry.path.removeprefix("outbox/"):
            found[entry.path] = None  # an artifact must be named by its own digest
    return found


def _digests(folder: Path) -> list[FileDigest]:
    entries: list[FileDigest] = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        size, sha = _digest(path)
        entries.append(FileDigest(path.relative_to(folder).as_posix(), size, sha))
    return entries


def _digest(path: Path) -> tuple[int, str]:
    check = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while piece := handle.read(_PIECE):
            check.update(piece)
            size += len(piece)
    return size, check.hexdigest()


def _copy_tree(source: Path, target: Path, skip_prefix: str | None = None) -> None:
    target.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not source.is_dir():
        return
    for path in sorted(source.iterdir()):
        if path.is_file() and not (skip_prefix and path.name.startswith(skip_prefix)):
            shutil.copyfile(path, target / path.name)


def _empty_folder(folder: Path, *, create: bool = True) -> None:
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ConfigError(f"{folder} is not an empty folder: pick a new one")
    if create:
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as e:
            raise ConfigError(f"cannot create {folder}: {e.strerror}") from e


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
