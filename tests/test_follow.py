"""Every process's index follows the store: an article loaded, replaced or removed through one
newsroom is answered (or no longer) by another over the same store within seconds, on SQLite
(a version check every second) and on PostgreSQL (LISTEN/NOTIFY), and the followed index is
the one a fresh start would build."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from spacy.language import Language

from bot.follow import Follower
from knowledge import Newsroom
from knowledge.ingest.reading import read_article
from knowledge.newsroom import facade
from knowledge.storage.store import Store
from tests.conftest import DATA, FIXED_NOW
from tests.test_store import SECOND, _tables

QUESTION = "Who is the mayor of Port Ellery?"


def replica(nlp: Language, url: str) -> Newsroom:
    return Newsroom(Store(url), nlp, clock=lambda: FIXED_NOW, reader=False)


@pytest.fixture
def pair(nlp: Language, store_url: str) -> Iterator[tuple[Newsroom, Newsroom]]:
    rooms = (replica(nlp, store_url), replica(nlp, store_url))
    yield rooms
    for room in rooms:
        room.store.close()


def within(seconds: float, done: Callable[[], bool]) -> float:
    """How long ``done`` took to hold, polling; fails after ``seconds``."""
    start = time.monotonic()
    while not done():
        if time.monotonic() - start > seconds:
            pytest.fail(f"not within {seconds} s")
        time.sleep(0.05)
    return time.monotonic() - start


def knows_the_mayor(room: Newsroom) -> bool:
    answer = room.answer(QUESTION)
    return answer.answered and "Halvorsen" in (answer.short or "")


def test_another_process_s_load_replace_and_removal_reach_the_index(
    pair: tuple[Newsroom, Newsroom], nlp: Language
) -> None:
    a, b = pair
    assert b.catch_up() == 0, "nothing changed: one query, nothing read"
    url = "https://news.example/port-ellery"
    article = a.load_draft(read_article(SECOND, url=url))
    assert a.catch_up() == 0, "its own write is in its index already"
    assert not knows_the_mayor(b)
    assert b.catch_up() == 1
    assert knows_the_mayor(b)
    assert _tables(b.index) == _tables(a.index)

    a.load_draft(read_article(SECOND.replace("Ingrid Halvorsen", "Mona Strand"), url=url))
    a.load_text((DATA / "harbour_council.txt").read_text())
    assert b.catch_up() == 2
    assert b.find_entities("Mona Strand")
    assert b.find_entities("Ingrid Halvorsen") == a.find_entities("Ingrid Halvorsen")
    assert _tables(b.index) == _tables(a.index)

    a.remove(article.id)
    b.catch_up()
    assert article.id not in b.index.articles
    assert _tables(b.index) == _tables(a.index)
    fresh = replica(nlp, a.store.url)
    assert _tables(fresh.index) == _tables(b.index), "as a fresh start builds it"
    fresh.store.close()


def test_both_writing_each_catches_up_with_the_other(pair: tuple[Newsroom, Newsroom]) -> None:
    a, b = pair
    a.load_text(SECOND)
    b.load_text((DATA / "harbour_council.txt").read_text())  # b is one behind when it writes
    a.catch_up()
    b.catch_up()
    assert _tables(a.index) == _tables(b.index)
    assert len(a.articles()) == 3


def test_a_following_replica_answers_another_s_article_within_seconds(
    pair: tuple[Newsroom, Newsroom],
) -> None:
    a, b = pair
    follower = Follower(b)
    follower.start()
    try:
        time.sleep(0.3)  # listening (PostgreSQL) before the load
        a.load_text(SECOND)
        took = within(5, lambda: knows_the_mayor(b))
    finally:
        follower.stop()
    assert took < 5
    print(f"answered by the other replica after {took:.2f} s")  # noqa: T201
    if a.store.engine.dialect.name == "postgresql":
        assert b.wait_for_changes(0.01) is False, "nothing more was announced"


def test_catching_up_a_few_articles_at_a_time_ends_in_the_same_index(
    pair: tuple[Newsroom, Newsroom], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = pair
    monkeypatch.setattr(facade, "CATCH_UP_CHUNK", 1)  # one article per hold of the lock
    url = "https://news.example/port-ellery"
    first = a.load_draft(read_article(SECOND, url=url))
    a.load_text((DATA / "harbour_council.txt").read_text())
    a.load_draft(read_article(SECOND.replace("three daily", "four daily"), url=url))
    a.remove(1)  # the seed
    assert b.catch_up() == 3  # the seed, the harbour council, and Port Ellery once
    assert _tables(b.index) == _tables(a.index)
    assert first.id in b.index.articles
    assert 1 not in b.index.articles
