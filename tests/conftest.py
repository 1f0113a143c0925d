"""Suite-wide guards and fixtures.

Only loopback traffic is allowed: any attempt to connect elsewhere fails the test loudly.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from airlock.store.sql import SqlStore, create_store_engine
from tests.support.legs import POSTGRES, skip_leg, write_summary
from tests.support.postgres_server import failure_reason, throwaway_url

pytest_plugins = ["tests.support.gateway", "tests.support.softhsm"]

REPO_ROOT = Path(__file__).resolve().parents[1]
TEST_DATA = REPO_ROOT / "tests" / "data"  # test inputs that ship with the repository
_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _is_loopback(address: Any) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX path
        return True
    host = address[0]
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded_connect(self: socket.socket, address: Any) -> None:
    if not _is_loopback(address):
        raise AssertionError(f"test tried to reach {address!r}: only loopback is allowed")
    _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    if not _is_loopback(address):
        raise AssertionError(f"test tried to reach {address!r}: only loopback is allowed")
    return _real_connect_ex(self, address)


def pytest_configure(config: pytest.Config) -> None:
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign,assignment]


def pytest_unconfigure(config: pytest.Config) -> None:
    # After pytest's own summary, so the skipped legs are the last thing a person reads.
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        write_summary(reporter)


def postgres_url_or_skip() -> str:
    """The test PostgreSQL server: the one ``AIRLOCK_TEST_POSTGRES_URL`` names, else a throwaway
    server of this session's; with neither the leg is skipped (in CI it fails)."""
    url = os.environ.get("AIRLOCK_TEST_POSTGRES_URL", "").strip() or throwaway_url()
    if not url:
        skip_leg(POSTGRES, failure_reason())
    return url


def reset_postgres(url: str) -> None:
    """Drop everything in the test database so each test starts from an empty schema."""
    engine = create_store_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


@pytest.fixture
def postgres_url() -> str:
    url = postgres_url_or_skip()
    reset_postgres(url)
    return url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'airlock.db'}"


@pytest.fixture
def sqlite_store(sqlite_url: str) -> Iterator[SqlStore]:
    store = SqlStore.from_url(sqlite_url)
    store.migrate()
    yield store
    store.close()
