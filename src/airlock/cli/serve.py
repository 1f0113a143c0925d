"""`airlock serve`: run the gateway, in one process or in workers fed by a supervisor."""

from __future__ import annotations

import contextlib
import errno
import functools
import logging
import os
import socket
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from airlock.cli.context import CliContext, pass_cli
from airlock.domain.principals import Principal, Role
from airlock.errors import ServerError, StoreError
from airlock.ops.logs import configure_logging
from airlock.settings import MAX_WORKERS, Settings

METRICS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"

# The application (FastAPI, pydantic, the routes) is imported where it is built: with
# several workers the supervising parent never builds it, and each worker imports it once
# (issue 13: gateway ready within 2 s).
if TYPE_CHECKING:
    import uvicorn
    from fastapi import FastAPI

    from airlock.service import Airlock


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
@click.option(
    "--unix-socket",
    "unix_socket",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Serve on this Unix socket instead (one process): people on this host are signed in "
    "as the principal [identity] os_users maps their OS user to (SO_PEERCRED), no token.",
)
@pass_cli
def serve_command(
    cli: CliContext,
    host: str | None,
    port: int | None,
    workers: int | None,
    unix_socket: Path | None,
) -> None:
    """Run the HTTP gateway (JSON API, /openapi.json, /healthz and the web UI)."""
    settings = cli.settings()
    if unix_socket is not None:
        airlock = cli.airlock()
        airlock.ledger.check_not_rolled_back()
        sock = bind_unix_socket(unix_socket)
        _configure_logging()
        _sweep_outbox(airlock)
        logging.getLogger("airlock.gateway").info(
            "airlock gateway for enclave %s on unix:%s (1 worker; peers signed in by "
            "[identity] os_users)",
            settings.enclave_name,
            unix_socket,
        )
        try:
            build_server(airlock, "info").run(sockets=[sock])
        finally:
            with contextlib.suppress(OSError):
                unix_socket.unlink()
        return
    host = host or settings.server.host
    port = port or settings.server.port
    workers = workers or settings.server.worker_count
    airlock = cli.airlock()  # fails here, once, if the store or policy is not ready
    airlock.ledger.check_not_rolled_back()  # and here, before any worker, on a rolled-back log
    sock = bind_socket(host, port)
    _configure_logging()
    _sweep_outbox(airlock)
    logging.getLogger("airlock.gateway").info(
        "airlock gateway for enclave %s on http://%s:%d/ (%d worker%s)",
        settings.enclave_name,
        host,
        port,
        workers,
        "s" if workers > 1 else "",
    )
    hint = next_step(airlock.list_principals(), host, port)
    if hint:  # a log record like the line above: JSON lines off a terminal (issue 21)
        logging.getLogger("airlock.gateway").warning("%s", hint)
    if settings.outputs.upstream_url and not settings.outputs.release_quantum_ms:
        logging.getLogger("airlock.gateway").warning(
            "the inference gateway forwards answers as the upstream times them: a "
            "compromised upstream can signal through that timing, which no replay sees. "
            "Set [outputs] release_quantum_ms (e.g. 50) to close it (docs/adr/0064)"
        )
    if workers == 1:
        build_server(airlock, "info").run(sockets=[sock])
        return
    cli.close()  # each worker opens its own store connections
    run_workers(settings, sock, workers, "info")


def next_step(principals: Sequence[Principal], host: str, port: int) -> str:
    """What to do first on a gateway that nobody can administer yet ("" once someone can).

    `make run` on a fresh checkout ends in `airlock serve`, and the web UI wants a token
    that only `airlock principal add` prints (issue 13).
    """
    if any(p.role is Role.ADMIN for p in principals):
        return ""
    local = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)  # noqa: S104 -- a name, not a bind
    shown = f"[{local}]" if ":" in local else local
    return (
        "no admin yet: in another shell run `airlock principal add NAME --role admin` "
        "(it prints the admin's API token once), then open "
        f"http://{shown}:{port}/ui/login and sign in with that token"
    )


def _sweep_outbox(airlock: Airlock) -> None:
    # Once, in the process that starts the gateway, before any worker takes an upload: what
    # a crash left in the outbox (issue 22). A failure leaves the outbox as it was.
    try:
        swept = airlock.sweep_outbox()
    except StoreError as e:
        logging.getLogger("airlock.gateway").warning("outbox sweep skipped: %s", e.message)
        return
    if swept.incoming or swept.orphans:
        logging.getLogger("airlock.gateway").info(
            "outbox: removed %d partial upload(s) and %d unreferenced artifact(s), %d bytes",
            swept.incoming,
            swept.orphans,
            swept.bytes_freed,
        )


def build_server(airlock: Airlock, log_level: str) -> uvicorn.Server:
    """The uvicorn server for the gateway, with airlock's limits on headers."""
    import uvicorn

    from airlock.api.app import create_app

    server = uvicorn.Server(_config(create_app(airlock), log_level, airlock.settings))
    _configure_access_log(airlock.settings.server.access_log)  # after uvicorn set its loggers
    return server


def _config(app: Any, log_level: str, settings: Settings, **options: Any) -> uvicorn.Config:
    # httptools and uvloop parse and schedule in C: together with logging only refused
    # requests they took a small export from about 4.9 to 4.1 ms of CPU (ADR 0005).
    from airlock.api.http_protocol import (
        BoundedHeadHttpToolsProtocol,
        ConnectionLimits,
        GatewayConfig,
    )

    uploads = settings.uploads
    proxies = settings.server.trusted_proxies
    return GatewayConfig(
        app,
        limits=ConnectionLimits(
            head_timeout=uploads.head_timeout_seconds,
            body_idle=uploads.body_idle_seconds,
            max_per_client=uploads.max_connections_per_client,
        ),
        log_config=None,  # uvicorn's loggers go to the root handler (JSON lines, issue 21)
        log_level=log_level,
        http=BoundedHeadHttpToolsProtocol,
        loop="uvloop",
        server_header=False,
        # X-Forwarded-* only from the proxies named in the config, never by default
        # (uvicorn's default believes any client on 127.0.0.1: docs/adr/0055).
        proxy_headers=bool(proxies),
        forwarded_allow_ips=proxies,
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
    from airlock.api.supervisor import Supervisor

    config = _config(functools.partial(_worker_app, settings), log_level, settings, factory=True)
    with _multiprocess_metrics():
        started = Supervisor(config, sock, workers).run()
    if not started:
        raise ServerError(
            "the gateway's workers could not start: see the log above, fix the cause and "
            "run `airlock serve` again"
        )


def _worker_app(settings: Settings) -> FastAPI:
    # Runs in each freshly spawned worker process (the supervisor pickles the config across).
    _configure_logging()
    _configure_access_log(settings.server.access_log)
    from airlock.api.app import create_app
    from airlock.service import Airlock

    return create_app(Airlock.from_settings(settings), os.environ.get(METRICS_DIR_ENV) or None)


@contextlib.contextmanager
def _multiprocess_metrics() -> Iterator[None]:
    """A fresh prometheus_client multiprocess folder for this run's workers (issue 21).

    It must be in the environment before a worker imports prometheus_client, so it is set
    here, before the supervisor spawns them; they inherit it. An operator's own folder is
    used as given (and not emptied).
    """
    if os.environ.get(METRICS_DIR_ENV):
        yield
        return
    with tempfile.TemporaryDirectory(prefix="airlock-metrics-") as folder:
        os.environ[METRICS_DIR_ENV] = folder
        try:
            yield
        finally:
            del os.environ[METRICS_DIR_ENV]


def _configure_logging() -> None:
    # JSON lines unless standard error is a terminal (AIRLOCK_LOG_FORMAT overrides; issue 21).
    configure_logging(os.environ)


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


def bind_unix_socket(path: Path) -> socket.socket:
    """A listening Unix socket at ``path`` that every local user may connect to: who they
    are is what the kernel says (SO_PEERCRED), mapped by ``[identity] os_users``; a user
    not mapped gets 401 unless they send a token. A stale socket file is replaced; any
    other file there is an error.

    Raises: ServerError.
    """
    if path.is_socket():
        path.unlink()
    elif path.exists():
        raise ServerError(f"{path} exists and is not a socket: choose another --unix-socket")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.bind(str(path))
        path.chmod(0o666)  # connecting proves nothing by itself; the mapping decides
        sock.listen(2048)
    except OSError as e:
        sock.close()
        raise ServerError(f"cannot listen on unix:{path}: {e.strerror}") from e
    return sock


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
