"""HTTP housekeeping (issues 18 and 22): the document's auth and error statuses, 405 with
Allow, /docs without a CDN, and /readyz that tells a store that cannot write."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event

from airlock.clock import SystemClock
from airlock.home import load_policy, load_signing_key
from airlock.service import Airlock
from airlock.settings import Settings
from airlock.store.sql import SqlStore
from tests.support.gateway import CliRunner, Gateway, start_gateway


def test_document_declares_the_bearer_scheme_instead_of_a_header_parameter(
    gateway: Gateway,
) -> None:
    with gateway.client() as client:
        spec = client.get("/openapi.json").json()
    schemes = spec["components"]["securitySchemes"]
    assert schemes == {"HTTPBearer": {"type": "http", "scheme": "bearer", "description": ANY}}
    me = spec["paths"]["/principals/me"]["get"]
    assert me["security"] == [{"HTTPBearer": []}]
    assert not [p for p in me.get("parameters", []) if p["name"].lower() == "authorization"]
    assert "security" not in spec["paths"]["/healthz"]["get"]
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            secured = "security" in operation
            assert ("401" in operation["responses"]) is secured, (path, method)


def test_document_gives_validation_errors_the_status_and_body_the_api_sends(
    gateway: Gateway,
) -> None:
    with gateway.client(gateway.admin_token) as client:
        spec = client.get("/openapi.json").json()
        invalid = client.post("/projects", json={"name": 5})
    assert invalid.status_code == 400
    assert invalid.json()["error"]["type"] == "InvalidInput"
    assert "HTTPValidationError" not in str(spec)
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert "422" not in responses or "LedgerIntegrityError" in str(responses["422"]), (
                path,
                method,
            )
            for status, response in responses.items():
                if status >= "400":
                    assert response["content"] == {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/ErrorResponse"}
                        }
                    }, (path, method, status)
    add_project = spec["paths"]["/projects"]["post"]["responses"]
    assert {"400", "401", "403", "409", "413", "503"} <= set(add_project)


def test_downloads_and_pages_are_documented_with_their_media_types(gateway: Gateway) -> None:
    with gateway.client() as client:
        paths = client.get("/openapi.json").json()["paths"]

    def media(path: str, method: str = "get") -> set[str]:
        return set(paths[path][method]["responses"]["200"]["content"])

    assert media("/releases/{request_id}") == {"application/octet-stream"}
    assert media("/packages/{filename}") == {"application/octet-stream"}
    assert media("/simple/") == {"text/html", "application/vnd.pypi.simple.v1+json"}
    assert media("/ledger/checkpoint") == {"text/plain"}


def test_wrong_method_answers_405_with_allow(gateway: Gateway) -> None:
    with gateway.client() as client:
        answer = client.delete("/healthz")
    assert answer.status_code == 405
    assert answer.headers["allow"] == "GET"
    assert answer.json()["error"]["type"] == "HTTPError"


def test_docs_are_served_from_the_gateway_itself(gateway: Gateway) -> None:
    with gateway.client() as client:
        page = client.get("/docs")
        assert page.status_code == 200
        sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert sources, page.text
        assert all(s.startswith("/docs/assets/") for s in sources), sources
        for source in sources:
            assert client.get(source).status_code == 200, source
    assert "/openapi.json" in page.text


def test_readyz_answers_200_when_the_store_can_write(gateway: Gateway) -> None:
    with gateway.client() as client:
        ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "store": "sqlite"}


@pytest.fixture
def read_only_gateway(initialised_cli: CliRunner) -> Iterator[Gateway]:
    """A gateway whose SQLite store turns read-only (``PRAGMA query_only``) once started:
    chmod would not stop root, which the tests may run as."""
    settings = Settings.load(initialised_cli.env, initialised_cli.home)
    store = SqlStore.from_url(settings.database_url)
    airlock = Airlock(
        settings, store, SystemClock(), load_policy(settings), load_signing_key(settings)
    )
    try:
        gateways = start_gateway(airlock)
        gateway = next(gateways)

        def read_only(connection: Any, _record: Any) -> None:
            connection.execute("PRAGMA query_only=ON")

        event.listen(store.engine, "connect", read_only)
        store.engine.dispose()  # pooled connections were opened writable
        yield gateway
        next(gateways, None)  # runs start_gateway's shutdown
    finally:
        airlock.close()


def test_readyz_answers_503_with_the_reason_when_the_store_cannot_write(
    read_only_gateway: Gateway,
) -> None:
    with read_only_gateway.client() as client:
        live = client.get("/healthz")
        ready = client.get("/readyz")
    assert live.status_code == 200  # liveness: the process and store answer
    assert ready.status_code == 503
    error = ready.json()["error"]
    assert error["type"] == "StoreError"
    assert "readonly" in error["message"] or "read-only" in error["message"]


class _Any:
    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = None  # type: ignore[assignment]


ANY = _Any()
