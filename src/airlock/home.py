"""The airlock home folder: config, ledger signing key, policy files, database.

`airlock init` calls :func:`initialise_home`; it is idempotent and never overwrites a key
or a file that an operator may have edited.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from airlock.approvals.policy import PolicyBundle
from airlock.errors import ConfigError
from airlock.settings import CONFIG_FILE_NAME, Settings

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from airlock.ledger.signed_note import LedgerKey

POLICY_FILE_NAME = "airlock.cedar"
SAMPLING_KEY_FILE_NAME = "sampling.key"  # the enclave's secret for keyed sampling (issue 15)
SCHEMA_FILE_NAME = "airlock.cedarschema"
_PRIVATE_MODE = 0o600
_HOME_MODE = 0o700


@dataclass(frozen=True, slots=True)
class InitReport:
    """What `airlock init` created and what it found already present."""

    home: Path
    created: tuple[str, ...]
    kept: tuple[str, ...]


def initialise_home(
    home: Path, enclave_name: str, database_url: str | None, signing_key: str = ""
) -> InitReport:
    """Create whatever part of the home is missing.

    Raises:
        ConfigError: the home cannot be created or written.
    """
    created: list[str] = []
    kept: list[str] = []
    try:
        if not home.exists():
            home.mkdir(mode=_HOME_MODE, parents=True)
            created.append(str(home))
        elif not home.is_dir():
            raise ConfigError(f"{home} exists and is not a folder: pick another AIRLOCK_HOME")
        settings = Settings.for_home(home, database_url)
        _write_once(
            home / CONFIG_FILE_NAME,
            _config_text(enclave_name, database_url, signing_key),
            0o644,
            created,
            kept,
        )
        if not signing_key:  # a key in a PKCS#11 token is made there, never in the home
            _write_once(
                settings.signing_key_path, _new_signing_key_pem(), _PRIVATE_MODE, created, kept
            )
        _write_once(home / SAMPLING_KEY_FILE_NAME, os.urandom(32), _PRIVATE_MODE, created, kept)
        settings.policy_dir.mkdir(mode=_HOME_MODE, exist_ok=True)
        for name in (POLICY_FILE_NAME, SCHEMA_FILE_NAME):
            text = resources.files("airlock.defaults").joinpath(name).read_text("utf-8")
            _write_once(settings.policy_dir / name, text.encode("utf-8"), 0o644, created, kept)
    except OSError as e:
        raise ConfigError(f"cannot set up airlock home {home}: {e.strerror or e}") from e
    return InitReport(home=home, created=tuple(created), kept=tuple(kept))


def load_policy(settings: Settings) -> PolicyBundle:
    """Read and validate the home's Cedar policy.

    Raises:
        ConfigError: a policy file is missing or unreadable.
        InvalidInput: the policy does not validate against its schema.
    """
    try:
        policies = (settings.policy_dir / POLICY_FILE_NAME).read_text("utf-8")
        schema = (settings.policy_dir / SCHEMA_FILE_NAME).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(
            f"cannot read the policy in {settings.policy_dir} ({e}): run `airlock init` to "
            "restore the default files"
        ) from e
    return PolicyBundle.load(policies, schema)


def load_signing_key(settings: Settings) -> LedgerKey:
    """The ledger key: the file in the home, or the PKCS#11 token of ``[ledger] signing_key``.

    Raises: ConfigError if the key is missing, unreadable, too open, or not Ed25519.
    """
    if settings.ledger.signing_key:
        from airlock.key_custody import open_pkcs11_key

        return open_pkcs11_key(settings.ledger.signing_key)
    return parse_signing_key(settings.signing_key_path, read_signing_key(settings))


def load_sampling_key(home: Path) -> bytes:
    """The enclave's secret that the inspection engine derives its sampling offsets from.

    Made on first use in a home initialised before it existed, written aside and linked into
    place (two workers starting at once end up with the same, complete key), so every worker
    of one enclave samples alike.

    Raises:
        ConfigError: the key cannot be read or made, is readable by others, or is not the
            32 bytes airlock writes.
    """
    path = home / SAMPLING_KEY_FILE_NAME
    try:
        if not path.exists():
            aside = path.with_name(f".{path.name}.{os.getpid()}")
            _write_once(aside, os.urandom(32), _PRIVATE_MODE, [], [])
            try:
                os.link(aside, path)
            except FileExistsError:
                pass  # another worker made it first: use theirs
            finally:
                aside.unlink()
    except OSError as e:
        raise ConfigError(f"cannot create sampling key {path}: {e.strerror}") from e
    data = _read_private(path, "sampling key")
    if len(data) != 32:
        raise ConfigError(f"{path} is not a 32-byte key: remove it and a new one is made")
    return data


def read_signing_key(settings: Settings) -> bytes:
    """The key file's bytes, refused if it is unreadable or readable by others.

    Split from :func:`parse_signing_key` so that opening the facade checks the file without
    importing cryptography, which only commands that sign need (issue 13).

    Raises:
        ConfigError: the key is missing, unreadable, or too open.
    """
    return _read_private(settings.signing_key_path, "ledger signing key")


def _read_private(path: Path, what: str) -> bytes:
    """A secret file's bytes, refused if it is unreadable or readable by others."""
    try:
        mode = path.stat().st_mode & 0o777
        data = path.read_bytes()
    except OSError as e:
        raise ConfigError(f"cannot read {what} {path}: {e.strerror}") from e
    if mode & 0o077:
        raise ConfigError(f"{path} is readable by others (mode {mode:o}): chmod 600 it")
    return data


def parse_signing_key(path: Path, data: bytes) -> Ed25519PrivateKey:
    """Raises: ConfigError if ``data`` (read from ``path``) is not an Ed25519 PEM key."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        key = serialization.load_pem_private_key(data, password=None)
    except ValueError as e:
        raise ConfigError(f"{path} is not a PEM private key: restore it from backup") from e
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError(f"{path} is not an Ed25519 key: the ledger signs with Ed25519")
    return key


def _write_once(path: Path, data: bytes, mode: int, created: list[str], kept: list[str]) -> None:
    # O_EXCL: two concurrent `airlock init` runs can never both write, so a key is never
    # replaced under a running gateway.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        kept.append(str(path))
        return
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    created.append(str(path))


def _new_signing_key_pem() -> bytes:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.generate().private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )


def _config_text(enclave_name: str, database_url: str | None, signing_key: str = "") -> bytes:
    database_line = (
        f"database_url = {_toml_string(database_url)}"
        if database_url
        else '# database_url = "postgresql://airlock:PASSWORD@127.0.0.1/airlock"  '
        "# default: SQLite in this folder"
    )
    return (
        "# airlock configuration; AIRLOCK_DATABASE_URL overrides database_url.\n"
        f"enclave_name = {_toml_string(enclave_name)}\n"
        f"{database_line}\n\n"
        "[server]\n"
        'host = "127.0.0.1"\n'
        "port = 8750\n\n"
        "[ledger]\n"
        "checkpoint_interval_seconds = 60\n"
        + (f"signing_key = {_toml_string(signing_key)}\n" if signing_key else "")
    ).encode()


def _toml_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    if any(ord(c) < 0x20 for c in escaped):
        raise ConfigError("config values cannot contain control characters")
    return f'"{escaped}"'
