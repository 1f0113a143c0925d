"""The facade reads the signing key file when it opens and parses it (cryptography) when the
ledger is first used (issue 13): a command that signs nothing works without it, one that
signs fails with the key's error, and a gateway still refuses to start on a bad key."""

from __future__ import annotations

import pytest

from airlock.api.app import create_app
from airlock.errors import ConfigError
from airlock.service import Actor, Airlock
from airlock.settings import Settings
from tests.support.gateway import CliRunner


def test_a_bad_key_fails_signing_commands_and_the_gateway_start(
    initialised_cli: CliRunner,
) -> None:
    settings = Settings.load(initialised_cli.env, initialised_cli.home)
    settings.signing_key_path.write_bytes(b"not a key\n")  # keeps its 0600 mode

    assert initialised_cli("status").code == 0  # reads counts, signs nothing
    added = initialised_cli("principal", "add", "ann", "--role", "admin")
    assert added.code != 0
    assert "is not a PEM private key" in added.err

    airlock = Airlock.from_settings(settings)
    try:
        with pytest.raises(ConfigError, match="not a PEM private key"):
            airlock.add_principal(Actor.local_operator(), "bob", Actor.local_operator().role)
        with pytest.raises(ConfigError, match="not a PEM private key"):
            create_app(airlock)
    finally:
        airlock.close()


def test_an_open_key_file_still_fails_when_the_facade_opens(initialised_cli: CliRunner) -> None:
    settings = Settings.load(initialised_cli.env, initialised_cli.home)
    settings.signing_key_path.chmod(0o644)
    with pytest.raises(ConfigError, match="readable by others"):
        Airlock.from_settings(settings)
    assert "readable by others" in initialised_cli("status").err
