"""Protected models: fingerprints of weights that must never leave.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from airlock.store.schema import UtcDateTime

revision = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "protected_models",
        sa.Column("name", sa.String(128), primary_key=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("tensors", sa.Text(), nullable=False),
        sa.Column("registered_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "protected_chunks",
        sa.Column(
            "model", sa.String(128), sa.ForeignKey("protected_models.name"), primary_key=True
        ),
        sa.Column("digest", sa.LargeBinary(32), primary_key=True),
    )


def downgrade() -> None:
    op.drop_table("protected_chunks")
    op.drop_table("protected_models")
