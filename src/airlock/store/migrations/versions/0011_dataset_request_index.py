"""Index datasets by the import request that brought them in.

The approver's page for a request looks up its dataset; without the index that read every
dataset (with its manifest and scan) on every page view.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision: str | None = "0010"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_index("ix_datasets_request", "datasets", ["request_id"])


def downgrade() -> None:
    op.drop_index("ix_datasets_request", table_name="datasets")
