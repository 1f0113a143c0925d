"""A running total per budget, and reservations indexed by when they leave the window.

Before, every reservation summed its budgets' whole window (docs/adr/0006): at 300
exports/s, millions of rows per export within a day. Reservations get ``expires_at``
(``at`` plus their budget's window), budgets a total and the instant it is counted after.
Totals start unset (NULL ``counted_after``): the first reservation after the upgrade
counts each budget's window once, with that reservation's own clock.

The date arithmetic is written out per backend here, not imported, so that this revision
keeps doing what it did when it was written.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from airlock.store.schema import UtcDateTime

revision = "0010"
down_revision: str | None = "0009"
branch_labels: str | None = None
depends_on: str | None = None

# Rows of a key without a budget expire at once; set_budget recounts them if one is set.
# SQLite keeps UtcDateTime as 'YYYY-MM-DD HH:MM:SS.ffffff'. datetime() would round the
# fraction to milliseconds (.9995 s becomes the next second), so only the whole seconds
# go through it and the fraction is carried over as text.
_EXPIRES_AT = {
    "sqlite": (
        "UPDATE budget_usage SET expires_at = coalesce(("
        " SELECT datetime(substr(budget_usage.at, 1, 19), '+' || b.window_seconds || ' seconds')"
        " || substr(budget_usage.at, 20)"
        " FROM budgets AS b"
        " WHERE b.scope = budget_usage.scope AND b.subject = budget_usage.subject"
        "), at)"
    ),
    "postgresql": (
        "UPDATE budget_usage SET expires_at = coalesce(("
        " SELECT budget_usage.at + b.window_seconds * interval '1 second'"
        " FROM budgets AS b"
        " WHERE b.scope = budget_usage.scope AND b.subject = budget_usage.subject"
        "), at)"
    ),
}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect not in _EXPIRES_AT:
        raise NotImplementedError(f"airlock supports SQLite and PostgreSQL, not {dialect}")
    op.add_column(
        "budgets", sa.Column("used_bytes", sa.BigInteger(), nullable=False, server_default="0")
    )
    op.add_column("budgets", sa.Column("counted_after", UtcDateTime(), nullable=True))
    op.add_column("budget_usage", sa.Column("expires_at", UtcDateTime(), nullable=True))
    op.execute(_EXPIRES_AT[dialect])
    with op.batch_alter_table("budget_usage") as batch:
        batch.alter_column("expires_at", existing_type=UtcDateTime(), nullable=False)
        batch.drop_index("ix_budget_usage_key_at")
        batch.create_index("ix_budget_usage_key_expires", ["scope", "subject", "expires_at"])


def downgrade() -> None:
    with op.batch_alter_table("budget_usage") as batch:
        batch.drop_index("ix_budget_usage_key_expires")
        batch.create_index("ix_budget_usage_key_at", ["scope", "subject", "at"])
        batch.drop_column("expires_at")
    with op.batch_alter_table("budgets") as batch:
        batch.drop_column("counted_after")
        batch.drop_column("used_bytes")
