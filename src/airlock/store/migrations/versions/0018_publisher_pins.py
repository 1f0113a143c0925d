"""Trusted Publishers pinned per project, the verified publisher of admitted files and the
typosquat check's protected names (issue 16).

Revision ID: 0018_publisher_pins
Revises: 0017_known_bad_packages
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from airlock.store.schema import UtcDateTime

revision = "0018_publisher_pins"
down_revision: str | None = "0017_known_bad_packages"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "package_publishers",
        sa.Column("project", sa.String(255), primary_key=True),
        sa.Column("publisher", sa.String(512), nullable=False),
        sa.Column("pinned_at", UtcDateTime(), nullable=False),
        sa.Column("ledger_index", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "package_attestations",
        sa.Column("filename", sa.String(255), primary_key=True),
        sa.Column("project", sa.String(255), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("publisher", sa.String(1024), nullable=False),
        sa.Column("ledger_index", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "protected_names",
        sa.Column("name", sa.String(255), primary_key=True),
        sa.Column("source", sa.String(16), primary_key=True),
        sa.Column("added_at", UtcDateTime(), nullable=False),
        sa.Column("ledger_index", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("protected_names")
    op.drop_table("package_attestations")
    op.drop_table("package_publishers")
