"""Several processes on one store: claims on subscribers, and the log of article changes.

``claimed_until``/``claimed_by``: a process that is sending a chat its digest or notice holds
the chat until then (a lease: one that dies lets go when it runs out). ``store_changes``: one
row per article loaded, replaced, re-extracted or removed; its id is the store's version, which
every process's index follows. Rows from before have no claim; the log starts empty.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("subscribers") as batch:
        batch.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("claimed_by", sa.String(80), nullable=True))
    op.create_table(
        "store_changes",
        sa.Column("id", sa.Integer(), sa.Identity(), primary_key=True),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_store_changes_at", "store_changes", ["at"])


def downgrade() -> None:
    op.drop_index("ix_store_changes_at", "store_changes")
    op.drop_table("store_changes")
    with op.batch_alter_table("subscribers") as batch:
        batch.drop_column("claimed_by")
        batch.drop_column("claimed_until")
