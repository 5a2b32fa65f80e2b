"""Following people, places and organisations: who follows what, and which articles each
follower was told of; and the forum topic a group's digests go to.

Each stored article is matched against the follows once (``follow_scans`` says which were),
and what it owes goes to ``follow_pending`` until sent: a round's cost follows the new articles,
not the store (a popular entity's every mention, per follower, took seconds a round).
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
        "follow_scans",
        sa.Column("article_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("article_id"),
    )
    # No one followed anything before: the articles stored so far owe no notice.
    op.execute("INSERT INTO follow_scans (article_id) SELECT id FROM articles")
    op.create_table(
        "follow_pending",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("follow_id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["follow_id"], ["follows.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("follow_id", "article_id"),
    )
    op.create_index("ix_follow_pending_article_id", "follow_pending", ["article_id"])
    op.create_table(
        "digest_topics",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("thread_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("chat_id"),
    )


def downgrade() -> None:
    op.drop_table("digest_topics")
    op.drop_table("follow_pending")
    op.drop_table("follow_scans")
    op.drop_table("follow_notices")
    op.drop_table("follows")
