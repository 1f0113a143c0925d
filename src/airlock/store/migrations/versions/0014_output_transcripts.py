"""The model-output channel's transcript log (issue 20).

Revision ID: 0014_output_transcripts
Revises: 0013_row_seals
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from airlock.store.schema import UtcDateTime

revision = "0014_output_transcripts"
down_revision: str | None = "0013_row_seals"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "output_transcripts",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("digest", sa.String(64), nullable=False, unique=True),
        sa.Column("caller", sa.String(63), nullable=False),
        sa.Column("upstream", sa.String(63), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("tokens", sa.Integer(), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("batch_index", sa.BigInteger(), nullable=True),
        sa.Column("leaf_index", sa.Integer(), nullable=True),
        sa.Column("unexplained_milli", sa.BigInteger(), nullable=True),
        sa.Column("capacity_milli", sa.BigInteger(), nullable=True),
        sa.Column("verified_at", UtcDateTime(), nullable=True),
    )
    op.create_index("ix_output_transcripts_batch", "output_transcripts", ["batch_index"])


def downgrade() -> None:
    op.drop_table("output_transcripts")
