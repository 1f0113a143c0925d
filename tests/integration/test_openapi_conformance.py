"""The API answers what /openapi.json says it answers (issues 18 and 22).

Schemathesis generates requests for every operation from the document the gateway serves,
valid and invalid (positive and negative generation), with an admin token and with none,
sends them to a real gateway on 127.0.0.1 and checks each answer: no 5xx, a documented
status, the documented media type and a body that matches the documented schema.

Examples per operation are bounded and derandomised (a fixed seed), so the run is the
same every time and takes well under a minute.
"""

from __future__ import annotations

import io
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import APIOperation, GenerationMode
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from airlock.cli.main import run
from airlock.domain.principals import Role
from airlock.service import Actor, Airlock
from airlock.settings import Settings
from tests.support.gateway import Gateway, start_gateway

# Per operation: valid requests, and fewer invalid ones (they mostly meet the same 400).
EXAMPLES = int(os.environ.get("AIRLOCK_CONFORMANCE_EXAMPLES", "25"))
CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
MODES = {GenerationMode.POSITIVE: EXAMPLES, GenerationMode.NEGATIVE: max(1, EXAMPLES * 3 // 5)}
# Random path parameters almost never name anything, so the answers to them are 404s: a
# third pass puts the names of objects seeded beforehand into the path, to check real bodies.
SEEDED_EXAMPLES = max(1, EXAMPLES // 3)
CSV = b"x,y\n" + b"1,2\n" * 249


@dataclass
class Tally:
    operations: int = 0
    examples: int = 0
    failures: list[str] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    me: Counter[int] = field(default_factory=Counter)  # GET /principals/me, to see the token work
    seeded: Counter[tuple[str, int]] = field(default_factory=Counter)  # (operation, status)
    labels: set[str] = field(default_factory=set)  # every operation run, "METHOD /path"


@dataclass
class Live:
    gateway: Gateway
    seeded: dict[str, str]  # path parameter -> the name of an object that exists


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    home: Path = tmp_path_factory.mktemp("conformance") / "home"
    env = {"AIRLOCK_HOME": str(home)}
    assert run(["init"], env) == 0
    airlock = Airlock.from_settings(Settings.load(env, home))
    try:
        for gateway in start_gateway(airlock):
            operator = Actor.local_operator()
            airlock.add_project(operator, "vision")
            rita = airlock.add_principal(operator, "rita", Role.RESEARCHER).principal
            airlock.add_member(operator, "vision", "rita")
            released = airlock.submit_export(rita, io.BytesIO(CSV), "a.csv", "metrics")
            assert released.request.status.value == "released"
            yield Live(
                gateway, {"project": "vision", "request_id": released.request.id, "index": "0"}
            )
    finally:
        airlock.close()


def conform(live: Live, token: str | None) -> Tally:
    url = live.gateway.url
    schema = schemathesis.openapi.from_url(f"{url}/openapi.json")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    tally = Tally()
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            tally.failures.append(f"the document has an invalid operation: {result.err()}")
            continue
        operation = result.ok()
        tally.operations += 1
        tally.labels.add(operation.label)
        for mode, examples in MODES.items():
            conform_operation(url, headers, operation, mode, examples, tally)
        names = {p.name for p in operation.path_parameters}
        if names and names <= set(live.seeded):
            seeded = {name: live.seeded[name] for name in names}
            conform_operation(
                url, headers, operation, GenerationMode.POSITIVE, SEEDED_EXAMPLES, tally, seeded
            )
    return tally


def conform_operation(
    url: str,
    headers: dict[str, str],
    operation: APIOperation[Any, Any, Any, Any],
    mode: GenerationMode,
    examples: int,
    tally: Tally,
    seeded: dict[str, str] | None = None,
) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: bounded time
        suppress_health_check=list(HealthCheck),
    )
    def check(case: schemathesis.Case[Any]) -> None:
        tally.examples += 1
        if seeded:
            case.path_parameters = {**case.path_parameters, **seeded}
        response = case.call(base_url=url, headers=headers, timeout=30)
        tally.statuses[response.status_code] += 1
        if seeded:
            tally.seeded[operation.label, response.status_code] += 1
        if operation.label == "GET /principals/me":
            tally.me[response.status_code] += 1
        case.validate_response(response, checks=CHECKS, headers=headers)

    try:
        check()
    except Unsatisfiable:
        # Nothing to make invalid (no parameters, or any string is a valid one).
        assert mode is GenerationMode.NEGATIVE
    # Every failing operation goes in the report, not only the first.
    except (Exception, BaseExceptionGroup) as e:  # noqa: BLE001
        label = "seeded" if seeded else mode.value
        tally.failures.append(f"{operation.label} [{label}]: {e}")


@pytest.mark.slow
@pytest.mark.parametrize("authenticated", [True, False], ids=["admin-token", "no-token"])
def test_every_operation_answers_as_documented(live: Live, authenticated: bool) -> None:
    tally = conform(live, live.gateway.admin_token if authenticated else None)
    print(  # the counts the issue asks for, in the -s / -rA output
        f"schemathesis: {tally.operations} operations, {tally.examples} examples, "
        f"{len(tally.failures)} failing; statuses {sorted(tally.statuses.items())}; "
        f"seeded {sorted(tally.seeded.items())}"
    )
    assert tally.operations >= 25
    # The operator's API of issue 18 is in the document, and so was generated for too.
    assert {
        "GET /budgets",
        "POST /budgets",
        "POST /locks",
        "POST /scans",
        "GET /datasets",
        "POST /datasets",
        "GET /datasets/{dataset_id}",
        "POST /datasets/{dataset_id}/scan",
        "POST /datasets/{dataset_id}/release",
        "POST /lineage",
        "POST /lineage/blast-radius",
        "GET /protected-models",
        "GET /protected-models/{name}",
        "POST /protected-models",
    } <= tally.labels, sorted(tally.labels)
    # With the token the run reached the routes behind it; without, it was kept out.
    assert (200 in tally.me) is authenticated
    # The seeded pass reached real objects: their bodies were checked, not only 404s.
    assert (tally.seeded["GET /requests/{request_id}", 200] > 0) is authenticated, tally.seeded
    # Someone else's release: the admin is refused with the documented 403 (issue 14).
    release = "GET /releases/{request_id}"
    assert tally.seeded[release, 403 if authenticated else 401] > 0, tally.seeded
    assert tally.seeded["GET /projects/{project}/members", 200 if authenticated else 401] > 0
    assert not tally.failures, "\n\n".join(tally.failures)
