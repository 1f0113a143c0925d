"""`airlock serve`: run the gateway."""

from __future__ import annotations

import errno
import logging
import socket

import click
import uvicorn

from airlock.api.app import create_app
from airlock.cli.context import CliContext, pass_cli
from airlock.errors import ServerError
from airlock.service import Airlock

MAX_HEADER_BYTES = 16 * 1024


@click.command("serve")
@click.option("--host", default=None, help="Address to listen on (default from config).")
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=None,
    help="Port to listen on (default from config, 8750).",
)
@pass_cli
def serve_command(cli: CliContext, host: str | None, port: int | None) -> None:
    """Run the HTTP gateway (JSON API, /openapi.json, /healthz and the web UI)."""
    settings = cli.settings()
    host = host or settings.server.host
    port = port or settings.server.port
    airlock = cli.airlock()
    sock = bind_socket(host, port)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)  # readiness probes would spam it
    click.echo(
        f"airlock gateway for enclave {settings.enclave_name} on http://{host}:{port}/", err=True
    )
    build_server(airlock, "info").run(sockets=[sock])


def build_server(airlock: Airlock, log_level: str) -> uvicorn.Server:
    """The uvicorn server for the gateway, with airlock's limits on headers."""
    config = uvicorn.Config(
        create_app(airlock),
        log_level=log_level,
        h11_max_incomplete_event_size=MAX_HEADER_BYTES,
        server_header=False,
    )
    return uvicorn.Server(config)


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
