"""Project membership (issue 22): a project's budget applies to its members' exports.

The revision id is distinctive on purpose: other branches may add their own 0012; whoever
merges second re-points ``down_revision`` and ``schema.SCHEMA_REVISION``.

Revision ID: 0012_project_members
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from airlock.store.schema import UtcDateTime

revision = "0012_project_members"
down_revision: str | None = "0011"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "project_members",
        sa.Column("project", sa.String(63), sa.ForeignKey("projects.name"), primary_key=True),
        sa.Column("principal", sa.String(63), sa.ForeignKey("principals.name"), primary_key=True),
        sa.Column("added_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_project_members_principal", "project_members", ["principal"])


def downgrade() -> None:
    op.drop_index("ix_project_members_principal", table_name="project_members")
    op.drop_table("project_members")
