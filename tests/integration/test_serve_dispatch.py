"""`airlock serve --workers 2`: the supervisor spreads connections and looks after workers.

Real processes, real sockets on 127.0.0.1. Which worker holds a connection is read from
Linux's /proc, the way `ss -tnp` finds it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.gateway import CliRunner, free_port, serve_process
from tests.support.waiting import wait_until as wait_for

WORKERS = 2


def children(pid: int) -> set[int]:
    """The gateway workers ``pid`` started (not multiprocessing's resource tracker)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid and b"spawn_main" in command:
                found.add(int(entry.name))
    return found


def server_side_ports(port: int, pids: set[int]) -> dict[int, set[int]]:
    """For each pid, the client ports of the established connections to ``port`` it holds."""
    by_inode: dict[str, int] = {}
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, state, inode = fields[1], fields[2], fields[3], fields[9]
        if state == "01" and int(local.split(":")[1], 16) == port:
            by_inode[inode] = int(remote.split(":")[1], 16)
    held: dict[int, set[int]] = {pid: set() for pid in pids}
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = str(fd.readlink())
            except OSError:
                continue
            if target.startswith("socket:["):
                client_port = by_inode.get(target[len("socket:[") : -1])
                if client_port is not None:
                    held[pid].add(client_port)
    return held


def _maps(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/maps").read_bytes()
    except OSError:
        return b""


def alive(pids: set[int]) -> bool:
    """Whether any of ``pids`` is still a process."""
    return any(Path(f"/proc/{pid}").exists() for pid in pids)


def keep_alive_connection(port: int) -> socket.socket:
    """A connection that has had one answer (so a worker holds it) and stays open."""
    connection = socket.create_connection(("127.0.0.1", port), timeout=10)
    connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
    answer = b""
    while b"\r\n\r\n" not in answer:
        chunk = connection.recv(4096)
        assert chunk, "the gateway closed a kept-alive connection"
        answer += chunk
    assert answer.startswith(b"HTTP/1.1 200"), answer
    return connection


@pytest.fixture
def gateway(cli: CliRunner, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int, Path]]:
    assert cli("init").code == 0
    port = free_port()
    log_path = tmp_path / "gateway.log"
    with log_path.open("w") as log:
        server = serve_process({**os.environ, "AIRLOCK_HOME": str(cli.home)}, port, WORKERS, log)
        try:
            wait_for(
                lambda: log_path.read_text().count("Application startup complete") == WORKERS,
                "both workers to start",
            )
            yield server, port, log_path
        finally:
            if server.poll() is None:
                server.terminate()
                server.wait(timeout=30)


def test_kept_alive_connections_are_split_evenly_and_refilled_where_they_closed(
    gateway: tuple[subprocess.Popen[bytes], int, Path],
) -> None:
    server, port, _log = gateway
    workers = children(server.pid)
    assert len(workers) == WORKERS
    clients = [keep_alive_connection(port) for _ in range(8)]
    try:
        held = server_side_ports(port, workers)
        assert sorted(len(ports) for ports in held.values()) == [4, 4], held
        # Close every connection one worker holds: once it reports them closed, it is the
        # least busy, so the next four connections all go to it.
        emptied = next(iter(workers))
        for client in [c for c in clients if c.getsockname()[1] in held[emptied]]:
            clients.remove(client)
            client.close()
        wait_for(lambda: not server_side_ports(port, workers)[emptied], "the worker to close")
        time.sleep(0.5)  # workers report closed connections every tenth of a second
        clients += [keep_alive_connection(port) for _ in range(4)]
        refilled = server_side_ports(port, workers)
        assert {pid: len(ports) for pid, ports in refilled.items()} == dict.fromkeys(workers, 4)
    finally:
        for client in clients:
            client.close()


def test_a_worker_that_dies_is_replaced_and_its_peer_keeps_serving(
    gateway: tuple[subprocess.Popen[bytes], int, Path],
) -> None:
    server, port, log_path = gateway
    before = children(server.pid)
    victim = min(before)
    os.kill(victim, signal.SIGKILL)
    wait_for(lambda: len(children(server.pid) - {victim}) == WORKERS, "a replacement worker")
    wait_for(
        lambda: log_path.read_text().count("Application startup complete") == WORKERS + 1,
        "the replacement to start",
    )
    assert f"gateway worker [{victim}] exited with code -9; starting another" in (
        log_path.read_text()
    )
    for _ in range(6):
        assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10).status_code == 200
    assert server.poll() is None


def test_a_worker_stopped_alone_hands_back_nothing_lost(
    gateway: tuple[subprocess.Popen[bytes], int, Path],
) -> None:
    # New connections keep coming while one worker is told to stop: each must be answered,
    # by the worker leaving (if it was already on its way there) or by the other.
    server, port, log_path = gateway
    leaving = min(children(server.pid))
    failures: list[str] = []
    answered = 0
    stop = threading.Event()

    def keep_connecting() -> None:
        nonlocal answered
        while not stop.is_set():
            try:
                status = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10).status_code
            except httpx.HTTPError as e:
                failures.append(repr(e))
                continue
            if status == 200:
                answered += 1
            else:
                failures.append(str(status))

    clients = [threading.Thread(target=keep_connecting) for _ in range(4)]
    for client in clients:
        client.start()
    try:
        time.sleep(0.5)
        os.kill(leaving, signal.SIGTERM)
        wait_for(lambda: not Path(f"/proc/{leaving}").exists(), "the worker to leave")
        wait_for(lambda: len(children(server.pid)) == WORKERS, "a replacement worker")
        time.sleep(0.5)
    finally:
        stop.set()
        for client in clients:
            client.join()
    assert failures == []
    assert answered > 0
    assert f"gateway worker [{leaving}] exited" in log_path.read_text()


def test_workers_leave_when_the_supervisor_is_killed(
    gateway: tuple[subprocess.Popen[bytes], int, Path],
) -> None:
    server, _port, _log = gateway
    workers = children(server.pid)
    server.kill()
    server.wait(timeout=10)
    wait_for(
        lambda: not alive(workers),
        "orphaned workers to shut down",
    )


def test_sigterm_stops_the_supervisor_and_every_worker(
    gateway: tuple[subprocess.Popen[bytes], int, Path],
) -> None:
    server, port, log_path = gateway
    workers = children(server.pid)
    server.terminate()
    assert server.wait(timeout=30) == 0
    assert not alive(workers)
    assert log_path.read_text().count("Application shutdown complete") == WORKERS
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)


def test_ctrl_c_while_workers_start_stops_everything_without_a_traceback(
    cli: CliRunner, tmp_path: Path
) -> None:
    assert cli("init").code == 0
    log_path = tmp_path / "gateway.log"
    command = [sys.executable, "-m", "airlock.cli.main", "serve", "--port", str(free_port())]
    with log_path.open("w") as log:
        # Its own process group, as a terminal makes one: Ctrl-C reaches every process in it.
        server = subprocess.Popen(
            [*command, "--workers", str(WORKERS)],
            env={**os.environ, "AIRLOCK_HOME": str(cli.home)},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_for(
                lambda: log_path.read_text().count("Started gateway worker") == WORKERS,
                "the workers to be spawned",
            )
            workers = children(server.pid)
            # Mid-import: Python's own SIGINT handler is in place (a Ctrl-C earlier kills a
            # worker silently) and the app's modules are loading.
            wait_for(
                lambda: all(b"pydantic_core" in _maps(pid) for pid in workers),
                "the workers to be importing the app",
            )
            assert "Application startup complete" not in log_path.read_text()
            os.killpg(server.pid, signal.SIGINT)
            assert server.wait(timeout=30) == 0
        finally:
            if server.poll() is None:
                server.kill()
                server.wait()
    assert not alive(workers)
    assert "Traceback" not in log_path.read_text(), log_path.read_text()
