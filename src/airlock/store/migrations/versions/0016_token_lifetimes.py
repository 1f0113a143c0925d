"""Token lifetimes (issue 14): every API token gets an expiry.

Tokens issued before this revision get one too, 90 days after the migration runs, so no
token lives for ever (fail closed); `airlock principal token issue` hands out new ones.
The revision id is distinctive on purpose: other branches add their own 0013; whoever merges
second re-points ``down_revision`` and ``schema.SCHEMA_REVISION``.

Revision ID: 0016_token_lifetimes
Revises: 0015_budget_defaults_refusals
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

from airlock.store.schema import UtcDateTime

revision = "0016_token_lifetimes"
down_revision: str | None = "0015_budget_defaults_refusals"
branch_labels: str | None = None
depends_on: str | None = None

LEGACY_DAYS = 90


def upgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("expires_at", UtcDateTime(), nullable=True))
    tokens = sa.table("api_tokens", sa.column("expires_at", UtcDateTime()))
    op.execute(
        tokens.update()
        .where(tokens.c.expires_at.is_(None))
        .values(expires_at=datetime.now(UTC) + timedelta(days=LEGACY_DAYS))
    )


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("expires_at")
