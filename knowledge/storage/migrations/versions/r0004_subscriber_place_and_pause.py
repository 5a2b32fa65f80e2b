"""Subscribers: the place they named ("London", shown back to them) and a quiet pause.

``paused_since`` set and ``paused_until`` unset is a pause until /resume; both set, a pause that
ends by itself. Rows from before have neither: not paused, and their place is said from the zone.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("subscribers") as batch:
        batch.add_column(sa.Column("place", sa.String(100), nullable=True))
        batch.add_column(sa.Column("paused_since", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("paused_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("subscribers") as batch:
        batch.drop_column("paused_until")
        batch.drop_column("paused_since")
        batch.drop_column("place")
