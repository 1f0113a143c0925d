"""The schema revision this code needs, apart from the table definitions, so a reader that
does without SQLAlchemy (:mod:`airlock.store.sqlite_glance`) can check it too."""

from __future__ import annotations

from collections.abc import Sequence

from airlock.errors import StoreError

SCHEMA_REVISION = "0019_budget_leases"  # issue 20: output budget leases


def require_revision(revisions: Sequence[str]) -> None:
    """Judge the rows of Alembic's version table as Alembic's ``get_current_revision`` does
    (our migrations are one line of history, so one row).

    Raises: StoreError unless they say exactly :data:`SCHEMA_REVISION`.
    """
    current = revisions[0] if len(revisions) == 1 else ", ".join(revisions) or None
    if current != SCHEMA_REVISION:
        raise StoreError(
            f"database schema is at revision {current or 'none'}, airlock needs "
            f"{SCHEMA_REVISION}: run `airlock init` to migrate it"
        )
