"""The supervisor's own decisions, with stand-in workers in real child processes."""

from __future__ import annotations

import os
import socket
import threading
import time

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
    while True:
        message, fds, _flags, _address = socket.recv_fds(channel, handoff.MAX_MESSAGE, 1)
        if not message:
            return
        for fd in fds:
            with socket.socket(fileno=fd) as connection:
                connection.sendall(str(os.getpid()).encode())


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


@pytest.mark.parametrize("workers", [0, -1])
def test_a_supervisor_needs_a_worker(workers: int) -> None:
    with pytest.raises(ValueError, match="at least one worker"):
        Supervisor(uvicorn.Config(app="unused:app"), listener(), workers)
