"""What a store holds, read without the newsroom: the door of the quick commands
(``talks-bot articles``, ``feeds list``, ``health``), which must answer in a fraction of a second,
and of ``talks-bot remove`` and ``feeds remove``, which need the store alone.

Opening a ``Newsroom`` loads spaCy and the reader, upgrades the schema, re-extracts a store built
by an older extractor, seeds an empty one and builds the index: seconds. A ``Catalogue`` reads the
same listings straight from the store, and declines (``open_catalogue`` gives None) whenever the
newsroom would change what they show, so the caller opens the newsroom instead.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from knowledge.models import Article, Feed
from knowledge.nlp.version import EXTRACTOR_VERSION
from knowledge.storage.peek import Peek

if TYPE_CHECKING:
    from knowledge.storage.store import Store


class Catalogue:
    """The articles and feeds of a store that is current (schema, extractor, seed)."""

    def __init__(self, peek: Peek) -> None:
        self._peek = peek

    def articles(self) -> list[Article]:
        return self._peek.articles()

    def feeds(self) -> list[Feed]:
        return self._peek.feeds()

    def close(self) -> None:
        self._peek.close()


def open_catalogue(database_url: str, *, seed: bool) -> Catalogue | None:
    """The store's catalogue, or None where opening the newsroom would first change it: no store
    yet, an older schema or extractor, or (``seed``) the bundled article never loaded."""
    peek = Peek.open(database_url)
    if peek is None:
        return None
    if not _settled(peek, seed=seed):
        peek.close()
        return None
    return Catalogue(peek)


def _settled(peek: Peek, *, seed: bool) -> bool:
    """Whether opening the newsroom would leave the store as it is: the newest schema, the
    current extractor and (``seed``) the bundled article loaded once."""
    return (
        peek.current()
        and peek.meta("extractor") == str(EXTRACTOR_VERSION)
        and not (seed and peek.meta("seeded") is None)
    )


def remove_from_store(database_url: str, article_id: int, *, seed: bool) -> Article | None:
    """Remove an article with its facts straight from a settled store, as ``Newsroom.remove``
    does but without spaCy, the reader and the index: only a serving process needs those, and
    it follows the store's change log to drop the article too. None where opening the newsroom
    would first change the store (as ``open_catalogue``), which then removes it; an unknown id
    raises ``UnknownArticleError``. A store of 10,000 articles would otherwise be indexed for
    seconds only to forget one."""
    store = _settled_store(database_url, seed=seed)
    if store is None:
        return None
    try:
        article = store.article(article_id)
        store.remove_article(article_id)
        return article
    finally:
        store.close()


def remove_feed_from_store(database_url: str, feed_id: int, *, seed: bool) -> Feed | None:
    """Stop following a feed straight from a settled store, as ``Newsroom.remove_feed`` does
    (a serving process reads the feeds afresh at each poll); None where the newsroom would
    first change the store, and an unknown id raises ``FeedError``."""
    from knowledge.ingest.feeds import Feeds  # feedparser: not for the listings

    store = _settled_store(database_url, seed=seed)
    if store is None:
        return None
    try:  # Feeds' own removal, for its error; the polling interval plays no part in it
        return Feeds(store, interval=dt.timedelta(0)).remove(feed_id)
    finally:
        store.close()


def _settled_store(database_url: str, *, seed: bool) -> Store | None:
    """The store to change without the newsroom, or None where the newsroom would first
    change it (``_settled``, checked on a ``Peek``, which never migrates; a ``Store`` would)."""
    peek = Peek.open(database_url)
    if peek is None:
        return None
    try:
        if not _settled(peek, seed=seed):
            return None
    finally:
        peek.close()
    from knowledge.storage.store import Store  # the ORM and Alembic: not for the listings

    return Store(database_url)


def last_heartbeat(database_url: str, *, replica: str | None = None) -> dt.datetime | None:
    """When the digest scheduler last ran against a store (``talks-bot health``), if ever, in
    the process that leads it; with ``replica``, when that bot process last ticked (it ticks
    once its index is built and it serves). Read without opening the store (a health check
    neither migrates nor creates one)."""
    peek = Peek.open(database_url)
    if peek is None:
        return None
    try:
        beat = peek.meta(heartbeat_key(replica))
    finally:
        peek.close()
    return None if beat is None else dt.datetime.fromisoformat(beat)


def heartbeat_key(replica: str | None) -> str:
    """The meta key of the leader's heartbeat (None) or of one replica's."""
    return "heartbeat" if replica is None else f"heartbeat:{replica}"


def migrate_store(database_url: str) -> tuple[str | None, str | None]:
    """Bring the store's schema to the newest revision without opening the newsroom (no spaCy,
    no seed): (its revision before, after). Processes sharing a store take turns; one held
    up too long raises ``StoreBusyError``."""
    from knowledge.storage import current_revision, upgrade

    before = current_revision(database_url)
    return before, upgrade(database_url)
