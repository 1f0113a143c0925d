"""Byte budgets and the reservations counted against them.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from airlock.store.schema import UtcDateTime

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "budgets",
        sa.Column("scope", sa.String(16), primary_key=True),
        sa.Column("subject", sa.String(63), primary_key=True),
        sa.Column("limit_bytes", sa.BigInteger(), nullable=False),
        sa.Column("window_seconds", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "budget_usage",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("subject", sa.String(63), nullable=False),
        sa.Column("request_id", sa.String(36), nullable=False),
        sa.Column("bytes", sa.BigInteger(), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_budget_usage_key_at", "budget_usage", ["scope", "subject", "at"])
    op.create_index("ix_budget_usage_request", "budget_usage", ["request_id"])


def downgrade() -> None:
    op.drop_table("budget_usage")
    op.drop_table("budgets")
