"""The notifier's retry rule and back-off, against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from airlock.approvals.progress import RequestProgress, progress
from airlock.domain.names import PrincipalName, RequestId, Sha256Hex
from airlock.domain.requests import BoundaryRequest, RequestKind, RequestStatus
from airlock.notify_settings import NotifyGroup, NotifySettings
from airlock.ops.notifier import Notifier

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[int]]]:
    """Answers each POST with the next status of ``answers`` (a list the test fills)."""
    answers: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(answers.pop(0) if answers else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/h", answers
    server.shutdown()
    server.server_close()


def shown() -> RequestProgress:
    request = BoundaryRequest(
        RequestId("req_" + "1" * 32),
        RequestKind.EXPORT,
        PrincipalName("rita"),
        None,
        "p",
        Sha256Hex("ab" * 32),
        10,
        T0,
        RequestStatus.HELD,
    )
    return progress(request, [], None, [], origin=None, viewer=None, now=T0)


def notifier(url: str, sleeps: list[float], attempts: int = 4) -> Notifier:
    group = NotifyGroup("g", webhook_url=url, secret=b"x" * 16)
    return Notifier(NotifySettings(attempts=attempts, groups=(group,)), sleep=sleeps.append)


def test_5xx_and_429_are_retried_with_doubling_back_off(receiver: tuple[str, list[int]]) -> None:
    url, answers = receiver
    answers += [503, 429, 502]
    sleeps: list[float] = []
    n = notifier(url, sleeps)
    n.held(shown())
    n.close()
    assert n.deliveries.webhooks_ok == 1 and n.deliveries.attempts == [4]
    assert sleeps == [0.5, 1.0, 2.0]


def test_a_refusal_is_final_and_a_dead_receiver_gives_up(receiver: tuple[str, list[int]]) -> None:
    url, answers = receiver
    answers += [400]
    sleeps: list[float] = []
    n = notifier(url, sleeps)
    n.held(shown())
    n.close()
    assert n.deliveries.webhooks_failed == 1 and n.deliveries.attempts == [1] and sleeps == []
    dead = notifier("http://127.0.0.1:9/nobody", sleeps := [], attempts=2)
    dead.held(shown())
    dead.close()
    assert dead.deliveries.webhooks_failed == 1 and sleeps == [0.5]
