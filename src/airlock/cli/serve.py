"""`airlock serve`: run the gateway, in one process or several sharing one socket."""

from __future__ import annotations

import errno
import functools
import logging
import socket

import click
import uvicorn
from fastapi import FastAPI
from uvicorn.supervisors import Multiprocess

from airlock.api.app import create_app
from airlock.cli.context import CliContext, pass_cli
from airlock.errors import ServerError
from airlock.service import Airlock
from airlock.settings import MAX_WORKERS, Settings

MAX_HEADER_BYTES = 16 * 1024


@click.command("serve")
@click.option("--host", default=None, help="Address to listen on (default from config).")
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=None,
    help="Port to listen on (default from config, 8750).",
)
@click.option(
    "--workers",
    type=click.IntRange(1, MAX_WORKERS),
    default=None,
    help="Gateway processes (default from config; one per CPU unless set).",
)
@pass_cli
def serve_command(cli: CliContext, host: str | None, port: int | None, workers: int | None) -> None:
    """Run the HTTP gateway (JSON API, /openapi.json, /healthz and the web UI)."""
    settings = cli.settings()
    host = host or settings.server.host
    port = port or settings.server.port
    workers = workers or settings.server.worker_count
    airlock = cli.airlock()  # fails here, once, if the store or policy is not ready
    sock = bind_socket(host, port)
    _configure_logging()
    click.echo(
        f"airlock gateway for enclave {settings.enclave_name} on http://{host}:{port}/ "
        f"({workers} worker{'s' if workers > 1 else ''})",
        err=True,
    )
    if workers == 1:
        build_server(airlock, "info").run(sockets=[sock])
        return
    cli.close()  # each worker opens its own store connections
    run_workers(settings, sock, workers, "info")


def build_server(airlock: Airlock, log_level: str) -> uvicorn.Server:
    """The uvicorn server for the gateway, with airlock's limits on headers."""
    config = uvicorn.Config(
        create_app(airlock),
        log_level=log_level,
        h11_max_incomplete_event_size=MAX_HEADER_BYTES,
        server_header=False,
    )
    return uvicorn.Server(config)


def run_workers(settings: Settings, sock: socket.socket, workers: int, log_level: str) -> None:
    """Serve ``sock`` from ``workers`` processes until interrupted.

    Each process opens its own facade from ``settings``. What keeps them consistent is the
    database: SQLite's write lock or PostgreSQL's row locks order every ledger append and
    budget reservation, whichever process makes it.
    """
    config = uvicorn.Config(
        functools.partial(_worker_app, settings),
        factory=True,
        workers=workers,
        log_level=log_level,
        h11_max_incomplete_event_size=MAX_HEADER_BYTES,
        server_header=False,
    )
    Multiprocess(config, sockets=[sock]).run()


def _worker_app(settings: Settings) -> FastAPI:
    # Runs in each freshly spawned worker process (uvicorn pickles the config across).
    _configure_logging()
    return create_app(Airlock.from_settings(settings))


def _configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)  # readiness probes would spam it


def bind_socket(host: str, port: int) -> socket.socket:
    """Bind before starting the server so a busy port is one clear error, not a log dump.

    Raises:
        ServerError: the address is in use, not local, or not permitted.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as e:
        raise ServerError(f"cannot resolve host {host!r}: {e.strerror}") from e
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(2048)
    except OSError as e:
        sock.close()
        if e.errno == errno.EADDRINUSE:
            raise ServerError(
                f"port {port} on {host} is already in use: stop the other process or pass "
                "--port with a free port"
            ) from e
        raise ServerError(f"cannot listen on {host}:{port}: {e.strerror}") from e
    sock.set_inheritable(True)
    return sock
