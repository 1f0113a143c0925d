"""The known-bad package feed (issue 16): OSV ``MAL-`` records imported into the store.

Revision ID: 0017_known_bad_packages
Revises: 0016_token_lifetimes
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from airlock.store.schema import UtcDateTime

revision = "0017_known_bad_packages"
down_revision: str | None = "0016_token_lifetimes"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "known_bad_packages",
        sa.Column("name", sa.String(255), primary_key=True),
        sa.Column("version", sa.String(128), primary_key=True),
        sa.Column("advisory", sa.String(128), nullable=False),
        sa.Column("imported_at", UtcDateTime(), nullable=False),
        sa.Column("ledger_index", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("known_bad_packages")
