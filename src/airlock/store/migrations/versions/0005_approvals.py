"""Approval cases for held requests, and the votes cast on them.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from airlock.store.schema import UtcDateTime

revision = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "approval_cases",
        sa.Column("request_id", sa.String(36), sa.ForeignKey("requests.id"), primary_key=True),
        sa.Column("requester", sa.String(63), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("required", sa.Integer(), nullable=False),
        sa.Column("roles", sa.String(128), nullable=False),
        sa.Column("ttl_seconds", sa.BigInteger(), nullable=False),
        sa.Column("opened_at", UtcDateTime(), nullable=False),
        sa.Column("closed", sa.String(16), nullable=False),
    )
    op.create_table(
        "approval_votes",
        sa.Column(
            "request_id",
            sa.String(36),
            sa.ForeignKey("approval_cases.request_id"),
            primary_key=True,
        ),
        sa.Column("voter", sa.String(63), primary_key=True),
        sa.Column("approve", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("cast_at", UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("approval_votes")
    op.drop_table("approval_cases")
