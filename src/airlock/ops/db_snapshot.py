"""Consistent copies of the store's database: SQLite's online backup API, PostgreSQL's
``pg_dump`` (one repeatable-read snapshot) and ``pg_restore``.

Both copies are taken while the gateway keeps writing: SQLite's backup copies a single
read snapshot of the pages, and pg_dump runs in one transaction, so either copy is the
database at one instant, with every ledger entry and the decisions it names, or neither.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from airlock.errors import ConfigError, StoreError
from airlock.store import schema
from airlock.store.sql import create_store_engine
from airlock.store.sql_engine import redact

_PG_TIMEOUT_SECONDS = 3600


def backend_of(database_url: str) -> str:
    return make_url(database_url).get_backend_name()


def sqlite_path(database_url: str) -> Path:
    """Raises: ConfigError for an in-memory or path-less SQLite URL."""
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise ConfigError("an in-memory SQLite database cannot be backed up or restored")
    return Path(database)


def dump(database_url: str, target: Path) -> None:
    """Write a consistent copy of the database to ``target``.

    Raises:
        StoreError: the copy failed (the message says why).
        ConfigError: pg_dump is not installed.
    """
    if backend_of(database_url) == "sqlite":
        source = sqlite_path(database_url)
        try:
            src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
            try:
                dst = sqlite3.connect(target)
                try:
                    src.backup(dst)  # all pages, from one read snapshot
                finally:
                    dst.close()
            finally:
                src.close()
        except sqlite3.Error as e:
            raise StoreError(f"SQLite backup of {source} failed: {e}") from e
        return
    _run_pg(
        "pg_dump",
        ["--format=custom", "--no-owner", "--no-privileges", "-f", str(target)],
        database_url,
    )


def ensure_empty(database_url: str) -> None:
    """Raises: StoreError when the target already holds a database (never overwritten)."""
    if backend_of(database_url) == "sqlite":
        target = sqlite_path(database_url)
        if target.exists():
            raise StoreError(f"{target} exists: restore only into a new database file")
    elif has_store(database_url):
        raise StoreError(
            f"{redact(database_url)} already holds an airlock store: restore into an empty "
            "database, or drop it first if it is the damaged one"
        )


def load(database_url: str, source: Path) -> None:
    """Load a copy made by :func:`dump` into an empty database.

    Raises:
        StoreError: the target already holds an airlock store, or loading failed.
    """
    ensure_empty(database_url)
    if backend_of(database_url) == "sqlite":
        shutil.copyfile(source, sqlite_path(database_url))
        return
    _run_pg(
        "pg_restore",
        ["--no-owner", "--no-privileges", "--exit-on-error", str(source)],
        database_url,
    )


def has_store(database_url: str) -> bool:
    engine = create_store_engine(database_url)
    try:
        names = set(inspect(engine).get_table_names())
    except SQLAlchemyError as e:
        raise StoreError(f"cannot reach {redact(database_url)}: {e}") from e
    finally:
        engine.dispose()
    return bool(names & {"alembic_version", "ledger_entries"})


def drop_store(database_url: str) -> None:
    """Undo a PostgreSQL load that did not verify (the database was empty before it)."""
    if backend_of(database_url) == "sqlite":
        sqlite_path(database_url).unlink(missing_ok=True)
        return
    engine = create_store_engine(database_url)
    try:
        with engine.begin() as c:
            for table in reversed(schema.metadata.sorted_tables):
                c.execute(text(f'DROP TABLE IF EXISTS "{table.name}" CASCADE'))
            c.execute(text("DROP TABLE IF EXISTS alembic_version"))
    finally:
        engine.dispose()


def _run_pg(tool: str, arguments: list[str], database_url: str) -> None:
    program = shutil.which(tool)
    if program is None:
        raise ConfigError(f"{tool} is not installed: install the PostgreSQL client tools")
    url = make_url(database_url)
    # Connection details go through libpq's environment, not argv: a password in the
    # command line would show in every process listing.
    env = {
        "PGHOST": url.host or "",
        "PGPORT": str(url.port or 5432),
        "PGUSER": url.username or "",
        "PGPASSWORD": url.password or "",
        "PGDATABASE": url.database or "",
    }
    env = {**os.environ, **{k: v for k, v in env.items() if v}}
    command = [program, *arguments]
    if tool == "pg_restore":
        command.insert(-1, f"--dbname={url.database}")
    try:
        done = subprocess.run(  # noqa: S603 -- fixed program, arguments built here
            command, env=env, capture_output=True, timeout=_PG_TIMEOUT_SECONDS, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        raise StoreError(f"{tool} could not run: {e}") from e
    if done.returncode != 0:
        detail = done.stderr.decode(errors="replace").strip()[-500:]
        raise StoreError(f"{tool} failed for {redact(database_url)}: {detail}")
