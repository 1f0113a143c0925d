"""`airlock serve` on a fresh home says how to create the first admin and where to sign in;
once an admin exists it says nothing more (issue 13: `make run` is `init` then `serve`)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from tests.support.gateway import CliRunner, free_port, serve_process

HINT = "no admin yet"
STARTED = "Application startup complete"
START_LIMIT_SECONDS = 120  # a liveness bound on a loaded machine, not a timing assertion


def first_start_log(cli: CliRunner, tmp_path: Path, name: str) -> str:
    """The gateway's output from spawn until it serves (then it is stopped)."""
    env = {**os.environ, "AIRLOCK_HOME": str(cli.home)}
    port = free_port()
    log_path = tmp_path / f"{name}.log"
    with log_path.open("w") as log:
        server = serve_process(env, port, 1, log)
        try:
            deadline = time.monotonic() + START_LIMIT_SECONDS
            while STARTED not in log_path.read_text():
                assert time.monotonic() < deadline, log_path.read_text()
                assert server.poll() is None, log_path.read_text()
                time.sleep(0.05)
        finally:
            server.terminate()
            server.wait(timeout=30)
    return log_path.read_text().replace(str(port), "PORT")


def test_serve_prints_the_next_step_until_an_admin_exists(
    initialised_cli: CliRunner, tmp_path: Path
) -> None:
    fresh = first_start_log(initialised_cli, tmp_path, "fresh")
    assert HINT in fresh
    assert "`airlock principal add NAME --role admin`" in fresh
    assert "http://127.0.0.1:PORT/ui/login" in fresh

    assert initialised_cli("principal", "add", "ann", "--role", "admin").code == 0
    assert HINT not in first_start_log(initialised_cli, tmp_path, "with-admin")
