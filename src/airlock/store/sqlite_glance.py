"""A read-only glance at an SQLite store with the standard library alone, for `airlock status`.

Opening the store through SQLAlchemy costs about 0.2 s of imports before the first query;
a status needs three counts, the budgets and each protected model's size, which ``sqlite3``
reads in milliseconds (issue 13: a 0.3 s CLI). The file is opened read-only (``mode=ro``),
so a glance can never change or create a database, and the schema revision is checked
exactly as :meth:`SqlStore.check_ready` does, so an unmigrated store is refused the same way.
``tests/unit/store/test_sqlite_glance.py`` holds these reads equal to the SQLAlchemy ones.
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

from airlock.budgets.limits import Budget, BudgetScope
from airlock.domain.requests import RequestStatus
from airlock.enclave_status import StoreGlance
from airlock.errors import StoreError
from airlock.store.revision import require_revision

_SQLITE_PREFIX = "sqlite:///"


def sqlite_file(database_url: str) -> Path | None:
    """The database file of a plain ``sqlite:///PATH`` URL; None for any other store (or an
    SQLite URL with a driver or query options, which only SQLAlchemy should interpret)."""
    if not database_url.startswith(_SQLITE_PREFIX) or "?" in database_url:
        return None
    path = database_url[len(_SQLITE_PREFIX) :]
    return Path(path) if path and path != ":memory:" else None


def glance(path: Path) -> StoreGlance:
    """Raises: StoreError when the file is missing, unreadable, not a migrated airlock store."""
    if not path.is_file():
        raise StoreError(f"no database at {path}: run `airlock init` first")
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    try:
        connection = sqlite3.connect(uri, uri=True, timeout=5.0)
    except sqlite3.Error as e:
        raise StoreError(f"cannot open the database {path}: {e}") from e
    try:
        connection.execute("BEGIN")  # one snapshot for every count
        _check_revision(connection)
        return _read(connection)
    except sqlite3.Error as e:
        raise StoreError(f"cannot read the database {path}: {e}") from e
    finally:
        connection.close()


def _check_revision(connection: sqlite3.Connection) -> None:
    has_table = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
    ).fetchone()
    revisions = (
        [str(r[0]) for r in connection.execute("SELECT version_num FROM alembic_version")]
        if has_table
        else []
    )
    require_revision(revisions)


def _read(connection: sqlite3.Connection) -> StoreGlance:
    principals = connection.execute("SELECT count(*) FROM principals").fetchone()[0]
    projects = connection.execute("SELECT count(*) FROM projects").fetchone()[0]
    by_status = dict.fromkeys(RequestStatus, 0)
    for status, count in connection.execute(
        "SELECT status, count(*) FROM requests GROUP BY status"
    ):
        by_status[RequestStatus(status)] = int(count)
    budgets = [
        Budget(BudgetScope(scope), subject, int(limit), timedelta(seconds=int(window)))
        for scope, subject, limit, window in connection.execute(
            "SELECT scope, subject, limit_bytes, window_seconds FROM budgets "
            "WHERE inherited = 0 ORDER BY scope, subject"
        )
    ]
    models = [
        (str(name), int(size))
        for name, size in connection.execute(
            "SELECT name, size_bytes FROM protected_models ORDER BY name"
        )
    ]
    return StoreGlance(
        backend="sqlite",
        principals=int(principals),
        projects=int(projects),
        requests_by_status=by_status,
        budgets=budgets,
        models=models,
    )
