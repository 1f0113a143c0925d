"""`airlock serve`: run the gateway, in one process or in workers fed by a supervisor."""

from __future__ import annotations

import errno
import functools
import logging
import socket
from typing import Any

import click
import uvicorn
from fastapi import FastAPI

from airlock.api.app import create_app
from airlock.api.http_protocol import BoundedHeadHttpToolsProtocol, ConnectionLimits, GatewayConfig
from airlock.api.supervisor import Supervisor
from airlock.cli.context import CliContext, pass_cli
from airlock.errors import ServerError, StoreError
from airlock.service import Airlock
from airlock.settings import MAX_WORKERS, Settings


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
    _sweep_outbox(airlock)
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


def _sweep_outbox(airlock: Airlock) -> None:
    # Once, in the process that starts the gateway, before any worker takes an upload: what
    # a crash left in the outbox (issue 22). A failure leaves the outbox as it was.
    try:
        swept = airlock.sweep_outbox()
    except StoreError as e:
        click.echo(f"warning: {e.message}", err=True)
        return
    if swept.incoming or swept.orphans:
        click.echo(
            f"outbox: removed {swept.incoming} partial upload(s) and {swept.orphans} "
            f"unreferenced artifact(s), {swept.bytes_freed} bytes",
            err=True,
        )


def build_server(airlock: Airlock, log_level: str) -> uvicorn.Server:
    """The uvicorn server for the gateway, with airlock's limits on headers."""
    server = uvicorn.Server(_config(create_app(airlock), log_level, airlock.settings))
    _configure_access_log(airlock.settings.server.access_log)  # after uvicorn set its loggers
    return server


def _config(app: Any, log_level: str, settings: Settings, **options: Any) -> uvicorn.Config:
    # httptools and uvloop parse and schedule in C: together with logging only refused
    # requests they took a small export from about 4.9 to 4.1 ms of CPU (ADR 0005).
    uploads = settings.uploads
    return GatewayConfig(
        app,
        limits=ConnectionLimits(
            head_timeout=uploads.head_timeout_seconds,
            body_idle=uploads.body_idle_seconds,
            max_per_client=uploads.max_connections_per_client,
        ),
        log_level=log_level,
        http=BoundedHeadHttpToolsProtocol,
        loop="uvloop",
        server_header=False,
        **options,
    )


def run_workers(settings: Settings, sock: socket.socket, workers: int, log_level: str) -> None:
    """Serve ``sock`` from ``workers`` processes until interrupted.

    The parent accepts and hands each connection to the least busy worker
    (:mod:`airlock.api.supervisor`). Each worker opens its own facade from ``settings``.
    What keeps them consistent is the database: SQLite's write lock or PostgreSQL's row
    locks order every ledger append and budget reservation, whichever process makes it.

    Raises:
        ServerError: a worker could not start (its log says why).
    """
    config = _config(functools.partial(_worker_app, settings), log_level, settings, factory=True)
    if not Supervisor(config, sock, workers).run():
        raise ServerError(
            "the gateway's workers could not start: see the log above, fix the cause and "
            "run `airlock serve` again"
        )


def _worker_app(settings: Settings) -> FastAPI:
    # Runs in each freshly spawned worker process (the supervisor pickles the config across).
    _configure_logging()
    _configure_access_log(settings.server.access_log)
    return create_app(Airlock.from_settings(settings))


def _configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)  # readiness probes would spam it


class _RefusalsOnly(logging.Filter):
    """Passes uvicorn access lines whose status is 400 or more (its format ends in %d)."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = record.args[-1] if isinstance(record.args, tuple) and record.args else None
        return not isinstance(status, int) or status >= 400


def _configure_access_log(choice: str) -> None:
    access = logging.getLogger("uvicorn.access")
    access.disabled = choice == "off"
    for old in [f for f in access.filters if isinstance(f, _RefusalsOnly)]:
        access.removeFilter(old)
    if choice == "refusals":
        access.addFilter(_RefusalsOnly())


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
