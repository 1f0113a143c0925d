"""The gateway over real HTTP on 127.0.0.1."""

from __future__ import annotations

import httpx

from tests.support.gateway import Gateway


def test_healthz_and_openapi(gateway: Gateway) -> None:
    with gateway.client() as client:
        health = client.get("/healthz")
        assert health.status_code == 200
        assert health.json() == {"status": "ok", "store": "sqlite"}
        spec = client.get("/openapi.json").json()
    assert spec["info"]["title"] == "airlock"
    for path in ("/healthz", "/principals", "/projects", "/requests", "/status"):
        assert path in spec["paths"]


def test_state_changes_need_a_token(gateway: Gateway) -> None:
    with gateway.client() as anonymous:
        refused = anonymous.post("/projects", json={"name": "p1"})
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"] == "Bearer"
        assert "Bearer" in refused.json()["error"]["message"]
    with gateway.client("alk_not-a-real-token") as forged:
        assert forged.post("/projects", json={"name": "p1"}).status_code == 401
    with gateway.client("Basic abc") as wrong_scheme:
        assert wrong_scheme.get("/principals/me").status_code == 401


def test_admin_adds_principal_who_can_authenticate_but_not_administer(gateway: Gateway) -> None:
    with gateway.client(gateway.admin_token) as admin:
        created = admin.post("/principals", json={"name": "rita", "role": "researcher"})
        assert created.status_code == 201
        token = created.json()["token"]
    with gateway.client(token) as rita:
        assert rita.get("/principals/me").json()["role"] == "researcher"
        denied = rita.post("/projects", json={"name": "sneaky"})
        assert denied.status_code == 403
        assert "only admins" in denied.json()["error"]["message"]
        assert rita.get("/projects").json() == []


def test_bad_bodies_are_clear_errors(gateway: Gateway) -> None:
    with gateway.client(gateway.admin_token) as admin:
        malformed = admin.post(
            "/projects", content=b"{not json", headers={"content-type": "application/json"}
        )
        assert malformed.status_code == 400
        assert malformed.json()["error"]["type"] == "InvalidInput"
        extra = admin.post("/projects", json={"name": "p", "owner": "x"})
        assert extra.status_code == 400
        bad_name = admin.post("/projects", json={"name": "Not Valid"})
        assert bad_name.status_code == 400 and "lower-case" in bad_name.json()["error"]["message"]
        huge = admin.post(
            "/projects",
            content=b"x" * (2 * 1024 * 1024),
            headers={"content-type": "application/json"},
        )
        assert huge.status_code == 413
        missing = admin.get("/requests/req_" + "0" * 32)
        assert missing.status_code == 404


def test_chunked_body_over_limit_is_refused(gateway: Gateway) -> None:
    def chunks() -> object:
        for _ in range(40):
            yield b"y" * 65536

    with gateway.client(gateway.admin_token) as admin:
        response = admin.post(
            "/projects",
            content=chunks(),  # type: ignore[arg-type]
            headers={"content-type": "application/json"},
        )
    assert response.status_code == 413


def test_huge_header_is_refused_without_crashing(gateway: Gateway) -> None:
    with gateway.client() as client:
        try:
            response = client.get("/healthz", headers={"X-Pad": "a" * 200_000})
            assert response.status_code in (400, 431)
        except httpx.TransportError:
            pass  # the server closed the connection: also a refusal
        assert client.get("/healthz").status_code == 200


def test_landing_page_shows_status(gateway: Gateway) -> None:
    with gateway.client() as client:
        page = client.get("/")
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    assert 'id="enclave-name">airlock<' in page.text
    assert 'id="principal-count">1<' in page.text
