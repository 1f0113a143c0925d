"""Seals on the state the boundary acts on (issue 22, docs/adr/0012-sealed-state.md).

One row per sealed row of another table: the ledger entry that made that row what it is
and an HMAC keyed from the ledger signing key. Existing rows get no seal here (a migration
has no key): they read as unsealed, and the release path refuses them until resealed.

Revision ID: 0013_row_seals
Revises: 0012_project_members
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_row_seals"
down_revision: str | None = "0012_project_members"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "row_seals",
        sa.Column("table_name", sa.String(32), primary_key=True),
        sa.Column("row_key", sa.String(400), primary_key=True),
        sa.Column("ledger_idx", sa.BigInteger(), nullable=False),
        sa.Column("mac", sa.LargeBinary(32), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("row_seals")
