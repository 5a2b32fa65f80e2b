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
    _retype(sa.DateTime(timezone=True), sa.DateTime())


def downgrade() -> None:
    _retype(sa.DateTime(), sa.DateTime(timezone=True))


def _retype(new: sa.DateTime, old: sa.DateTime) -> None:
    """Every column of ``NAIVE`` to ``new`` on PostgreSQL (the times are UTC either way);
    SQLite keeps its text."""
    if op.get_bind().dialect.name == "sqlite":
        return
    for table, columns in NAIVE.items():
        for column in columns:
            op.alter_column(
                table,
                column,
                type_=new,
                existing_type=old,
                postgresql_using=f"\"{column}\" AT TIME ZONE 'UTC'",
            )
