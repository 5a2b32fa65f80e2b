"""Following people, places and organisations: who follows what, and which articles each
follower was told of; and the forum topic a group's digests go to.

``follows`` keeps the entity's name and kind beside its id, and the id is set to NULL (not the
row deleted) when the entity goes, so a follow outlives a removal or a re-extraction and is
linked again by name. ``follow_notices`` is to follow notices what ``deliveries`` is to digests:
one row per chat and article, unique, written right after the send. A follow keeps the forum
topic it was made in (``thread_id``), and ``digest_topics`` the topic a group subscribed in: the
messages go there.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "follows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("label", sa.String(16), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("thread_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["entity_id"], ["entities.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("chat_id", "entity_id"),
    )
    op.create_index("ix_follows_chat_id", "follows", ["chat_id"])
    op.create_index("ix_follows_entity_id", "follows", ["entity_id"])
    op.create_table(
        "follow_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("chat_id", "article_id"),
    )
    op.create_index("ix_follow_notices_chat_id", "follow_notices", ["chat_id"])
    op.create_index("ix_follow_notices_article_id", "follow_notices", ["article_id"])
    op.create_table(
        "digest_topics",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("thread_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("chat_id"),
    )


def downgrade() -> None:
    op.drop_table("digest_topics")
    op.drop_table("follow_notices")
    op.drop_table("follows")
