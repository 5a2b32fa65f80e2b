"""The schema over time: stored times are aware UTC (old rows too), and a store written before
migrations (``tests/data/store_v0.db``, see ``make_v0_store.py``) opens with every row intact."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from knowledge.storage.feeds import FeedTable
from knowledge.storage.journal import Journal
from knowledge.storage.schema import QuestionRow
from knowledge.storage.store import Store
from knowledge.storage.subscribers import Subscribers

from .conftest import DATA

UTC = dt.UTC
V0_NOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=UTC)  # make_v0_store's clock


def minutes(n: int) -> dt.datetime:
    return V0_NOW + dt.timedelta(minutes=n)


@pytest.fixture
def v0(tmp_path: Path) -> Path:
    """A copy of the store from before migrations, to open (and so upgrade) in place."""
    path = tmp_path / "v0.db"
    shutil.copyfile(DATA / "store_v0.db", path)
    return path


def test_times_come_back_aware_utc_and_naive_ones_are_refused(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'talks.db'}")
    journal = Journal(store)
    berlin = dt.datetime(2026, 11, 24, 13, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    qid = journal.log(chat_id=1, user_id=None, text="q", answered=False, confidence=0, now=berlin)
    with store.sessions() as s:
        asked = s.scalar(select(QuestionRow.asked_at).where(QuestionRow.id == qid))
    assert asked == V0_NOW
    assert asked is not None
    assert asked.tzinfo is UTC
    assert journal.window(V0_NOW).declined == 1  # the bound compares in UTC too
    assert journal.window(minutes(1)).declined == 0
    with pytest.raises(ValueError, match="timezone-aware"):
        journal.log(
            chat_id=1,
            user_id=None,
            text="q",
            answered=False,
            confidence=0,
            now=dt.datetime(2026, 1, 1),  # noqa: DTZ001 - the naive time it must refuse
        )


def test_rows_of_an_old_store_read_back_aware_and_compare_with_new_ones(v0: Path) -> None:
    store = Store(f"sqlite:///{v0}")
    subs = Subscribers(store)
    sub = subs.get(42)
    assert sub is not None
    assert (sub.since, sub.next_due, sub.last_digest_at) == (
        V0_NOW,
        dt.datetime(2026, 11, 25, 8, 0, tzinfo=UTC),  # 09:00 in Berlin
        minutes(5),
    )
    assert all(t.tzinfo is UTC for t in (sub.since, sub.next_due, sub.last_digest_at) if t)
    assert [a.loaded_at for a in store.articles()] == [V0_NOW, minutes(2), minutes(7)]
    assert subs.pending(42) == [3, 4]  # old loaded_at against old since, in SQL
    assert [s.chat_id for s in subs.due(dt.datetime(2026, 11, 25, 8, 0, tzinfo=UTC))] == [42]
    (feed,) = FeedTable(store).all()
    assert (feed.polled_at, feed.next_poll) == (minutes(7), minutes(22))

    subs.subscribe(8, mode="instant", at=dt.time(8), timezone="UTC", now=minutes(3))
    assert subs.pending(8) == [4]  # a new row against old ones
    with sqlite3.connect(v0) as conn:  # and it is stored as the old rows are
        (since,) = conn.execute("SELECT since FROM subscribers WHERE chat_id = 8").fetchone()
    conn.close()
    assert since == "2026-11-24 12:03:00.000000"
