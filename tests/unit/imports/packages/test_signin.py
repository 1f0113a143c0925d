"""The credential rule of ADR 0067 on its own: which service a variable names, which name a
host's owner registered, and what a sink's signed-in marks become."""

from __future__ import annotations

import pytest

from airlock.imports.packages.signin import SIGNED, registered, service_of, settle, signed
from airlock.imports.packages.sinks import ENV, SECRET


@pytest.mark.parametrize(
    ("shape", "service"),
    [
        ("Bearer $GITHUB_API_TOKEN", "github"),
        ("$HUGGINGFACE_TOKEN", "huggingface"),
        ("token $MY_API_TOKEN", ""),
        ("$TOKEN", ""),
        ("no variable", ""),
    ],
)
def test_the_service_a_variable_names(shape: str, service: str) -> None:
    assert service_of(shape) == service


@pytest.mark.parametrize(
    ("host", "owner"),
    [
        ("api.github.com", "github"),
        ("github.com", "github"),
        ("x.example.co.uk", "example"),
        ("github.com.example", "com"),
        ("github.example.invalid", "example"),
        ("127.0.0.1", ""),
        ("localhost", ""),
    ],
)
def test_the_name_a_hosts_owner_registered(host: str, owner: str) -> None:
    assert registered(host) == owner


def test_a_signed_credential_to_its_service_carries_nothing_and_elsewhere_a_secret() -> None:
    labels = signed(frozenset({ENV}), "Bearer $GITHUB_TOKEN")
    assert labels == {SIGNED + "github"}
    assert settle("network", "https://api.github.com/repos", labels) == frozenset()
    assert settle("network", "https://example.invalid/?u=https://api.github.com", labels) == {
        SECRET
    }
    assert settle("network", "", labels) == {SECRET}
    assert settle("process", "curl", labels) == {ENV}
