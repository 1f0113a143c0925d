"""The supervisor's own decisions, with stand-in workers in real child processes."""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest
import uvicorn
from uvicorn.config import STARTUP_FAILURE

from airlock.api import handoff
from airlock.api.supervisor import Supervisor


def fail_to_start(_config: uvicorn.Config, _channel: socket.socket) -> None:
    os._exit(STARTUP_FAILURE)


def serve_echo(_config: uvicorn.Config, channel: socket.socket) -> None:
    """A stand-in worker: says it is ready, then answers each handed-over connection with
    its pid, until the supervisor goes away."""
    channel.send(handoff.READY)
    echo_until_gone(channel)


def ready_but_slow_to_read(_config: uvicorn.Config, channel: socket.socket) -> None:
    """A stand-in that says it is ready, reads nothing for a second and a half (as a worker
    whose event loop is busy), then serves like serve_echo without saying so again."""
    channel.send(handoff.READY)
    time.sleep(1.5)
    echo_until_gone(channel)


def small_channel_pair() -> tuple[socket.socket, socket.socket]:
    """handoff.channel_pair with the smallest buffers Linux allows: about 6 hand-overs fill it."""
    supervisor_end, worker_end = real_channel_pair()
    supervisor_end.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1)
    worker_end.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1)
    return supervisor_end, worker_end


real_channel_pair = handoff.channel_pair


def echo_until_gone(channel: socket.socket) -> None:
    while True:
        message, fds, _flags, _address = socket.recv_fds(channel, handoff.MAX_MESSAGE, 1)
        if not message:
            return
        for fd in fds:
            with socket.socket(fileno=fd) as connection:
                connection.sendall(str(os.getpid()).encode())


def serve_one_then_exit(_config: uvicorn.Config, channel: socket.socket) -> None:
    """A stand-in worker that serves one connection, then dies with the exit code that
    means "could not start" (which, after it has served, it plainly did)."""
    channel.send(handoff.READY)
    _message, fds, _flags, _address = socket.recv_fds(channel, handoff.MAX_MESSAGE, 1)
    with socket.socket(fileno=fds[0]) as connection:
        connection.sendall(str(os.getpid()).encode())
    os._exit(STARTUP_FAILURE)


def refuse_or_serve_late(_config: uvicorn.Config, channel: socket.socket) -> None:
    """The first stand-in to start says it is ready but takes no connection (as a worker
    that died after its last report); the other says it is ready a second later, then
    serves like serve_echo."""
    try:
        os.close(os.open(os.environ["AIRLOCK_TEST_REFUSER"], os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        time.sleep(1)
        serve_echo(_config, channel)
        return
    channel.send(handoff.READY)
    channel.shutdown(socket.SHUT_RD)
    time.sleep(60)


def ready_then_silent(_config: uvicorn.Config, channel: socket.socket) -> None:
    """A stand-in stuck after it said it serves: it never reports again."""
    channel.send(handoff.READY)
    time.sleep(120)


def listener() -> socket.socket:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    return sock


def test_a_worker_that_cannot_start_stops_the_supervisor_instead_of_looping() -> None:
    config = uvicorn.Config(app="unused:app")
    supervisor = Supervisor(config, listener(), 2, worker_main=fail_to_start, stop_timeout=5)
    started = time.monotonic()
    assert supervisor.run() is False
    assert time.monotonic() - started < 30
    assert supervisor.worker_pids == []


def test_without_close_reports_hand_overs_alternate() -> None:
    # The stand-in never reports closes, so by the supervisor's count each worker keeps
    # every connection it got: hand-overs alternate strictly, 3 each out of 6.
    sock = listener()
    port = sock.getsockname()[1]
    supervisor = Supervisor(uvicorn.Config(app="unused:app"), sock, 2, worker_main=serve_echo)
    runner = threading.Thread(target=supervisor.run)
    runner.start()
    try:
        deadline = time.monotonic() + 30
        while len(supervisor.ready_worker_pids) < 2:
            assert time.monotonic() < deadline, "the stand-in workers never became ready"
            time.sleep(0.05)
        answers = []
        for _ in range(6):
            with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
                answers.append(int(client.recv(16)))
        assert set(answers) == set(supervisor.worker_pids)
        assert answers[0::2] == [answers[0]] * 3
        assert answers[1::2] == [answers[1]] * 3
    finally:
        supervisor.stop()
        runner.join(timeout=60)
    assert not runner.is_alive()


def test_a_worker_that_dies_after_serving_is_replaced() -> None:
    sock = listener()
    port = sock.getsockname()[1]
    supervisor = Supervisor(
        uvicorn.Config(app="unused:app"), sock, 1, worker_main=serve_one_then_exit
    )
    runner = threading.Thread(target=supervisor.run)
    runner.start()
    try:
        served: list[int] = []
        for _ in range(3):
            deadline = time.monotonic() + 30
            while set(supervisor.ready_worker_pids) - set(served) == set():
                assert time.monotonic() < deadline, "no fresh worker became ready"
                time.sleep(0.02)
            with socket.create_connection(("127.0.0.1", port), timeout=30) as client:
                served.append(int(client.recv(16)))
        assert len(set(served)) == 3  # each answer from a fresh worker
        assert runner.is_alive()
    finally:
        supervisor.stop()
        runner.join(timeout=60)
    assert not runner.is_alive()


def test_a_connection_no_worker_can_take_waits_for_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRLOCK_TEST_REFUSER", str(tmp_path / "refuser"))
    sock = listener()
    port = sock.getsockname()[1]
    supervisor = Supervisor(
        uvicorn.Config(app="unused:app"), sock, 2, worker_main=refuse_or_serve_late, stop_timeout=5
    )
    runner = threading.Thread(target=supervisor.run)
    runner.start()
    try:
        deadline = time.monotonic() + 30
        while not supervisor.ready_worker_pids:
            assert time.monotonic() < deadline, "the refusing stand-in never became ready"
            time.sleep(0.02)
        refuser = supervisor.ready_worker_pids[0]
        with socket.create_connection(("127.0.0.1", port), timeout=30) as client:
            answer = int(client.recv(16))
        assert answer in supervisor.worker_pids
        assert answer != refuser
    finally:
        supervisor.stop()
        runner.join(timeout=60)
    assert not runner.is_alive()


def test_a_worker_that_stops_reporting_is_replaced() -> None:
    supervisor = Supervisor(
        uvicorn.Config(app="unused:app"),
        listener(),
        1,
        worker_main=ready_then_silent,
        stop_timeout=5,
        silence_limit=1,
    )
    runner = threading.Thread(target=supervisor.run)
    runner.start()
    try:
        deadline = time.monotonic() + 30
        while not supervisor.ready_worker_pids:
            assert time.monotonic() < deadline, "the stand-in never became ready"
            time.sleep(0.02)
        stuck = supervisor.ready_worker_pids[0]
        while stuck in supervisor.worker_pids or not supervisor.worker_pids:
            assert time.monotonic() < deadline, "the silent worker was not replaced"
            time.sleep(0.05)
        assert not Path(f"/proc/{stuck}").exists()  # killed and reaped
    finally:
        supervisor.stop()
        runner.join(timeout=60)
    assert not runner.is_alive()


def test_connections_beyond_a_full_channel_wait_and_are_all_served(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(handoff, "channel_pair", small_channel_pair)
    sock = listener()
    port = sock.getsockname()[1]
    supervisor = Supervisor(
        uvicorn.Config(app="unused:app"), sock, 1, worker_main=ready_but_slow_to_read
    )
    runner = threading.Thread(target=supervisor.run)
    runner.start()
    clients: list[socket.socket] = []
    try:
        deadline = time.monotonic() + 30
        while not supervisor.ready_worker_pids:
            assert time.monotonic() < deadline, "the stand-in never became ready"
            time.sleep(0.02)
        clients = [socket.create_connection(("127.0.0.1", port), timeout=30) for _ in range(40)]
        answers = {int(client.recv(16)) for client in clients}
        assert answers == set(supervisor.worker_pids)
    finally:
        for client in clients:
            client.close()
        supervisor.stop()
        runner.join(timeout=60)
    assert not runner.is_alive()


@pytest.mark.parametrize("workers", [0, -1])
def test_a_supervisor_needs_a_worker(workers: int) -> None:
    with pytest.raises(ValueError, match="at least one worker"):
        Supervisor(uvicorn.Config(app="unused:app"), listener(), workers)
