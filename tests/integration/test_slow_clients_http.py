"""Slow and greedy clients cannot hold the gateway's connections (issue 22), over real HTTP."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from airlock.service import Airlock
from airlock.settings import Settings
from tests.support.gateway import CliRunner, Gateway, start_gateway
from tests.support.uploads import folder_bytes

LIMITS = "head_timeout_seconds = 1\nbody_idle_seconds = 1\nmax_connections_per_client = 4\n"


@pytest.fixture
def strict(initialised_cli: CliRunner) -> Iterator[Gateway]:
    with (initialised_cli.home / "config.toml").open("a", encoding="utf-8") as config:
        config.write(f"\n[uploads]\n{LIMITS}")
    airlock = Airlock.from_settings(Settings.load(initialised_cli.env, initialised_cli.home))
    try:
        yield from start_gateway(airlock)
    finally:
        airlock.close()


def _connect(gateway: Gateway) -> socket.socket:
    port = int(gateway.url.rsplit(":", 1)[1])
    return socket.create_connection(("127.0.0.1", port), timeout=5)


def _closed_within(connection: socket.socket, seconds: float) -> tuple[bool, bytes]:
    """Whether the server closed ``connection`` within ``seconds``, and what it said."""
    connection.settimeout(seconds)
    said = b""
    try:
        while chunk := connection.recv(4096):
            said += chunk
    except TimeoutError:
        return False, said
    except ConnectionResetError:
        pass
    return True, said


def test_a_connection_that_sends_nothing_is_closed(strict: Gateway) -> None:
    with _connect(strict) as connection:
        started = time.monotonic()
        closed, _said = _closed_within(connection, 4)
    assert closed
    assert time.monotonic() - started < 3


def test_a_head_dribbled_byte_by_byte_is_cut_at_the_head_timeout(strict: Gateway) -> None:
    with _connect(strict) as connection:
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        started = time.monotonic()
        closed = False
        for byte in b"X-Slow: " + b"a" * 40:  # never idle long, never finished
            try:
                connection.sendall(bytes([byte]))
            except OSError:
                closed = True
                break
            time.sleep(0.1)
            if time.monotonic() - started > 4:
                break
        ended, said = _closed_within(connection, 2)
    assert closed or ended
    assert said.startswith(b"HTTP/1.1 408"), said
    assert time.monotonic() - started < 4


def test_a_stalled_body_is_cut_and_leaves_nothing_behind(strict: Gateway) -> None:
    outbox = strict.airlock.settings.home / "outbox"
    start = folder_bytes(outbox)
    boundary = "b"
    opening = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n\r\n'
    ).encode()
    with _connect(strict) as connection:
        connection.sendall(
            b"POST /exports HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Authorization: Bearer " + strict.admin_token.encode() + b"\r\n"
            b"Content-Type: multipart/form-data; boundary=b\r\n"
            b"Content-Length: 10000000\r\n\r\n" + opening + b"\0" * 200_000
        )
        started = time.monotonic()
        closed, _said = _closed_within(connection, 5)
    assert closed
    assert time.monotonic() - started < 4
    time.sleep(0.3)
    assert folder_bytes(outbox) == start
    assert not list(Path(outbox).glob(".incoming-*")) if outbox.exists() else True


def test_connections_beyond_the_bound_per_address_are_refused(strict: Gateway) -> None:
    held = [_connect(strict) for _ in range(4)]
    try:
        for connection in held:  # each is served, and stays open (kept alive)
            connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert connection.recv(4096).startswith(b"HTTP/1.1 200")
        with _connect(strict) as extra:
            closed, said = _closed_within(extra, 2)
        assert closed
        assert said.startswith(b"HTTP/1.1 503"), said
    finally:
        for connection in held:
            connection.close()
    time.sleep(0.2)
    with _connect(strict) as again:
        again.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        assert again.recv(4096).startswith(b"HTTP/1.1 200")
