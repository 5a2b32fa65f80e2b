"""Every table of the store: the one ``Base`` (so one metadata that migrations compare with) and
its row classes. The modules beside this one read and write them; none defines tables."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from knowledge.models import Article, Feed
from knowledge.storage.types import UTCDateTime, as_utc


class Base(DeclarativeBase):
    pass


@event.listens_for(Base, "attribute_instrument", propagate=True)
def _utc_on_set(cls: type, key: str, attribute: Any) -> None:
    """A row's time is UTC as soon as it is set, not only once read back, so what a method
    returns from a row it has just written equals a later read (and a naive time fails here)."""
    column = getattr(attribute.property, "columns", [None])[0]
    if column is not None and isinstance(column.type, UTCDateTime):
        event.listen(attribute, "set", lambda _row, value, *_: as_utc(value), retval=True)


class ArticleRow(Base):
    __tablename__ = "articles"
    # An id is never handed out again (revision 0003): replies and logs name articles by id.
    __table_args__ = ({"sqlite_autoincrement": True},)
    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(Text)
    caption: Mapped[str | None] = mapped_column(Text)
    published: Mapped[dt.date] = mapped_column(Date)
    # indexed (revision 0008): digests, instant news and follow notices ask for the articles
    # loaded since a time, each tick, for every subscriber
    loaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    body: Mapped[str] = mapped_column(Text)
    word_count: Mapped[int] = mapped_column(Integer)

    def to_article(self, fact_count: int) -> Article:
        return Article(
            id=self.id,
            title=self.title,
            source=self.source,
            url=self.url,
            published=self.published,
            loaded_at=self.loaded_at,
            fact_count=fact_count,
            caption=self.caption,
        )


class FactRow(Base):
    __tablename__ = "facts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    paragraph: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    terms: Mapped[str] = mapped_column(Text)  # space-separated index terms
    spans: Mapped[list[list[Any]]] = mapped_column(JSON)
    quotes: Mapped[list[list[Any]]] = mapped_column(JSON)
    # The embedding of the fact's meaning (qa.embedding.pack; revision 0009), made when it is
    # stored so a question costs one encoder pass; NULL until made (a store from before, or a
    # process without the encoder: filled when a newsroom with it opens the store).
    vector: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class EntityRow(Base):
    __tablename__ = "entities"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    label: Mapped[str] = mapped_column(String(16))


class AliasRow(Base):
    """A name ("de Mistura") or description ("UN envoy") one article uses for an entity."""

    __tablename__ = "aliases"
    __table_args__ = (UniqueConstraint("entity_id", "article_id", "norm", "kind"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity_id: Mapped[int] = mapped_column(
        ForeignKey("entities.id", ondelete="CASCADE"), index=True
    )
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    norm: Mapped[str] = mapped_column(Text, index=True)
    kind: Mapped[str] = mapped_column(String(16))  # name | description


class MetaRow(Base):
    """Small facts about the store itself (e.g. whether the bundled article was ever loaded)."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class MentionRow(Base):
    __tablename__ = "mentions"
    __table_args__ = (Index("ix_mentions_entity", "entity_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fact_id: Mapped[int] = mapped_column(ForeignKey("facts.id", ondelete="CASCADE"), index=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id", ondelete="CASCADE"))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))


class SubscriberRow(Base):
    __tablename__ = "subscribers"
    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    mode: Mapped[str] = mapped_column(String(16))  # daily | instant
    digest_time: Mapped[str] = mapped_column(String(5))  # HH:MM, local
    timezone: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, index=True)
    since: Mapped[dt.datetime] = mapped_column(UTCDateTime)  # articles loaded after it count
    next_due: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    last_digest_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    deactivated_reason: Mapped[str | None] = mapped_column(Text)
    place: Mapped[str | None] = mapped_column(String(100))  # as the user named it: "London"
    # A pause: no digest from paused_since until paused_until (None: until /resume)
    paused_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    paused_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # A process sending this chat something holds it until then (``Subscribers.claim``)
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(80))  # "name:incarnation"


class DeliveryRow(Base):
    """An article delivered to a chat: what is here is never sent to that chat again."""

    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("chat_id", "article_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class SendRow(Base):
    """One attempt to send a digest or an instant notice, for /stats."""

    __tablename__ = "digest_sends"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    ok: Mapped[bool] = mapped_column(Boolean)
    articles: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)


class QuestionRow(Base):
    __tablename__ = "questions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int | None] = mapped_column(BigInteger)
    text: Mapped[str] = mapped_column(Text)
    answered: Mapped[bool] = mapped_column(Boolean)
    confidence: Mapped[float] = mapped_column(Float)
    asked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    feedback: Mapped[int | None] = mapped_column(SmallInteger)  # +1 👍, -1 👎


class ChangeRow(Base):
    """An article loaded, replaced, re-extracted or removed: the highest id is the store's
    version, and the rows after the one an index was built at are what it must catch up on."""

    __tablename__ = "store_changes"
    # Ids only grow (a deleted row's id is not handed out again): a version never goes back.
    __table_args__ = ({"sqlite_autoincrement": True},)
    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    article_id: Mapped[int] = mapped_column(Integer)  # no foreign key: a removal is logged too
    kind: Mapped[str] = mapped_column(String(16))  # loaded | replaced | refreshed | removed
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)


class FeedRow(Base):
    __tablename__ = "feeds"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text, unique=True)
    title: Mapped[str | None] = mapped_column(Text)
    etag: Mapped[str | None] = mapped_column(Text)
    modified: Mapped[str | None] = mapped_column(Text)
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    polled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    next_poll: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)

    def to_feed(self) -> Feed:
        return Feed(
            self.id,
            self.url,
            self.title,
            self.failures,
            self.last_error,
            self.polled_at,
            self.next_poll,
        )


class EntryRow(Base):
    __tablename__ = "feed_entries"
    __table_args__ = (UniqueConstraint("feed_id", "key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    link: Mapped[str | None] = mapped_column(Text)
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16))  # loaded | duplicate | failed | skipped
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    done: Mapped[bool] = mapped_column(Boolean, default=False)


class FingerprintRow(Base):
    __tablename__ = "fingerprints"
    __table_args__ = (Index("ix_fingerprints_band", "band"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    band: Mapped[int] = mapped_column(BigInteger)


class FollowRow(Base):
    """A chat following an entity: it hears of each new article that mentions it.

    ``name`` and ``label`` are kept beside the entity: when the entity row goes (every article
    naming it removed, or a store re-extracted by a newer extractor gives it a new id), the
    follow stays and is linked again to the entity of that name and kind (``storage.follows``).
    """

    __tablename__ = "follows"
    __table_args__ = (UniqueConstraint("chat_id", "entity_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    entity_id: Mapped[int | None] = mapped_column(
        ForeignKey("entities.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(Text)
    label: Mapped[str] = mapped_column(String(16))
    since: Mapped[dt.datetime] = mapped_column(UTCDateTime)  # articles loaded after it count
    thread_id: Mapped[int | None] = mapped_column(BigInteger)  # the forum topic it came from


class FollowNoticeRow(Base):
    """A follower told of an article: never told of it again (chat × article, unique)."""

    __tablename__ = "follow_notices"
    __table_args__ = (UniqueConstraint("chat_id", "article_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class FollowScanRow(Base):
    """An article already matched against the follows: each is matched once, after it is
    stored, so a round's cost follows the new articles, not the whole store."""

    __tablename__ = "follow_scans"
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )


class FollowPendingRow(Base):
    """A notice owed: an article (scanned) that mentions what a follow follows, until the
    notice is recorded; goes with its follow (unfollowed) or its article (removed)."""

    __tablename__ = "follow_pending"
    __table_args__ = (UniqueConstraint("follow_id", "article_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    follow_id: Mapped[int] = mapped_column(ForeignKey("follows.id", ondelete="CASCADE"))
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )


class TopicRow(Base):
    """The forum topic of a group where its digests go: where it last subscribed."""

    __tablename__ = "digest_topics"
    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    thread_id: Mapped[int] = mapped_column(BigInteger)


class ChatLanguageRow(Base):
    """The language a chat chose for the bot's own texts with /language (a code such as "ru");
    no row: the user's Telegram language decides."""

    __tablename__ = "chat_languages"
    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    language: Mapped[str] = mapped_column(String(8))
