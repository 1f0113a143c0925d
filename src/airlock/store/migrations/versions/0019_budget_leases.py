"""Budget leases of the model-output channel (issue 20, docs/adr/0020 decision 6).

Revision ID: 0019_budget_leases
Revises: 0018_publisher_pins
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from airlock.store.schema import UtcDateTime

revision = "0019_budget_leases"
down_revision: str | None = "0018_publisher_pins"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "budget_leases",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("owner", sa.String(128), nullable=False),
        sa.Column("caller", sa.String(63), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("granted_tokens", sa.BigInteger(), nullable=False),
        sa.Column("granted_bytes", sa.BigInteger(), nullable=False),
        sa.Column("used_tokens", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("used_bytes", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("streaming_tokens", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("streaming_bytes", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("closed_at", UtcDateTime(), nullable=True),
    )
    op.create_index("ix_budget_leases_state_expires", "budget_leases", ["state", "expires_at"])


def downgrade() -> None:
    op.drop_index("ix_budget_leases_state_expires", "budget_leases")
    op.drop_table("budget_leases")
