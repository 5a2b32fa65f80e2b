"""Build ``tests/data/store_v0.db``: a store written by the code before migrations (revision 0).

The committed file is what ``tests/test_migrations.py`` upgrades; it was made by running this
script at commit 0439bc7 (the last schema made by ``create_all``), from the repository root::

    PYTHONPATH=. python tests/data/make_v0_store.py tests/data/store_v0.db

Running it at a later commit writes a store of that commit's schema instead, which is not what the
upgrade test needs: keep the committed file unless the v0 contents themselves must change (then
check out 0439bc7, run it there, and update ``V0`` in the test with what it printed).

What it holds (the values ``tests/test_migrations.py`` checks):

* articles #1 (the bundled seed), #3 (a short one) and #4 (loaded from a feed entry); #2 was
  loaded and removed, so the ids have a gap;
* a daily subscriber (chat 42, 09:00 Europe/Berlin) with a delivery of #1 and a send; an instant
  one (chat 7) that unsubscribed;
* a journal question with a 👍;
* a feed with one loaded entry, and the fingerprints of every article.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import sys
from collections.abc import Mapping
from pathlib import Path

from knowledge.ingest.feeds import FeedResponse
from knowledge.models import Article
from knowledge.newsroom.facade import Newsroom
from knowledge.nlp.pipeline import DEFAULT_MODEL, load_pipeline
from knowledge.qa.engine import KnowledgeBase
from knowledge.storage.store import Store

NOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)
DATA = Path(__file__).resolve().parent

SHORT = """Ferry operators welcome Port Ellery decision

The mayor of Port Ellery, Ingrid Halvorsen, met ferry operators on Friday to discuss timetables for
the new terminal. Operators said they would add three daily crossings once the terminal opens.
Halvorsen said the town expected more visitors in the summer season and new jobs for local people.
"""

LIBRARY = """Larvik opens a new library

The town of Larvik opened a new public library on Monday after four years of building work, the
mayor said at the opening.

The library holds 7000 books and a reading room for 24 people, and it will stay open until nine in
the evening on weekdays.
"""

FEED = (
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>Harbour News</title>'
    b"<link>https://news.example/</link><description>d</description>"
    b"<item><title>Library</title><link>https://news.example/library</link>"
    b"<guid>https://news.example/library</guid></item></channel></rss>"
)


def _get(url: str, headers: Mapping[str, str]) -> FeedResponse:
    return FeedResponse(200, FEED, etag='"v1"', modified="Tue, 24 Nov 2026 11:00:00 GMT")


def build(path: Path) -> None:
    clock = [NOW]
    nlp = load_pipeline(DEFAULT_MODEL)
    kb = KnowledgeBase(Store(f"sqlite:///{path}"), nlp, clock=lambda: clock[0])
    newsroom = Newsroom(kb, feed_interval=dt.timedelta(minutes=15))
    clock[0] = NOW + dt.timedelta(minutes=1)
    gone = newsroom.load_text((DATA / "harbour_council.txt").read_text())
    clock[0] = NOW + dt.timedelta(minutes=2)
    short = newsroom.load_text(SHORT)
    kb.remove(gone.id)  # not the last one: today's SQLite table would hand its id out again

    subs = newsroom.subscribers
    subs.subscribe(42, mode="daily", at=dt.time(9, 0), timezone="Europe/Berlin", now=NOW)
    subs.record_sent(42, [1], now=NOW + dt.timedelta(minutes=5), advance=True)
    subs.subscribe(7, mode="instant", at=dt.time(8, 0), timezone="UTC", now=NOW)
    subs.unsubscribe(7)

    question = newsroom.journal.log(
        chat_id=42,
        user_id=4242,
        text="Who is the mayor of Port Ellery?",
        answered=True,
        confidence=0.75,
        now=NOW + dt.timedelta(minutes=6),
    )
    newsroom.journal.feedback(question, 1, chat_id=42)

    feed = newsroom.feeds.add("https://news.example/rss", get=_get, now=NOW)
    clock[0] = NOW + dt.timedelta(minutes=7)

    def load(link: str) -> Article:
        return newsroom.load_text(LIBRARY, url=link)

    result = newsroom.feeds.poll(feed.id, get=_get, load=load, now=lambda: clock[0])
    print(  # noqa: T201 - the values the test compares with
        {
            "articles": [(a.id, a.title, a.loaded_at.isoformat()) for a in kb.articles()],
            "removed": gone.id,
            "short": short.id,
            "feed": feed.id,
            "loaded from the feed": result.loaded,
            "subscriber": subs.get(42),
            "question": question,
        }
    )
    kb.store.engine.dispose()
    with sqlite3.connect(path) as conn:  # small, and one file (no WAL beside it)
        conn.execute("PRAGMA journal_mode=DELETE")
    conn.close()
    with sqlite3.connect(path) as conn:
        conn.execute("VACUUM")
    conn.close()


if __name__ == "__main__":
    target = Path(sys.argv[1])
    target.unlink(missing_ok=True)
    build(target)
