"""Default budgets and refused content (issue 14).

``budgets.inherited`` marks the rows that subjects without a budget of their own take from
their scope's default ('*'); ``refused_content`` and ``refused_chunks`` keep what was refused
to someone (digest and a sample of its content-defined chunk digests) so that it is refused
to everyone.

The revision id is distinctive on purpose: other branches may add their own 0013; whoever
merges second re-points ``down_revision`` and ``schema.SCHEMA_REVISION``.

Revision ID: 0015_budget_defaults_refusals
Revises: 0014_output_transcripts
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from airlock.store.schema import UtcDateTime

revision = "0015_budget_defaults_refusals"
down_revision: str | None = "0014_output_transcripts"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("budgets") as batch:
        batch.add_column(
            sa.Column("inherited", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "refused_content",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("request_id", sa.String(36), nullable=False),
        sa.Column("principal", sa.String(63), nullable=False),
        sa.Column("refused_at", UtcDateTime(), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
    )
    op.create_index("ix_refused_content_digest", "refused_content", ["digest"])
    op.create_table(
        "refused_chunks",
        sa.Column("chunk", sa.LargeBinary(32), primary_key=True),
        sa.Column(
            "content_id", sa.Integer(), sa.ForeignKey("refused_content.id"), primary_key=True
        ),
    )


def downgrade() -> None:
    op.drop_table("refused_chunks")
    op.drop_index("ix_refused_content_digest", table_name="refused_content")
    op.drop_table("refused_content")
    with op.batch_alter_table("budgets") as batch:
        batch.drop_column("inherited")
