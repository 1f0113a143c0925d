"""A throwaway PostgreSQL server for the suite, started on first use when none is given.

``AIRLOCK_TEST_POSTGRES_URL`` names a server to use (``.ci/run`` starts one). Without it, and
with Debian's server binaries installed, the first test that needs PostgreSQL starts a private
cluster in a temporary folder on 127.0.0.1 and a free port; it is stopped and removed when the
session ends. As root, the cluster runs as the ``postgres`` system user (``initdb`` refuses root).
"""

from __future__ import annotations

import atexit
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

DATABASE = "airlock_test"


@dataclass
class _Cluster:
    url: str | None = None
    failure: str | None = None
    stop_command: list[str] | None = None
    data_dir: str | None = None
    user: str | None = None


_cluster = _Cluster()


def server_binaries() -> Path | None:
    """The newest installed PostgreSQL server's bin folder, if any."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=_version_key)
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb and shutil.which("pg_ctl") else None


def _version_key(path: Path) -> tuple[int, ...]:
    version = path.parents[1].name
    return tuple(int(part) for part in version.split(".") if part.isdigit())


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def throwaway_url() -> str | None:
    """A URL of this session's private server, started now if need be; None when no server
    can be started here (``failure_reason`` says why)."""
    if _cluster.url or _cluster.failure:
        return _cluster.url
    binaries = server_binaries()
    if binaries is None:
        _cluster.failure = "no PostgreSQL server binaries are installed"
        return None
    try:
        _cluster.url = _start(binaries)
    except (OSError, subprocess.SubprocessError, KeyError) as error:
        _cluster.failure = f"could not start a throwaway PostgreSQL server: {error}"
        return None
    atexit.register(stop)
    return _cluster.url


def failure_reason() -> str:
    return _cluster.failure or "no PostgreSQL server"


def _start(binaries: Path) -> str:
    user = "postgres" if os.geteuid() == 0 else None
    data_dir = tempfile.mkdtemp(prefix="airlock-test-pg-")
    if user:
        entry = pwd.getpwnam(user)
        os.chown(data_dir, entry.pw_uid, entry.pw_gid)
    port = _free_port()
    _cluster.data_dir, _cluster.user = data_dir, user

    def run(*command: str) -> None:
        subprocess.run(command, user=user, check=True, capture_output=True, timeout=120)

    run(str(binaries / "initdb"), "-D", data_dir, "-A", "trust", "-U", "postgres", "--no-sync")
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {data_dir} -c fsync=off"
    log = str(Path(data_dir) / "server.log")
    run(str(binaries / "pg_ctl"), "-D", data_dir, "-l", log, "-w", "-o", options, "start")
    _cluster.stop_command = [str(binaries / "pg_ctl"), "-D", data_dir, "-m", "immediate", "stop"]
    run(str(binaries / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", DATABASE)
    return f"postgresql://postgres@127.0.0.1:{port}/{DATABASE}"


def stop() -> None:
    """Stop and remove the private server, if this session started one."""
    if _cluster.stop_command:
        subprocess.run(
            _cluster.stop_command, user=_cluster.user, capture_output=True, check=False, timeout=60
        )
        _cluster.stop_command = None
    if _cluster.data_dir:
        shutil.rmtree(_cluster.data_dir, ignore_errors=True)
        _cluster.data_dir = None
