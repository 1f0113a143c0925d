"""The supervisor's own decisions, with stand-in workers in real child processes."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import uvicorn
from uvicorn.config import STARTUP_FAILURE

from airlock.api import handoff
from airlock.api.supervisor import Supervisor, WorkerMain
from tests.support.waiting import wait_until


def fail_to_start(_config: uvicorn.Config, _channel: socket.socket) -> None:
    os._exit(STARTUP_FAILURE)


def serve_echo(_config: uvicorn.Config, channel: socket.socket) -> None:
    """A stand-in worker: says it is ready, then answers each handed-over connection with
    its pid, until the supervisor goes away."""
    channel.send(handoff.READY)
    each_connection(channel, echo_pid)


def ready_but_slow_to_read(_config: uvicorn.Config, channel: socket.socket) -> None:
    """A stand-in that says it is ready, reads nothing for a second and a half (as a worker
    whose event loop is busy), then serves like serve_echo without saying so again."""
    channel.send(handoff.READY)
    time.sleep(1.5)
    each_connection(channel, echo_pid)


def leave_with_connections_or_serve(config: uvicorn.Config, channel: socket.socket) -> None:
    """The first stand-in to start says it is ready, takes nothing for a second (so that
    connections pile up in its channel), then leaves as a worker does: it says so and hands
    back everything it reads until the supervisor ends its side. The other serves_echo."""
    if not first_to_start("AIRLOCK_TEST_LEAVER"):
        serve_echo(config, channel)
        return

    def hand_back(connection: socket.socket) -> None:
        assert handoff.hand_over(channel, connection)

    channel.send(handoff.READY)
    time.sleep(1)
    channel.send(handoff.LEAVING)
    each_connection(channel, hand_back)


def small_channel_pair() -> tuple[socket.socket, socket.socket]:
    """handoff.channel_pair with the smallest buffers Linux allows: about 6 hand-overs fill it."""
    supervisor_end, worker_end = real_channel_pair()
    supervisor_end.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1)
    worker_end.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1)
    return supervisor_end, worker_end


real_channel_pair = handoff.channel_pair


def each_connection(channel: socket.socket, act: Callable[[socket.socket], None]) -> None:
    """``act`` on every connection handed over on ``channel``, until the supervisor ends it."""
    while (received := handoff.receive(channel)) and received[0]:
        for connection in received[1]:
            with connection:
                act(connection)


def echo_pid(connection: socket.socket) -> None:
    connection.sendall(str(os.getpid()).encode())


def first_to_start(marker_variable: str) -> bool:
    """True in the one stand-in that creates the file named by ``marker_variable`` first."""
    try:
        os.close(os.open(os.environ[marker_variable], os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        return False
    return True


def serve_one_then_exit(_config: uvicorn.Config, channel: socket.socket) -> None:
    """A stand-in worker that serves one connection, then dies with the exit code that
    means "could not start" (which, after it has served, it plainly did)."""
    channel.send(handoff.READY)
    received = handoff.receive(channel)
    assert received is not None
    with received[1][0] as connection:
        echo_pid(connection)
    os._exit(STARTUP_FAILURE)


def refuse_or_serve_late(_config: uvicorn.Config, channel: socket.socket) -> None:
    """The first stand-in to start says it is ready but takes no connection (as a worker
    that died after its last report); the other says it is ready a second later, then
    serves like serve_echo."""
    if not first_to_start("AIRLOCK_TEST_REFUSER"):
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


@contextlib.contextmanager
def running(
    worker_main: WorkerMain, workers: int = 1, *, ready: int = 1, **options: float
) -> Iterator[tuple[Supervisor, int]]:
    """A supervisor of stand-in workers run on a thread, once ``ready`` of them say they
    serve; stopped afterwards, which must end its thread."""
    sock = listener()
    supervisor = Supervisor(
        uvicorn.Config(app="unused:app"), sock, workers, worker_main=worker_main, **options
    )
    runner = threading.Thread(target=supervisor.run)
    runner.start()
    try:
        wait_until(lambda: len(supervisor.ready_worker_pids) >= ready, "stand-ins to be ready")
        yield supervisor, sock.getsockname()[1]
    finally:
        supervisor.stop()
        runner.join(timeout=60)
    assert not runner.is_alive()


def answer_from(port: int) -> int:
    """The pid a stand-in worker answers a new connection with."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as client:
        return int(client.recv(16))


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
    with running(serve_echo, 2, ready=2) as (supervisor, port):
        answers = [answer_from(port) for _ in range(6)]
        assert set(answers) == set(supervisor.worker_pids)
    assert answers[0::2] == [answers[0]] * 3
    assert answers[1::2] == [answers[1]] * 3


def test_a_worker_that_dies_after_serving_is_replaced() -> None:
    served: list[int] = []
    with running(serve_one_then_exit) as (supervisor, port):
        for _ in range(3):
            wait_until(lambda: bool(set(supervisor.ready_worker_pids) - set(served)), "a fresh one")
            served.append(answer_from(port))
    assert len(set(served)) == 3  # each answer from a fresh worker


def test_a_connection_no_worker_can_take_waits_for_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRLOCK_TEST_REFUSER", str(tmp_path / "refuser"))
    with running(refuse_or_serve_late, 2, stop_timeout=5) as (supervisor, port):
        refuser = supervisor.ready_worker_pids[0]
        answer = answer_from(port)
        assert answer in supervisor.worker_pids
    assert answer != refuser


def test_a_leaving_worker_hands_back_what_was_on_its_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRLOCK_TEST_LEAVER", str(tmp_path / "leaver"))
    clients: list[socket.socket] = []
    with running(leave_with_connections_or_serve, 2, ready=2) as (supervisor, port):
        try:
            clients = [socket.create_connection(("127.0.0.1", port), timeout=30) for _ in range(6)]
            answers = [int(client.recv(16)) for client in clients]
        finally:
            for client in clients:
                client.close()
        # Half went to the stand-in that left; it handed them back, unanswered, and the
        # other answered them all.
        assert len(set(answers)) == 1
        assert answers[0] in supervisor.ready_worker_pids


def test_a_worker_that_stops_reporting_is_replaced() -> None:
    with running(ready_then_silent, stop_timeout=5, silence_limit=1) as (supervisor, _port):
        stuck = supervisor.ready_worker_pids[0]
        wait_until(
            lambda: bool(supervisor.worker_pids) and stuck not in supervisor.worker_pids,
            "the silent worker to be replaced",
        )
    assert not Path(f"/proc/{stuck}").exists()  # killed and reaped


def test_connections_beyond_a_full_channel_wait_and_are_all_served(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(handoff, "channel_pair", small_channel_pair)
    clients: list[socket.socket] = []
    with running(ready_but_slow_to_read) as (supervisor, port):
        try:
            clients = [socket.create_connection(("127.0.0.1", port), timeout=30) for _ in range(40)]
            answers = {int(client.recv(16)) for client in clients}
            assert answers == set(supervisor.worker_pids)
        finally:
            for client in clients:
                client.close()


@pytest.mark.parametrize("workers", [0, -1])
def test_a_supervisor_needs_a_worker(workers: int) -> None:
    with pytest.raises(ValueError, match="at least one worker"):
        Supervisor(uvicorn.Config(app="unused:app"), listener(), workers)
