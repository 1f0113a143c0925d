"""The gateway over real HTTP on 127.0.0.1."""

from __future__ import annotations

import select
import socket
from collections.abc import Callable
from contextlib import suppress

import httpx

from airlock.api.http_protocol import MAX_HEAD_BYTES
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


def raw_exchange(
    gateway: Gateway, pieces: list[bytes], until: Callable[[bytes], bool] = bool
) -> bytes:
    """Send ``pieces`` one socket write at a time, stopping once what the server sent back
    satisfies ``until`` (by default: anything), since writing on after it closed would
    reset the connection and lose its answer. Returns everything the server sent."""
    host, port = gateway.url.removeprefix("http://").split(":")
    received = b""
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        for piece in pieces:
            sock.sendall(piece)
            if select.select([sock], [], [], 0.05)[0]:
                received += sock.recv(65536)
                if until(received):
                    break
        with suppress(ConnectionResetError):  # every exchange here ends with the server closing
            while chunk := sock.recv(65536):
                received += chunk
    return received


def test_a_header_that_never_ends_is_cut_off_at_the_limit(gateway: Gateway) -> None:
    # One header line sent in small writes and never finished: the parser would buffer it
    # for as long as it came, so the byte count, not the line, must trip the limit.
    endless = [b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: "] + [b"a" * 1000] * 40
    answer = raw_exchange(gateway, endless)
    assert answer.startswith(b"HTTP/1.1 431 ")
    assert b"exceed 16384 bytes" in answer


def test_a_head_just_under_the_limit_and_a_large_body_are_served(gateway: Gateway) -> None:
    pad = b"a" * (MAX_HEAD_BYTES - 200)
    body = b'{"name": "' + b"x" * 70_000 + b'"}'
    request = (
        b"POST /projects HTTP/1.1\r\nHost: x\r\nX-Pad: " + pad + b"\r\n"
        b"Authorization: Bearer " + gateway.admin_token.encode() + b"\r\n"
        b"Content-Type: application/json\r\nContent-Length: " + str(len(body)).encode()
        + b"\r\nConnection: close\r\n\r\n" + body
    )  # fmt: skip
    answer = raw_exchange(gateway, [request[i : i + 4096] for i in range(0, len(request), 4096)])
    # Past the head, the body is the application's: a project name this long is invalid.
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert b"at most 63 characters" in answer


def test_an_answer_before_the_body_says_the_connection_closes(gateway: Gateway) -> None:
    # The inference fast path refuses an anonymous caller before reading the body; the
    # connection then closes, and the answer must say so, or the client sends its next
    # request on it and is reset.
    head = (
        b"POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 1000\r\n\r\n"
    )
    answer = raw_exchange(gateway, [head], until=lambda got: b"\r\n\r\n" in got)
    status, _, rest = answer.partition(b"\r\n")
    assert status.startswith(b"HTTP/1.1 401 ")
    assert b"connection: close" in rest.partition(b"\r\n\r\n")[0].lower()


def test_kept_alive_requests_each_get_the_full_head_allowance(gateway: Gateway) -> None:
    pad = b"a" * (MAX_HEAD_BYTES - 200)
    one = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + pad + b"\r\n\r\n"
    last = b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    answer = raw_exchange(gateway, [one, one, one, last], until=lambda _: False)
    assert answer.count(b"HTTP/1.1 200 ") == 4


def test_landing_page_shows_status(gateway: Gateway) -> None:
    with gateway.client() as client:
        assert client.get("/").headers["location"] == "/ui/login"  # behind sign-in (issue 14)
        assert client.get("/status").status_code == 401
    with httpx.Client(base_url=gateway.url, cookies={"airlock_session": gateway.admin_token}) as ui:
        page = ui.get("/")
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    assert 'id="enclave-name">airlock<' in page.text
    assert 'id="principal-count">1<' in page.text


def test_an_endless_header_after_a_kept_alive_request_is_cut_off(gateway: Gateway) -> None:
    first = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
    endless = [b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: "] + [b"a" * 1000] * 40
    answer = raw_exchange(gateway, [first, *endless], until=lambda got: b" 431 " in got)
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert b"HTTP/1.1 431 " in answer
