"""`airlock serve` sweeps what a crash left in the outbox before it serves (issue 22)."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

from tests.support.gateway import CliRunner, free_port, serve_process


def test_serve_sweeps_partial_uploads_and_orphans_at_start(
    initialised_cli: CliRunner, tmp_path: Path
) -> None:
    home = initialised_cli.home
    with (home / "config.toml").open("a", encoding="utf-8") as config:
        config.write("\n[uploads]\norphan_min_age_seconds = 0\n")
    outbox = home / "outbox"
    outbox.mkdir(mode=0o700, exist_ok=True)
    (outbox / ".incoming-k2j3h4").write_bytes(b"\0" * 100_000)
    orphan = outbox / hashlib.sha256(b"stored, never decided").hexdigest()
    orphan.write_bytes(b"stored, never decided")
    (outbox / "notes.txt").write_text("not an artifact")
    log_path = tmp_path / "gateway.log"
    with log_path.open("w") as log:
        server = serve_process({**os.environ, **initialised_cli.env}, free_port(), 1, log)
        try:
            deadline = time.monotonic() + 30
            while "Application startup complete" not in log_path.read_text():
                assert time.monotonic() < deadline, log_path.read_text()
                assert server.poll() is None, log_path.read_text()
                time.sleep(0.1)
        finally:
            server.terminate()
            server.wait(timeout=20)
    assert sorted(p.name for p in outbox.iterdir()) == ["notes.txt"]
    assert "removed 1 partial upload(s) and 1 unreferenced artifact(s)" in log_path.read_text()
