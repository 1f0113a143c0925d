"""Index decisions by outcome and time, so anomaly checks read only recent refusals.

Without it every export scanned every decision ever taken (issue 5: the gateway slowed
down as its history grew).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_index("ix_decisions_outcome_at", "decisions", ["outcome", "decided_at"])


def downgrade() -> None:
    op.drop_index("ix_decisions_outcome_at", table_name="decisions")
