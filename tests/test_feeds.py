"""Feeds: entries loaded once, conditional GET, bad entries isolated, failing feeds backed off."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pytest

from knowledge import Newsroom
from knowledge.errors import KnowledgeError, NotAnArticleError
from knowledge.ingest.feeds import FeedError, FeedResponse, Feeds
from knowledge.models import Article
from tests.conftest import DATA


@pytest.fixture
def newsroom(dialect_newsroom: Newsroom) -> Newsroom:
    """The store's tests hold on SQLite and on PostgreSQL alike."""
    return dialect_newsroom


NOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


def rss(*items: tuple[str, str]) -> bytes:
    body = "".join(
        f"<item><title>{t}</title><link>{link}</link><guid>{link}</guid></item>"
        for t, link in items
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Harbour News</title>'
        f"<link>https://news.example/</link><description>d</description>{body}</channel></rss>"
    ).encode()


def story(n: int) -> str:
    """Distinct short articles in our own words."""
    towns = ["Halden", "Moss", "Larvik", "Arendal", "Skien"]
    town = towns[n % len(towns)]
    return (
        f"{town} opens a new library\n\n"
        f"The town of {town} opened a new public library on Monday after {n + 2} years of "
        f"building work, the mayor said at the opening.\n\n"
        f"The library holds {1000 * (n + 3)} books and a reading room for {n + 20} people, and "
        f"it will stay open until nine in the evening on weekdays.\n\n"
        f"Residents of {town} had asked for a library since the old one closed in {1990 + n}, "
        "and the council paid for most of the building from its own budget."
    )


class Web:
    """The feed and its pages as a server would answer them, with a request log."""

    def __init__(self) -> None:
        self.feed = rss()
        self.etag = '"v1"'
        self.pages: dict[str, str] = {}
        self.requests: list[Mapping[str, str]] = []
        self.down = False

    def get(self, url: str, headers: Mapping[str, str]) -> FeedResponse:
        self.requests.append(headers)
        if self.down:
            raise KnowledgeError("The site could not be reached.")
        if headers.get("If-None-Match") == self.etag:
            return FeedResponse(304)
        return FeedResponse(200, self.feed, etag=self.etag)


@pytest.fixture
def setup(newsroom: Newsroom) -> tuple[Feeds, Newsroom, Web]:
    return Feeds(newsroom.store, interval=HOUR), newsroom, Web()


def loader(newsroom: Newsroom, web: Web):  # type: ignore[no-untyped-def]
    def load(link: str) -> Article:
        if link not in web.pages:
            raise NotAnArticleError("That page holds no article text.")
        return newsroom.load_text(web.pages[link], url=link)

    return load


def test_add_refuses_non_feeds_and_repeats(setup: tuple[Feeds, Newsroom, Web]) -> None:
    feeds, _, web = setup
    web.feed = b"<html><body>Just a page</body></html>"
    with pytest.raises(FeedError, match="not an RSS or Atom feed"):
        feeds.add("https://news.example/page", get=web.get, now=NOW)
    web.feed = rss()
    feed = feeds.add("https://news.example/rss", get=web.get, now=NOW)
    assert feed.title == "Harbour News"
    with pytest.raises(FeedError, match="already #"):
        feeds.add("https://news.example/rss", get=web.get, now=NOW)
    assert [f.id for f in feeds.all()] == [feed.id]


def test_entries_are_loaded_once_and_304_costs_nothing(
    setup: tuple[Feeds, Newsroom, Web],
) -> None:
    feeds, newsroom, web = setup
    feed = feeds.add("https://news.example/rss", get=web.get, now=NOW)
    links = [f"https://news.example/{i}" for i in range(3)]
    web.pages = {link: story(i) for i, link in enumerate(links)}
    web.feed = rss(*((f"Story {i}", link) for i, link in enumerate(links)))
    first = feeds.poll(feed.id, get=web.get, load=loader(newsroom, web), now=lambda: NOW)
    assert len(first.loaded) == 3
    again = feeds.poll(feed.id, get=web.get, load=loader(newsroom, web), now=lambda: NOW)
    assert again.not_modified
    assert web.requests[-1] == {"If-None-Match": '"v1"'}
    web.etag = '"v2"'  # the feed changed: one new entry on top of the old ones
    web.pages["https://news.example/3"] = story(3)
    web.feed = rss(
        ("Story 3", "https://news.example/3"), *((f"S{i}", li) for i, li in enumerate(links))
    )
    third = feeds.poll(feed.id, get=web.get, load=loader(newsroom, web), now=lambda: NOW)
    assert len(third.loaded) == 1
    assert len(newsroom.articles()) == 1 + 4


def test_a_bad_entry_never_blocks_the_others(setup: tuple[Feeds, Newsroom, Web]) -> None:
    feeds, newsroom, web = setup
    feed = feeds.add("https://news.example/rss", get=web.get, now=NOW)
    web.pages = {"https://news.example/ok": story(1), "https://news.example/copy": story(1)}
    web.feed = rss(
        ("broken", "https://news.example/broken"),
        ("ok", "https://news.example/ok"),
        ("copy", "https://news.example/copy"),
    )
    result = feeds.poll(feed.id, get=web.get, load=loader(newsroom, web), now=lambda: NOW)
    assert (len(result.loaded), result.duplicates, result.failed) == (1, 1, 1)
    for attempt in range(5):  # the broken one is retried a few times, then given up
        web.etag = f'"e{attempt}"'
        later = feeds.poll(feed.id, get=web.get, load=loader(newsroom, web), now=lambda: NOW)
        assert later.loaded == []
    assert later.failed == 0


def test_a_failing_feed_is_backed_off_and_recovers(setup: tuple[Feeds, Newsroom, Web]) -> None:
    feeds, newsroom, web = setup
    feed = feeds.add("https://news.example/rss", get=web.get, now=NOW)
    web.down = True
    for failures in (1, 2, 3):
        result = feeds.poll(feed.id, get=web.get, load=loader(newsroom, web), now=lambda: NOW)
        assert result.error == "The site could not be reached."
        state = feeds.all()[0]
        assert state.failures == failures
        assert state.next_poll == NOW + HOUR * 2**failures
    assert [f.id for f in feeds.failing()] == [feed.id]
    assert feeds.due(NOW + HOUR) == []
    web.down = False
    feeds.poll(feed.id, get=web.get, load=loader(newsroom, web), now=lambda: NOW)
    assert feeds.failing() == []
    assert feeds.all()[0].next_poll == NOW + HOUR


def test_removing_a_feed_keeps_its_articles(setup: tuple[Feeds, Newsroom, Web]) -> None:
    feeds, newsroom, web = setup
    feed = feeds.add("https://news.example/rss", get=web.get, now=NOW)
    web.pages = {"https://news.example/a": (DATA / "harbour_council.txt").read_text()}
    web.feed = rss(("a", "https://news.example/a"))
    feeds.poll(feed.id, get=web.get, load=loader(newsroom, web), now=lambda: NOW)
    assert feeds.remove(feed.id).url == "https://news.example/rss"
    assert feeds.all() == []
    assert len(newsroom.articles()) == 2
    with pytest.raises(FeedError):
        feeds.remove(feed.id)
