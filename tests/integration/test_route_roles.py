"""Every route x every role over real HTTP (issue 14): the permission table, exhaustively.

The routes come from the app itself (``app.routes``), so a new route without an entry in
``airlock.api.route_permissions.ROUTES`` fails here (and stops ``create_app``). For each
route and each role (and nobody signed in) the test sends one request against objects that
belong to someone else (olga's request, release, tokens, ledger entry) and checks the answer:

* the role does not reach the action, or reaches only its own objects and the route names
  someone else's: refused, 403 ``PermissionDenied`` (an HTML refusal on UI pages), naming
  the action;
* otherwise: not refused (any other status: the request may still be invalid or not found);
* nobody signed in on a guarded route: 401 (a redirect to /ui/login on UI pages).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import APIRouter

from airlock.api.app import create_app
from airlock.api.route_permissions import ROUTES, Guarded, Open, route_keys, unlisted_routes
from airlock.approvals.locks import LockScope
from airlock.approvals.permissions import MATRIX, Reach
from airlock.cli.main import run
from airlock.domain.principals import Role
from airlock.service import Actor, Airlock
from airlock.settings import Settings
from scripts.make_test_packages import BENIGN
from tests.support.gateway import Gateway, start_gateway

CSV = b"step,loss\n1,0.5\n2,0.4\n"
WHEEL = "tidy-1.0-py3-none-any.whl"
# Routes whose path or body names an object that belongs to someone (olga, in this test).
OWNED = {
    ("GET", "/requests/{request_id}"),
    ("GET", "/releases/{request_id}"),
    ("POST", "/requests/{request_id}/votes"),
    ("GET", "/ledger/entries/{index}"),
    ("GET", "/ledger/receipts/{index}"),
    ("GET", "/principals/{name}/tokens"),
    ("POST", "/principals/{name}/tokens"),
    ("DELETE", "/principals/{name}/tokens"),
    ("DELETE", "/tokens/{token_id}"),
    ("POST", "/locks/lift"),
    ("GET", "/ui/requests/{request_id}"),
    ("POST", "/ui/requests/{request_id}/vote"),
}
ANONYMOUS = "nobody"


@dataclass
class Desk:
    gateway: Gateway
    tokens: dict[str, str]  # role (or ANONYMOUS) -> token
    values: dict[str, str]  # path parameter -> an object of olga's


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    home = tmp_path_factory.mktemp("roles") / "home"
    env = {"AIRLOCK_HOME": str(home)}
    assert run(["init"], env) == 0
    airlock = Airlock.from_settings(Settings.load(env, home))
    operator = Actor.local_operator()
    try:
        for gateway in start_gateway(airlock):
            tokens = {
                role.value: airlock.add_principal(operator, f"the-{role.value}", role).token
                for role in Role
            }
            olga = airlock.add_principal(operator, "olga", Role.RESEARCHER)
            airlock.add_project(operator, "vision")
            released = airlock.submit_export(olga.principal, io.BytesIO(CSV), "l.csv", "fig")
            assert released.request.status.value == "released"
            airlock.admit_package(olga.principal, WHEEL, BENIGN[WHEEL])
            airlock.lock(operator, LockScope.PRINCIPAL, "olga", "a drill", hours=1)
            olga_entry = next(
                i
                for i in range(airlock.ledger.size())
                if airlock.ledger.record(i).get("actor") == "olga"
            )
            values = {
                "request_id": released.request.id,
                "index": str(olga_entry),
                "name": "olga",
                "token_id": olga.token_id,
                "project": "vision",
                "filename": WHEEL,
                "dataset_id": "ds_" + "0" * 24,  # none: who may try is told 404, not 403
            }
            yield Desk(gateway, tokens, values)
    finally:
        airlock.close()


def request_for(method: str, path: str, desk: Desk) -> dict[str, Any]:
    """One request to the route, filled with olga's objects."""
    url = path
    for name, value in desk.values.items():
        url = url.replace("{" + name + "}", value)
    if path == "/docs/assets":
        url = "/docs/assets/swagger-ui.css"
    sent: dict[str, Any] = {"method": method, "url": url}
    match (method, path):
        case ("POST", "/exports"):
            sent |= {"files": {"file": ("a.csv", CSV)}, "data": {"purpose": "fig"}}
        case ("POST", "/packages"):
            sent |= {"files": {"file": (WHEEL, BENIGN[WHEEL])}}
        case ("POST", "/principals"):
            sent |= {"json": {"name": "made-by-test", "role": "researcher"}}
        case ("POST", "/projects"):
            sent |= {"json": {"name": "made-by-test"}}
        case ("POST", "/projects/{project}/members"):
            sent |= {"json": {"principal": "olga"}}
        case ("POST", "/requests/{request_id}/votes"):
            sent |= {"json": {"approve": True, "reason": "x", "digest": "0" * 64}}
        case ("POST", "/locks/lift"):
            sent |= {"json": {"scope": "principal", "subject": "olga", "reason": "drill over"}}
        case ("POST", "/locks"):
            sent |= {"json": {"scope": "principal", "subject": "olga", "reason": "drill"}}
        case ("POST", "/budgets"):
            sent |= {"json": {"scope": "principal", "subject": "olga", "limit": "10MB"}}
        case ("POST", "/datasets"):
            sent |= {"files": {"file": ("d.csv", CSV)}, "data": {"source": "a vendor"}}
        case ("POST", "/protected-models"):
            sent |= {"files": {"file": ("m.bin", CSV)}, "data": {"name": "drill-model"}}
        case ("POST", "/scans"):
            sent |= {"files": {"file": ("a.csv", CSV)}}
        case ("POST", "/lineage"):
            sent |= {"json": {"model": "m", "trained_on": ["ds_" + "0" * 24]}}
        case ("POST", "/lineage/blast-radius"):
            sent |= {"json": {"origin": "https://vendor.example/none"}}
        case ("POST", "/ledger/cosignatures"):
            sent |= {"content": b"not a note", "headers": {"Content-Type": "text/plain"}}
        case ("POST", "/ui/login"):
            sent |= {"data": {"token": "alk_not-a-token"}}
        case ("POST", "/ui/requests/{request_id}/vote"):
            sent |= {"data": {"decision": "approve", "reason": "x", "digest": "0", "csrf": "x"}}
        case ("PUT", "/package-publishers/{project}"):
            sent |= {"json": {"publisher": "github:vision/vision:release.yml"}}
        case ("POST", "/principals/{name}/tokens"):
            sent |= {"json": {"days": 1}}
    return sent


def expect_refused(who: str, method: str, path: str) -> bool | None:
    """True: refused (403); False: let through; None: must sign in first."""
    rule = ROUTES[method, path]
    if isinstance(rule, Open):
        return False
    if who == ANONYMOUS:
        return None
    reach = MATRIX[Role(who)].get(rule.action)
    if reach is None:
        return True
    return reach is Reach.OWN and (method, path) in OWNED


def send(desk: Desk, who: str, method: str, path: str) -> httpx.Response:
    token = desk.tokens.get(who)
    ui = isinstance(ROUTES[method, path], Guarded) and ROUTES[method, path].ui  # type: ignore[union-attr]
    headers = {"Authorization": f"Bearer {token}"} if token and not ui else {}
    cookies = {"airlock_session": token} if token and ui else {}
    sent = request_for(method, path, desk)
    sent["headers"] = {**headers, **sent.get("headers", {})}
    with httpx.Client(base_url=desk.gateway.url, timeout=30, cookies=cookies) as client:
        return client.request(**sent)


def is_refusal(answer: httpx.Response) -> bool:
    if answer.status_code != 403:
        return False
    if answer.headers.get("content-type", "").startswith("text/html"):
        return 'id="refusal"' in answer.text
    return bool(answer.json()["error"]["type"] == "PermissionDenied")


def test_the_table_lists_every_route_of_the_app_and_nothing_else(desk: Desk) -> None:
    app = create_app(desk.gateway.airlock)
    assert unlisted_routes(app.routes) == []
    assert set(route_keys(app.routes)) == set(ROUTES), "stale entries in ROUTES"


def test_a_route_missing_from_the_table_is_found() -> None:
    extra = APIRouter()

    @extra.get("/new-and-unlisted")
    def unlisted() -> None: ...

    assert unlisted_routes(extra.routes) == ["GET /new-and-unlisted"]


CASES = [
    (who, method, path)
    for method, path in sorted(ROUTES)
    for who in [*(r.value for r in Role), ANONYMOUS]
]


@pytest.mark.parametrize(("who", "method", "path"), CASES, ids=[" ".join(c) for c in CASES])
def test_route_by_role(desk: Desk, who: str, method: str, path: str) -> None:
    answer = send(desk, who, method, path)
    expected = expect_refused(who, method, path)
    said = f"{who} {method} {path} -> {answer.status_code} {answer.text[:300]}"
    if expected is None:
        ui = ROUTES[method, path].ui  # type: ignore[union-attr]
        if ui:
            assert answer.status_code == 303 and answer.headers["location"] == "/ui/login", said
        else:
            assert answer.status_code == 401, said
    elif expected:
        assert is_refusal(answer), said
        action = ROUTES[method, path].action  # type: ignore[union-attr]
        assert action.value in answer.text.replace("&#x27;", "'"), said  # names what was refused
    else:
        assert not is_refusal(answer), said
        if isinstance(ROUTES[method, path], Guarded):  # signed in, so not sent to sign in
            assert answer.status_code != 401, said
            assert answer.headers.get("location") != "/ui/login", said
