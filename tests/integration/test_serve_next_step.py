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


def test_serve_warns_while_the_output_timing_channel_is_open(
    initialised_cli: CliRunner, tmp_path: Path
) -> None:
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "w.bin").write_bytes(b"w")
    digest = initialised_cli("outputs", "digest", str(tmp_path / "m")).out.strip()
    config = initialised_cli.home / "config.toml"
    outputs = (
        f'\n[outputs]\nupstream_url = "http://127.0.0.1:9"\nmodel = "m"\n'
        f'model_digest = "{digest}"\n'
    )
    config.write_text(config.read_text() + outputs)
    assert "release_quantum_ms" in first_start_log(initialised_cli, tmp_path, "open")
    config.write_text(config.read_text() + "release_quantum_ms = 50\n")
    assert "release_quantum_ms" not in first_start_log(initialised_cli, tmp_path, "held")
