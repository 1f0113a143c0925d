"""Vetted package files behind the internal index.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "package_files",
        sa.Column("filename", sa.String(255), primary_key=True),
        sa.Column("project", sa.String(255), nullable=False, index=True),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("request_id", sa.String(36), sa.ForeignKey("requests.id"), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("package_files")
