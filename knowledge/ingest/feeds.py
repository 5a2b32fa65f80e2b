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

from knowledge.errors import DuplicateArticleError, KnowledgeError
from knowledge.models import Article, Feed
from knowledge.storage.feeds import FeedTable
from knowledge.storage.store import Store

log = logging.getLogger(__name__)


class FeedError(KnowledgeError):
    """A feed that cannot be added or read."""


@dataclass(frozen=True, slots=True)
class FeedResponse:
    """What a conditional GET of a feed returned."""

    status: int  # 200, or 304 when unchanged
    body: bytes = b""
    etag: str | None = None
    modified: str | None = None


Getter = Callable[[str, Mapping[str, str]], FeedResponse]
Loader = Callable[[str], Article]


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
        raise FeedError(
            "That is not an RSS or Atom feed ({reason}).", reason=str(parsed.bozo_exception)
        )
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


class Feeds:
    """Following feeds and polling them; what was seen is kept by ``FeedTable``."""

    def __init__(self, store: Store, *, interval: dt.timedelta) -> None:
        self.table = FeedTable(store)
        self.interval = interval

    def add(self, url: str, *, get: Getter, now: dt.datetime) -> Feed:
        """Subscribe to a feed after checking that it is one; polled at once by the scheduler."""
        existing = self.table.find(url)
        if existing is not None:
            raise FeedError("That feed is already #{id}.", id=existing)
        response = get(url, {})
        title, _ = parse_entries(response.body)
        return self.table.add(url, title=title, now=now)

    def remove(self, feed_id: int) -> Feed:
        feed = self.table.remove(feed_id)
        if feed is None:
            raise FeedError("There is no feed #{id}.", id=feed_id)
        return feed

    def all(self) -> list[Feed]:
        return self.table.all()

    def failing(self) -> list[Feed]:
        return [f for f in self.all() if f.failures]

    def due(self, now: dt.datetime) -> list[Feed]:
        return self.table.due(now)

    def claim_due(self, now: dt.datetime, *, lease: dt.timedelta) -> list[Feed]:
        """The due feeds no other process is polling, taken for ``lease`` (their poll's record
        sets when they are due next)."""
        return self.table.claim_due(now, lease=lease)

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
        validators = self.table.validators(feed_id)
        if validators is None:
            raise FeedError("There is no feed #{id}.", id=feed_id)
        url, etag, modified = validators
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
            self.table.record_poll(feed_id, now(), interval=self.interval, error=str(e))
            return result
        done = self.table.done_keys(feed_id)
        for entry in entries:
            if entry.key not in done:
                self._load_entry(feed_id, entry, load, result)
        ok = response.status != 304
        self.table.record_poll(
            feed_id,
            now(),
            interval=self.interval,
            etag=response.etag if ok else etag,
            modified=response.modified if ok else modified,
        )
        return result

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
        self.table.record_entry(
            feed_id, entry.key, link=entry.link, status=status, article_id=article_id, error=error
        )
