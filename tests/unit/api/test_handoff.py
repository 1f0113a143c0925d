"""The supervisor-worker channel: real socket pairs, real file descriptors passed over them."""

from __future__ import annotations

import socket

import pytest

from airlock.api import handoff


def test_a_handed_over_connection_is_the_same_connection_on_the_other_side() -> None:
    supervisor_end, worker_end = handoff.channel_pair()
    client, accepted = socket.socketpair()
    with supervisor_end, worker_end, client:
        assert handoff.hand_over(supervisor_end, accepted)
        accepted.close()  # the supervisor drops its copy, as it does after every hand-over
        got = handoff.receive(worker_end)
        assert got is not None
        message, connections = got
        assert message == handoff.CONNECTION
        assert len(connections) == 1
        with connections[0] as received:
            client.sendall(b"ping")
            assert received.recv(4) == b"ping"
            received.sendall(b"pong")
            assert client.recv(4) == b"pong"


def test_receive_says_when_nothing_waits_and_when_the_other_side_ended() -> None:
    supervisor_end, worker_end = handoff.channel_pair()
    worker_end.setblocking(False)
    with worker_end:
        assert handoff.receive(worker_end) is None
        supervisor_end.send(handoff.READY)
        assert handoff.receive(worker_end) == (handoff.READY, [])
        supervisor_end.close()
        assert handoff.receive(worker_end) == (b"", [])


def test_a_full_channel_refuses_instead_of_blocking_the_supervisor() -> None:
    supervisor_end, worker_end = handoff.channel_pair()
    client, accepted = socket.socketpair()
    with supervisor_end, worker_end, client, accepted:
        sent = 0
        while handoff.hand_over(supervisor_end, accepted):
            sent += 1
            assert sent < 100_000, "the channel never filled"
        assert sent > 0


def test_a_gone_worker_refuses_the_connection() -> None:
    supervisor_end, worker_end = handoff.channel_pair()
    client, accepted = socket.socketpair()
    worker_end.close()
    with supervisor_end, client, accepted:
        assert not handoff.hand_over(supervisor_end, accepted)


def test_reports_round_trip_and_anything_else_is_refused() -> None:
    assert handoff.parse_report(handoff.READY) is None
    for count in (0, 1, 2**63 + 5):
        assert handoff.parse_report(handoff.closed_report(count)) == count
    for junk in (b"", b"x", handoff.CLOSED + b"\0" * 7, handoff.closed_report(3) + b"\0"):
        with pytest.raises(ValueError, match="unexpected message"):
            handoff.parse_report(junk)
    for bad in (-1, 2**64):
        with pytest.raises(ValueError, match="64 bits"):
            handoff.closed_report(bad)
