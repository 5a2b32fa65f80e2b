"""The feeds a newsroom follows and the entries seen in each: rows and short transactions.

Polling itself (conditional GET, parsing, loading entries) is ``knowledge.ingest.feeds``; this
module only remembers what it did, so that an entry is loaded once however often it is seen.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from knowledge.models import Feed
from knowledge.storage.peek import feeds_in
from knowledge.storage.schema import EntryRow, FeedRow
from knowledge.storage.store import Store

MAX_ENTRY_ATTEMPTS = 3
MAX_BACKOFF_STEPS = 6  # at most 2^6 × the interval between polls of a failing feed


class FeedTable:
    """The feeds and feed_entries tables; each method is one short transaction."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def find(self, url: str) -> int | None:
        """The id of the feed with this URL, if one is followed."""
        with self.store.sessions.begin() as s:
            return s.scalar(select(FeedRow.id).where(FeedRow.url == url))

    def add(self, url: str, *, title: str | None, now: dt.datetime) -> Feed:
        with self.store.sessions.begin() as s:
            row = FeedRow(url=url, title=title, added_at=now, next_poll=now)
            row.failures = 0
            s.add(row)
            s.flush()
            return row.to_feed()

    def remove(self, feed_id: int) -> Feed | None:
        with self.store.sessions.begin() as s:
            row = s.get(FeedRow, feed_id)
            if row is None:
                return None
            feed = row.to_feed()
            s.delete(row)
            return feed

    def get(self, feed_id: int) -> Feed | None:
        with self.store.sessions.begin() as s:
            row = s.get(FeedRow, feed_id)
            return None if row is None else row.to_feed()

    def validators(self, feed_id: int) -> tuple[str, str | None, str | None] | None:
        """A feed's URL, ETag and Last-Modified, for a conditional GET."""
        with self.store.sessions.begin() as s:
            row = s.get(FeedRow, feed_id)
            return None if row is None else (row.url, row.etag, row.modified)

    def all(self) -> list[Feed]:
        with self.store.sessions.begin() as s:
            return feeds_in(s)

    def due(self, now: dt.datetime) -> list[Feed]:
        with self.store.sessions.begin() as s:
            rows = s.scalars(select(FeedRow).where(FeedRow.next_poll <= now).order_by(FeedRow.id))
            return [r.to_feed() for r in rows]

    def claim_due(self, now: dt.datetime, *, lease: dt.timedelta) -> list[Feed]:
        """The feeds due at ``now``, taken until ``now + lease``: their next poll moves there,
        so another process polling meanwhile leaves them alone, and ``record_poll`` sets the
        real one. One statement (``SKIP LOCKED`` on PostgreSQL: nor does the other wait for
        this one), so it is atomic on SQLite too."""
        due = (
            select(FeedRow.id)
            .where(FeedRow.next_poll <= now)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        with self.store.sessions.begin() as s:
            rows = s.scalars(
                update(FeedRow)
                .where(FeedRow.id.in_(due))
                .values(next_poll=now + lease)
                .returning(FeedRow)
            ).all()
            return sorted((r.to_feed() for r in rows), key=lambda f: f.id)

    def done_keys(self, feed_id: int) -> set[str]:
        """The entries of a feed that need no more attempts."""
        with self.store.sessions.begin() as s:
            rows = s.execute(
                select(EntryRow.key, EntryRow.done).where(EntryRow.feed_id == feed_id)
            ).all()
        return {k for k, d in rows if d}

    def record_entry(
        self,
        feed_id: int,
        key: str,
        *,
        link: str | None,
        status: str,
        article_id: int | None,
        error: str | None,
    ) -> None:
        """One attempt at an entry; a failed one is retried up to ``MAX_ENTRY_ATTEMPTS``."""
        with self.store.sessions.begin() as s:
            row = s.scalar(
                select(EntryRow).where(EntryRow.feed_id == feed_id, EntryRow.key == key)
            )
            if row is None:
                row = EntryRow(feed_id=feed_id, key=key, link=link, attempts=0)
                s.add(row)
            row.attempts += 1
            row.status = status
            row.article_id = article_id
            row.error = error
            row.done = status != "failed" or row.attempts >= MAX_ENTRY_ATTEMPTS

    def record_poll(
        self,
        feed_id: int,
        now: dt.datetime,
        *,
        interval: dt.timedelta,
        error: str | None = None,
        etag: str | None = None,
        modified: str | None = None,
    ) -> None:
        """A poll's outcome: the next one is an interval later, or backs off after failures."""
        with self.store.sessions.begin() as s:
            row = s.get(FeedRow, feed_id)
            if row is None:  # removed while it was polled
                return
            row.polled_at = now
            if error is None:
                row.failures = 0
                row.last_error = None
                row.etag, row.modified = etag, modified
                row.next_poll = now + interval
            else:
                row.failures += 1
                row.last_error = error
                backoff = 2 ** min(row.failures, MAX_BACKOFF_STEPS)
                row.next_poll = now + interval * backoff
