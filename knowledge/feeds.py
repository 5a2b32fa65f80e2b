"""RSS and Atom feeds: subscribed by admins, polled on a schedule, new entries loaded as articles.

Polling uses conditional GET (ETag / Last-Modified), so an unchanged feed costs one 304. Every
entry is remembered (feed × entry key, unique), so an entry is loaded once however often it is
seen; one that fails is retried a few times, and never holds up the others. A feed that keeps
failing is polled less and less often (exponential backoff) and shows in /stats.

Network access is injected (``get`` and ``load``), so this module stays testable and the bot and
the CLI share the same fetcher with its SSRF guard.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import feedparser
from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column

from knowledge.errors import DuplicateArticleError, KnowledgeError
from knowledge.models import Article
from knowledge.store import Base, Store
from knowledge.subscribers import utc_aware, utc_naive

log = logging.getLogger(__name__)

MAX_ENTRY_ATTEMPTS = 3
MAX_BACKOFF_STEPS = 6  # at most 2^6 × the interval between polls of a failing feed


class FeedError(KnowledgeError):
    """A feed that cannot be added or read."""


class FeedRow(Base):
    __tablename__ = "feeds"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text, unique=True)
    title: Mapped[str | None] = mapped_column(Text)
    etag: Mapped[str | None] = mapped_column(Text)
    modified: Mapped[str | None] = mapped_column(Text)
    added_at: Mapped[dt.datetime] = mapped_column(DateTime)
    polled_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    next_poll: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


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


@dataclass(frozen=True, slots=True)
class FeedResponse:
    """What a conditional GET of a feed returned."""

    status: int  # 200, or 304 when unchanged
    body: bytes = b""
    etag: str | None = None
    modified: str | None = None


Getter = Callable[[str, Mapping[str, str]], FeedResponse]
Loader = Callable[[str], Article]


@dataclass(frozen=True, slots=True)
class Feed:
    id: int
    url: str
    title: str | None
    failures: int
    last_error: str | None
    polled_at: dt.datetime | None
    next_poll: dt.datetime


@dataclass
class PollResult:
    feed_id: int
    not_modified: bool = False
    loaded: list[int] = field(default_factory=list)  # article ids
    duplicates: int = 0
    failed: int = 0
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Entry:
    key: str
    link: str | None
    title: str


def parse_entries(body: bytes) -> tuple[str | None, list[Entry]]:
    """A feed's title and entries (newest last, as most readers load them); FeedError when the
    bytes are not a feed at all."""
    parsed = feedparser.parse(body)
    if parsed.bozo and not parsed.entries:
        raise FeedError(f"That is not an RSS or Atom feed ({parsed.bozo_exception}).")
    if not parsed.get("version") and not parsed.entries:
        raise FeedError("That is not an RSS or Atom feed.")
    entries = []
    for item in parsed.entries:
        link = item.get("link")
        ident = item.get("id") or link or item.get("title") or ""
        if not ident:
            continue
        key = hashlib.sha256(ident.encode()).hexdigest()
        entries.append(Entry(key, link, item.get("title") or link or ""))
    entries.reverse()
    return parsed.feed.get("title"), entries


def _feed(row: FeedRow) -> Feed:
    return Feed(
        row.id,
        row.url,
        row.title,
        row.failures,
        row.last_error,
        utc_aware(row.polled_at),
        row.next_poll.replace(tzinfo=dt.UTC),
    )


class Feeds:
    """The feeds table and polling; each method is one or a few short transactions."""

    def __init__(self, store: Store, *, interval: dt.timedelta) -> None:
        self.store = store
        self.interval = interval
        Base.metadata.create_all(
            store.engine,
            tables=[FeedRow.__table__, EntryRow.__table__],  # type: ignore[list-item]
        )

    def add(self, url: str, *, get: Getter, now: dt.datetime) -> Feed:
        """Subscribe to a feed after checking that it is one; polled at once by the scheduler."""
        with self.store.sessions.begin() as s:
            existing = s.scalar(select(FeedRow).where(FeedRow.url == url))
            if existing is not None:
                raise FeedError(f"That feed is already #{existing.id}.")
        response = get(url, {})
        title, _ = parse_entries(response.body)
        with self.store.sessions.begin() as s:
            row = FeedRow(url=url, title=title, added_at=utc_naive(now), next_poll=utc_naive(now))
            row.failures = 0
            s.add(row)
            s.flush()
            return _feed(row)

    def remove(self, feed_id: int) -> Feed:
        with self.store.sessions.begin() as s:
            row = s.get(FeedRow, feed_id)
            if row is None:
                raise FeedError(f"There is no feed #{feed_id}.")
            feed = _feed(row)
            s.delete(row)
            return feed

    def all(self) -> list[Feed]:
        with self.store.sessions.begin() as s:
            return [_feed(r) for r in s.scalars(select(FeedRow).order_by(FeedRow.id))]

    def failing(self) -> list[Feed]:
        return [f for f in self.all() if f.failures]

    def due(self, now: dt.datetime) -> list[Feed]:
        with self.store.sessions.begin() as s:
            rows = s.scalars(
                select(FeedRow).where(FeedRow.next_poll <= utc_naive(now)).order_by(FeedRow.id)
            )
            return [_feed(r) for r in rows]

    def poll_due(
        self, *, get: Getter, load: Loader, now: Callable[[], dt.datetime]
    ) -> list[PollResult]:
        return [self.poll(f.id, get=get, load=load, now=now) for f in self.due(now())]

    def poll_all(
        self, *, get: Getter, load: Loader, now: Callable[[], dt.datetime]
    ) -> list[PollResult]:
        return [self.poll(f.id, get=get, load=load, now=now) for f in self.all()]

    def poll(
        self, feed_id: int, *, get: Getter, load: Loader, now: Callable[[], dt.datetime]
    ) -> PollResult:
        """Fetch one feed (conditionally) and load its new entries; never raises for a bad
        feed or entry: the result and the feed's row say what happened."""
        result = PollResult(feed_id)
        with self.store.sessions.begin() as s:
            row = s.get(FeedRow, feed_id)
            if row is None:
                raise FeedError(f"There is no feed #{feed_id}.")
            url, etag, modified = row.url, row.etag, row.modified
        headers = {"If-None-Match": etag} if etag else {}
        if modified:
            headers["If-Modified-Since"] = modified
        try:
            response = get(url, headers)
            if response.status == 304:
                result.not_modified = True
                entries: list[Entry] = []
            else:
                _, entries = parse_entries(response.body)
        except KnowledgeError as e:
            result.error = str(e)
            self._record_poll(feed_id, now(), error=str(e))
            return result
        for entry in self._new_entries(feed_id, entries):
            self._load_entry(feed_id, entry, load, result)
        ok = response.status != 304
        self._record_poll(
            feed_id,
            now(),
            etag=response.etag if ok else etag,
            modified=response.modified if ok else modified,
        )
        return result

    def _new_entries(self, feed_id: int, entries: list[Entry]) -> list[Entry]:
        with self.store.sessions.begin() as s:
            rows = s.execute(
                select(EntryRow.key, EntryRow.done).where(EntryRow.feed_id == feed_id)
            ).all()
        done = {k for k, d in rows if d}
        return [e for e in entries if e.key not in done]

    def _load_entry(self, feed_id: int, entry: Entry, load: Loader, result: PollResult) -> None:
        status, article_id, error = "failed", None, None
        if not entry.link:
            status, error = "skipped", "the entry has no link"
        else:
            try:
                article_id = load(entry.link).id
                status = "loaded"
                result.loaded.append(article_id)
            except DuplicateArticleError as e:
                status, article_id = "duplicate", e.existing_id
                result.duplicates += 1
            except KnowledgeError as e:
                error = str(e)
                result.failed += 1
            except Exception as e:  # one bad entry must never stop the others
                log.exception("feed %s: entry %s failed", feed_id, entry.link)
                error = f"unexpected error: {e}"
                result.failed += 1
        with self.store.sessions.begin() as s:
            row = s.scalar(
                select(EntryRow).where(EntryRow.feed_id == feed_id, EntryRow.key == entry.key)
            )
            if row is None:
                row = EntryRow(feed_id=feed_id, key=entry.key, link=entry.link, attempts=0)
                s.add(row)
            row.attempts += 1
            row.status = status
            row.article_id = article_id
            row.error = error
            row.done = status != "failed" or row.attempts >= MAX_ENTRY_ATTEMPTS

    def _record_poll(
        self,
        feed_id: int,
        now: dt.datetime,
        *,
        error: str | None = None,
        etag: str | None = None,
        modified: str | None = None,
    ) -> None:
        with self.store.sessions.begin() as s:
            row = s.get(FeedRow, feed_id)
            if row is None:  # removed while it was polled
                return
            row.polled_at = utc_naive(now)
            if error is None:
                row.failures = 0
                row.last_error = None
                row.etag, row.modified = etag, modified
                row.next_poll = utc_naive(now + self.interval)
            else:
                row.failures += 1
                row.last_error = error
                backoff = 2 ** min(row.failures, MAX_BACKOFF_STEPS)
                row.next_poll = utc_naive(now + self.interval * backoff)
