"""Unhandled errors told to the admins' chat (TALKS_ADMIN_CHAT_ID), rate limited: the limiter on
an injected clock, the notice's text, and the real bot failing on a broken store."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from spacy.language import Language

from handlers.alerts import ErrorNotices, notice_html
from tests.botkit import ADMIN, USER, Clock, running_bot, settings_for
from tests.fake_bot_api import FakeBotApi
from tests.test_bot import ask

ADMIN_CHAT = -100777


class Ticks:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


def test_one_notice_per_period_and_the_rest_counted() -> None:
    ticks = Ticks()
    notices = ErrorNotices(ADMIN_CHAT, every=dt.timedelta(minutes=10), clock=ticks)
    assert notices.admit() == 0
    ticks.now += dt.timedelta(minutes=9, seconds=59)
    assert notices.admit() is None
    assert notices.admit() is None
    ticks.now += dt.timedelta(seconds=1)
    assert notices.admit() == 2, "ten minutes after the last notice; two held back"
    assert notices.admit() is None
    ticks.now += dt.timedelta(hours=1)
    assert notices.admit() == 1

    unset = ErrorNotices(None, clock=ticks)
    assert [unset.admit() for _ in range(3)] == [None, None, None]


def test_the_notice_says_what_where_and_how_many() -> None:
    try:
        {}["<missing>"]
    except KeyError as e:
        error = e
    text = notice_html(error, None, held=3)
    assert "<code>KeyError</code>: '&lt;missing&gt;'" in text
    assert "tests/test_error_notices.py:" in text or "test_error_notices.py:" in text
    assert "outside any update" in text
    assert "3 more since the last notice" in text
    assert "more since" not in notice_html(error, None, held=0)


async def test_the_bot_tells_the_admin_chat_once_per_period(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    settings = settings_for(fake, db, admin_chat_id=ADMIN_CHAT, error_notice_minutes=10)
    async with running_bot(settings, nlp, clock) as (_, newsroom):
        with newsroom.store.engine.begin() as connection:  # the question log is gone
            connection.exec_driver_sql("DROP TABLE questions")

        sorry = await ask(fake, ADMIN, "/stats")
        assert "something went wrong" in sorry.params["text"]
        notice = await fake.next_call("sendMessage", chat_id=ADMIN_CHAT, ok=True)
        assert "Unhandled error" in notice.params["text"]
        assert "OperationalError" in notice.params["text"]
        assert "“/stats”" in notice.params["text"]
        assert f"chat {ADMIN}" in notice.params["text"]

        again = await ask(fake, USER, "who is de mistura?")  # logging the question fails
        assert "something went wrong" in again.params["text"]
        assert len(fake.calls("sendMessage", chat_id=ADMIN_CHAT)) == 1, "held back"

        clock.advance(minutes=11)
        await ask(fake, ADMIN, "/stats")
        later = await fake.next_call("sendMessage", chat_id=ADMIN_CHAT, ok=True)
        assert "1 more since the last notice" in later.params["text"]


async def test_no_admin_chat_no_notice(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    async with running_bot(settings_for(fake, db), nlp, clock) as (_, newsroom):
        with newsroom.store.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE questions")
        sorry = await ask(fake, ADMIN, "/stats")
        assert "something went wrong" in sorry.params["text"]
        chats = {c.params.get("chat_id") for c in fake.calls("sendMessage")}
        assert chats == {ADMIN}
