"""pkcs11: URIs of the ledger key (RFC 7512) and the PIN file rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from airlock.errors import ConfigError
from airlock.key_custody import parse_pkcs11_uri, read_pin
from airlock.settings import LedgerSettings

URI = (
    "pkcs11:token=hsm;object=ledger?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/p"
)


def test_a_uri_names_module_token_key_and_pin_source() -> None:
    ref = parse_pkcs11_uri(URI)
    assert (ref.module_path, ref.token_label, ref.object_label, ref.pin_source) == (
        "/usr/lib/softhsm/libsofthsm2.so",
        "hsm",
        "ledger",
        "file:/p",
    )
    assert ref.redacted() == "pkcs11:token=hsm;object=ledger"
    assert parse_pkcs11_uri(
        "pkcs11:token=a%20b;object=k?module-path=/m&pin-value=1"
    ).token_label == ("a b")


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("file:/key.pem", "not a pkcs11"),
        ("pkcs11:token=hsm?module-path=/m&pin-value=1", "object="),
        ("pkcs11:token=hsm;object=k?pin-value=1", "module-path"),
        ("pkcs11:token=hsm;object=k?module-path=/m", "pin-source"),
        ("pkcs11:token=hsm;object=k;type=public?module-path=/m&pin-value=1", "private"),
        ("pkcs11:token=hsm;object=k;serial=1?module-path=/m&pin-value=1", "unsupported"),
    ],
)
def test_incomplete_or_foreign_uris_are_refused(uri: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_pkcs11_uri(uri)


def test_a_pin_file_open_to_others_is_refused(tmp_path: Path) -> None:
    pin = tmp_path / "pin"
    pin.write_text("1234\n")
    pin.chmod(0o640)
    ref = parse_pkcs11_uri(f"pkcs11:token=t;object=k?module-path=/m&pin-source=file:{pin}")
    with pytest.raises(ConfigError, match="chmod 600"):
        read_pin(ref)
    pin.chmod(0o600)
    assert read_pin(ref) == "1234"


def test_settings_take_only_a_pkcs11_uri_as_the_signing_key() -> None:
    assert LedgerSettings(signing_key=URI).signing_key == URI
    with pytest.raises(ConfigError, match="pkcs11"):
        LedgerSettings(signing_key="/etc/airlock/key.pem")
