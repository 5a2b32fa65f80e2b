"""The schema of the stores from before migrations, as ``create_all`` made it.

A store from then has these tables already (but no ``alembic_version``): only the ones it lacks
are created, since each table was made when the first object that used it was built.

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _table(
    name: str, *parts: sa.Column[Any] | sa.Constraint, indexes: dict[str, list[str]]
) -> None:
    """Create a table with its indexes, unless it is there (then it has them too)."""
    if sa.inspect(op.get_bind()).has_table(name):
        return
    op.create_table(name, *parts)
    for index, columns in indexes.items():
        op.create_index(index, name, columns, unique=False)


def _cascade(column: str, target: str, ondelete: str = "CASCADE") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [target], ondelete=ondelete)


def upgrade() -> None:
    _table(
        "articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("author", sa.Text(), nullable=True),
        sa.Column("caption", sa.Text(), nullable=True),
        sa.Column("published", sa.Date(), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("word_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("content_hash"),
        indexes={},
    )
    _table(
        "digest_sends",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("articles", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        indexes={"ix_digest_sends_at": ["at"]},
    )
    _table(
        "entities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("label", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        indexes={},
    )
    _table(
        "feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("modified", sa.Text(), nullable=True),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.Column("polled_at", sa.DateTime(), nullable=True),
        sa.Column("next_poll", sa.DateTime(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("url"),
        indexes={"ix_feeds_next_poll": ["next_poll"]},
    )
    _table(
        "meta",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
        indexes={},
    )
    _table(
        "questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("answered", sa.Boolean(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("asked_at", sa.DateTime(), nullable=False),
        sa.Column("feedback", sa.SmallInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        indexes={"ix_questions_asked_at": ["asked_at"]},
    )
    _table(
        "subscribers",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("digest_time", sa.String(length=5), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("since", sa.DateTime(), nullable=False),
        sa.Column("next_due", sa.DateTime(), nullable=True),
        sa.Column("last_digest_at", sa.DateTime(), nullable=True),
        sa.Column("deactivated_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("chat_id"),
        indexes={"ix_subscribers_active": ["active"], "ix_subscribers_next_due": ["next_due"]},
    )
    _table(
        "aliases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("norm", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        _cascade("article_id", "articles.id"),
        _cascade("entity_id", "entities.id"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("entity_id", "article_id", "norm", "kind"),
        indexes={
            "ix_aliases_article_id": ["article_id"],
            "ix_aliases_entity_id": ["entity_id"],
            "ix_aliases_norm": ["norm"],
        },
    )
    _table(
        "deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        _cascade("article_id", "articles.id"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("chat_id", "article_id"),
        indexes={"ix_deliveries_article_id": ["article_id"], "ix_deliveries_chat_id": ["chat_id"]},
    )
    _table(
        "facts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("paragraph", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("terms", sa.Text(), nullable=False),
        sa.Column("spans", sa.JSON(), nullable=False),
        sa.Column("quotes", sa.JSON(), nullable=False),
        _cascade("article_id", "articles.id"),
        sa.PrimaryKeyConstraint("id"),
        indexes={"ix_facts_article_id": ["article_id"]},
    )
    _table(
        "feed_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("link", sa.Text(), nullable=True),
        sa.Column("article_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("done", sa.Boolean(), nullable=False),
        _cascade("article_id", "articles.id", ondelete="SET NULL"),
        _cascade("feed_id", "feeds.id"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("feed_id", "key"),
        indexes={"ix_feed_entries_feed_id": ["feed_id"]},
    )
    _table(
        "fingerprints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("band", sa.BigInteger(), nullable=False),
        _cascade("article_id", "articles.id"),
        sa.PrimaryKeyConstraint("id"),
        indexes={"ix_fingerprints_band": ["band"]},
    )
    _table(
        "mentions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fact_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        _cascade("entity_id", "entities.id"),
        _cascade("fact_id", "facts.id"),
        sa.PrimaryKeyConstraint("id"),
        indexes={"ix_mentions_entity": ["entity_id"], "ix_mentions_fact_id": ["fact_id"]},
    )


def downgrade() -> None:
    raise NotImplementedError("there is no schema before this one to go back to")
