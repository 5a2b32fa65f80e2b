"""An index on articles.loaded_at: each tick asks, for every subscriber and follower, for the
articles loaded since a time, which without it reads the whole table.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_articles_loaded_at", "articles", ["loaded_at"])


def downgrade() -> None:
    op.drop_index("ix_articles_loaded_at", table_name="articles")
