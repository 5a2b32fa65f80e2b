"""Every stored time is a timestamptz on PostgreSQL (``schema.UTCDateTime``).

The columns that held naive UTC become timestamptz of the same moments. SQLite keeps no types
to change: its rows are read as UTC already.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

NAIVE = {
    "digest_sends": ["at"],
    "feeds": ["added_at", "polled_at", "next_poll"],
    "questions": ["asked_at"],
    "subscribers": ["since", "next_due", "last_digest_at"],
    "deliveries": ["sent_at"],
}


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for table, columns in NAIVE.items():
        for column in columns:
            op.alter_column(
                table,
                column,
                type_=sa.DateTime(timezone=True),
                existing_type=sa.DateTime(),
                postgresql_using=f"\"{column}\" AT TIME ZONE 'UTC'",
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for table, columns in NAIVE.items():
        for column in columns:
            op.alter_column(
                table,
                column,
                type_=sa.DateTime(),
                existing_type=sa.DateTime(timezone=True),
                postgresql_using=f"\"{column}\" AT TIME ZONE 'UTC'",
            )
