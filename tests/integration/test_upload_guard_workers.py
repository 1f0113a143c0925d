"""The upload and connection bounds hold in `airlock serve --workers 2` (issue 22's setup)."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

from tests.support.gateway import CliRunner, free_port, serve_process
from tests.support.uploads import stream_upload

GIB = 1024**3
MIB = 1024**2


def test_two_workers_refuse_early_and_cut_silent_connections(
    initialised_cli: CliRunner, tmp_path: Path
) -> None:
    with (initialised_cli.home / "config.toml").open("a", encoding="utf-8") as config:
        config.write("\n[uploads]\nhead_timeout_seconds = 1\n")
    port = free_port()
    log_path = tmp_path / "gateway.log"
    with log_path.open("w") as log:
        server = serve_process({**os.environ, **initialised_cli.env}, port, 2, log)
        try:
            deadline = time.monotonic() + 30
            while log_path.read_text().count("Application startup complete") < 2:
                assert time.monotonic() < deadline, log_path.read_text()
                assert server.poll() is None, log_path.read_text()
                time.sleep(0.1)
            uploads = [stream_upload(port, "/exports", size=GIB) for _ in range(2)]
            with socket.create_connection(("127.0.0.1", port), timeout=5) as silent:
                started = time.monotonic()
                silent.settimeout(4)
                said = b""
                while chunk := silent.recv(4096):  # until the worker that holds it closes it
                    said += chunk
                waited = time.monotonic() - started
        finally:
            server.terminate()
            server.wait(timeout=20)
    for upload in uploads:
        assert upload.status == 401, upload.answer[:300]
        assert upload.sent < MIB
    assert waited < 3
    assert said.startswith(b"HTTP/1.1 408"), said
