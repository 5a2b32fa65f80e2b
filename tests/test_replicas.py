"""Several processes on one PostgreSQL store (here: two newsrooms, each with its own engine,
connections and claims, as two replicas have; the claims on a shared SQLite file too): digests,
notices and feed entries are taken by one of them each, never both, and none is left out; one
of them leads the scheduled work, and another takes over when it dies."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import pytest
from spacy.language import Language
from sqlalchemy import func, select
from telegram import Bot

from handlers.context import Services
from handlers.delivery import deliver_due
from handlers.send import Sender
from knowledge import Newsroom, WebOptions
from knowledge.storage.locks import LEADER_LOCK
from knowledge.storage.schema import ArticleRow, DeliveryRow, SendRow
from knowledge.storage.store import Store
from knowledge.storage.subscribers import Subscribers
from tests.conftest import DATA, FIXED_NOW
from tests.fake_bot_api import FakeBotApi
from tests.site import Site, serving

T = TypeVar("T")
SUBSCRIBED = FIXED_NOW - dt.timedelta(days=2)  # before the seed was loaded, at FIXED_NOW
LATER = FIXED_NOW + dt.timedelta(hours=1)  # every digest due, the seed in it


def replica(
    nlp: Language, url: str, clock: Callable[[], dt.datetime], **options: object
) -> Newsroom:
    """A newsroom over the store at ``url`` with an engine of its own (seeded by the first)."""
    return Newsroom(Store(url), nlp, clock=clock, reader=False, **options)  # type: ignore[arg-type]


@pytest.fixture
def pair(nlp: Language, postgres_url: str) -> Iterator[tuple[Newsroom, Newsroom]]:
    rooms = [replica(nlp, postgres_url, lambda: FIXED_NOW) for _ in range(2)]
    yield rooms[0], rooms[1]
    for room in rooms:
        room.store.close()


@pytest.fixture
def any_pair(nlp: Language, store_url: str) -> Iterator[tuple[Newsroom, Newsroom]]:
    """Two processes' newsrooms on each dialect: claims hold on a shared SQLite file too
    (one statement each, under its one write lock)."""
    rooms = [replica(nlp, store_url, lambda: FIXED_NOW) for _ in range(2)]
    yield rooms[0], rooms[1]
    for room in rooms:
        room.store.close()


@pytest.fixture
async def bot(fake: FakeBotApi) -> AsyncIterator[Bot]:
    async with Bot(fake.token, base_url=fake.base_url) as bot:
        yield bot


def services(newsroom: Newsroom) -> Services:
    return Services(
        newsroom=newsroom,
        admin_ids=frozenset(),
        default_time=dt.time(8),
        default_tz="UTC",
        sender=Sender(attempts=2, backoff=0.01),
    )


def subscribe(newsroom: Newsroom, chats: range, *, mode: str = "daily") -> None:
    subs = Subscribers(newsroom.store)
    for chat in chats:
        subs.subscribe(chat, mode=mode, at=dt.time(8), timezone="UTC", now=SUBSCRIBED)  # type: ignore[arg-type]


def count(newsroom: Newsroom, row: type) -> int:
    with newsroom.store.sessions() as s:
        return s.scalar(select(func.count()).select_from(row)) or 0


async def test_two_processes_ticking_at_once_send_each_digest_once(
    any_pair: tuple[Newsroom, Newsroom], bot: Bot, fake: FakeBotApi
) -> None:
    a, b = any_pair
    chats = range(1, 301)
    subscribe(a, chats)
    subscribe(a, range(1001, 1041), mode="instant")
    a.clock = b.clock = lambda: LATER
    rounds = await asyncio.gather(deliver_due(bot, services(a)), deliver_due(bot, services(b)))
    sent = Counter(c.params["chat_id"] for c in fake.calls("sendMessage"))
    assert sent == Counter({c: 1 for c in [*chats, *range(1001, 1041)]})  # once each, nobody left
    assert sum(r.sent for r in rounds) == 340
    assert all(r.sent > 0 for r in rounds), "both took a share"
    assert count(a, DeliveryRow) == 340
    assert count(a, SendRow) == 340
    assert a.due_chats() == []
    assert a.instant_chats() == []
    # A second round, by either, finds nothing left to send.
    again = await asyncio.gather(deliver_due(bot, services(a)), deliver_due(bot, services(b)))
    assert [r.sent for r in again] == [0, 0]
    assert len(fake.calls("sendMessage")) == 340


def test_a_chat_held_by_a_dead_process_is_sent_once_its_lease_runs_out(
    any_pair: tuple[Newsroom, Newsroom],
) -> None:
    a, b = any_pair
    subscribe(a, range(1, 11))
    a.clock = b.clock = lambda: LATER
    taken = a.claim_due_chats(limit=4)  # then a dies, never sending
    assert taken == [1, 2, 3, 4]
    assert b.claim_due_chats(limit=100) == list(range(5, 11))
    assert b.claim_due_chats(limit=100) == [], "held: b's own too, until it records them"
    assert not b.claim_chat(1)
    b.clock = lambda: LATER + b.claim_lease + dt.timedelta(seconds=1)
    assert b.claim_due_chats(limit=100) == list(range(1, 11))  # the leases ran out


def test_a_process_back_under_its_name_takes_back_what_it_held_at_once(
    nlp: Language, store_url: str
) -> None:
    first, other = (replica(nlp, store_url, lambda: LATER, name=n) for n in ("r1", "r2"))
    subscribe(first, range(1, 11))
    assert first.claim_due_chats(limit=4) == [1, 2, 3, 4]  # then it is killed
    assert other.claim_due_chats(limit=2) == [5, 6]
    first.store.close()
    again = replica(nlp, store_url, lambda: LATER, name="r1")  # restarted: a new incarnation
    assert again.release_previous_claims() == 4, "its own, not r2's"
    assert again.claim_due_chats(limit=100) == [1, 2, 3, 4, 7, 8, 9, 10]
    for room in (other, again):
        room.store.close()


def test_a_process_lets_go_only_of_its_own_claims(any_pair: tuple[Newsroom, Newsroom]) -> None:
    a, b = any_pair
    subscribe(a, range(1, 3))
    a.clock = b.clock = lambda: LATER
    assert a.claim_chat(1)
    assert a.claim_chat(1), "claiming again what one holds"
    b.release_chats([1])
    assert not b.claim_chat(1)
    a.release_chats([1])
    assert b.claim_chat(1)


def test_two_processes_polling_one_feed_load_each_entry_once(
    nlp: Language, store_url: str
) -> None:
    web = WebOptions(allow_hosts=frozenset({"127.0.0.1"}))
    rooms = [replica(nlp, store_url, lambda: FIXED_NOW, web=web) for _ in range(2)]
    try:
        with serving(Site(entries=[0, 1, 2, 3])) as site:
            feed = rooms[0].add_feed(site.feed_url)
            site.requests.clear()
            start = threading.Barrier(2)

            def poll(room: Newsroom) -> int:
                start.wait()
                return sum(len(r.loaded) for r in room.poll_feeds())

            with ThreadPoolExecutor(2) as pool:
                loaded = list(pool.map(poll, rooms))
        assert sorted(loaded) == [0, 4], "one process polled the feed, the other left it"
        assert Counter(path for path, _ in site.requests) == Counter(
            {"/rss.xml": 1, "/news/0": 1, "/news/1": 1, "/news/2": 1, "/news/3": 1}
        )
        assert count(rooms[0], ArticleRow) == 5  # the seed and the four entries
        (after,) = rooms[1].feeds()
        assert after.id == feed.id
        assert after.next_poll == FIXED_NOW + dt.timedelta(minutes=15)  # the poll's, not a lease
    finally:
        for room in rooms:
            room.store.close()


def test_the_same_article_stored_by_two_processes_at_once_is_one_article(
    pair: tuple[Newsroom, Newsroom],
) -> None:
    """Both pass the duplicate check before either commits: the loser gets the duplicate
    error a person would get, not a database error."""
    text = (DATA / "harbour_council.txt").read_text()
    start = threading.Barrier(2)

    def load(room: Newsroom) -> object:
        start.wait()
        try:
            return room.load_text(text).id
        except Exception as e:
            return e

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(load, pair))
    ids = [r for r in results if isinstance(r, int)]
    errors = [type(r).__name__ for r in results if not isinstance(r, int)]
    assert len(ids) == 1
    assert errors == ["DuplicateArticleError"]
    assert count(pair[0], ArticleRow) == 2


def test_one_process_leads_and_another_takes_over_when_it_dies(
    pair: tuple[Newsroom, Newsroom], postgres_url: str
) -> None:
    a, b = pair
    assert a.leads()
    assert not b.leads()
    assert a.leads(), "still: leading is kept, not taken in turns"
    # a dies: the server ends its session (as when its process is killed), freeing the lock
    psycopg = pytest.importorskip("psycopg")
    held = (
        "FROM pg_locks WHERE locktype = 'advisory' "
        "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
        "AND classid = %s AND objid = %s AND objsubid = 1 AND granted"
    )
    key = (LEADER_LOCK >> 32, LEADER_LOCK & 0xFFFFFFFF)
    with psycopg.connect(postgres_url.replace("+psycopg", ""), autocommit=True) as admin:
        # this database's lock only (a bigint key is classid: high half, objid: low half)
        ended = admin.execute(f"SELECT pg_terminate_backend(pid) {held}", key).fetchall()
        assert ended == [(True,)]
        # the signal is sent; the session ends (and lets the lock go) a moment later
        deadline = time.monotonic() + 10
        while admin.execute(f"SELECT count(*) {held}", key).fetchone() != (0,):
            assert time.monotonic() < deadline, "the killed session still holds the lock"
            time.sleep(0.02)
    assert b.leads(), "the next check of another process takes the lead"
    assert not a.leads(), "and the old leader, back, does not lead beside it"
    b.resign()
    assert a.leads(), "a leader that resigns hands over at once"


def test_on_sqlite_the_one_process_leads(nlp: Language, tmp_path: Path) -> None:
    rooms = [replica(nlp, f"sqlite:///{tmp_path / 't.db'}", lambda: FIXED_NOW) for _ in range(2)]
    assert [r.leads() for r in rooms] == [True, True]
    for room in rooms:
        room.store.close()
