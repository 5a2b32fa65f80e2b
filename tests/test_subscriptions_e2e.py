"""End to end through the real bot and the fake Bot API: /subscribe as people say it (cities,
12- and 24-hour times, "did you mean", the picker, a shared location), /pause and /resume with
the real JobQueue ticking over a moved clock, and the buttons under digests."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
from spacy.language import Language

from tests.botkit import (
    ADMIN,
    USER,
    Clock,
    running_bot,
    settings_for,
)
from tests.conftest import DATA
from tests.fake_bot_api import Call, FakeBotApi

HARBOUR = (DATA / "harbour_council.txt").read_text()
STRIKE = (
    "Dock workers at the port of Halden ended a nine-day strike on Tuesday after the harbour "
    "authority agreed to raise night-shift pay by 12 percent.\n\n"
    "Union leader Maren Aasen said the deal was a fair one and that ships would be unloaded "
    "again from Wednesday morning.\n\n"
    "The strike had left more than forty container ships waiting off the coast, according to "
    "the port's own figures.\n\n"
    "Harbour director Olav Rudi said the authority would review its shift rules with the union "
    "before the end of the year."
)


async def ask(fake: FakeBotApi, chat: int, text: str) -> Call:
    await fake.user_says(chat, text)
    return await fake.next_call("sendMessage", chat_id=chat, ok=True, timeout=10)


def keyboard(call: Call) -> list[dict[str, str]]:
    rows = call.params.get("reply_markup", {}).get("inline_keyboard", [])
    return [b for row in rows for b in row]


def datas(call: Call) -> list[str]:
    return [b["callback_data"] for b in keyboard(call) if "callback_data" in b]


def message_id(call: Call) -> int:
    return int(call.response["message_id"])


def entity_types(call: Call) -> list[str]:
    return [e["type"] for e in call.response.get("entities", [])]


async def quiet(fake: FakeBotApi, chat: int, seconds: float = 0.6) -> list[str]:
    """What the bot sent the chat over a few ticks."""
    before = len(fake.texts_to(chat))
    await asyncio.sleep(seconds)
    return fake.texts_to(chat)[before:]


@pytest.mark.parametrize(
    "case",
    [
        # 08:00 GMT in London is 08:00 UTC: still to come today
        ("/subscribe 8am London", "08:00</b> London time; next: today", "Europe/London", "08:00",
         dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)),
        ("/subscribe 7:30 Paris", "07:30</b> Paris time; next: today", "Europe/Paris", "07:30",
         dt.datetime(2026, 3, 1, 6, 30, tzinfo=dt.UTC)),
        # 01:00 on 28 Feb in New York: 20:00 comes today there
        ("/subscribe 20:00 New York", "20:00</b> New York time; next: today",
         "America/New_York", "20:00", dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)),
        # 15:00 in Tokyo: 09:00 is tomorrow there
        ("/subscribe tokyo 9", "09:00</b> Tokyo time; next: tomorrow", "Asia/Tokyo", "09:00",
         dt.datetime(2026, 3, 2, 0, 0, tzinfo=dt.UTC)),
        # a city that names no zone (GeoNames), and a 12-hour time with its minutes
        ("/subscribe 6:45pm San Francisco",
         "18:45</b> San Francisco time (America/Los_Angeles); next: tomorrow",
         "America/Los_Angeles", "18:45", dt.datetime(2026, 3, 2, 2, 45, tzinfo=dt.UTC)),
        # the forms from before still work
        ("/subscribe 08:30 Europe/Berlin", "08:30</b> Berlin time; next: today",
         "Europe/Berlin", "08:30", dt.datetime(2026, 3, 1, 7, 30, tzinfo=dt.UTC)),
    ],
)  # fmt: skip
async def test_subscribe_as_people_say_it(
    fake: FakeBotApi,
    db: Path,
    nlp: Language,
    clock: Clock,
    case: tuple[str, str, str, str, dt.datetime],
) -> None:
    said, confirmed, zone, at, due = case
    async with running_bot(settings_for(fake, db), nlp, clock) as (_, newsroom):
        done = await ask(fake, USER, said)
        assert done.params["text"].startswith("Subscribed: every day at <b>")
        assert confirmed in done.params["text"]
        assert "UTC" not in done.params["text"], "the user's own time, not UTC"
        sub = newsroom.subscriber(USER)
        assert sub is not None
        assert (sub.timezone, f"{sub.digest_time:%H:%M}", sub.next_due) == (zone, at, due)
        shown = await ask(fake, USER, "/settings")
        assert confirmed in shown.params["text"]


async def test_time_or_place_alone_keeps_the_other(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    async with running_bot(settings_for(fake, db), nlp, clock) as (_, newsroom):
        await ask(fake, USER, "/subscribe 8am London")
        later = await ask(fake, USER, "/subscribe 9:15")
        assert "09:15</b> London time" in later.params["text"]
        moved = await ask(fake, USER, "/subscribe Tokyo")
        assert "09:15</b> Tokyo time" in moved.params["text"]
        instant = await ask(fake, USER, "/subscribe instant")
        assert "as soon as an article is added" in instant.params["text"]
        sub = newsroom.subscriber(USER)
        assert sub is not None
        assert (sub.mode, sub.timezone) == ("instant", "Asia/Tokyo")


async def test_an_unknown_place_gets_did_you_mean_buttons_and_changes_nothing(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    async with running_bot(settings_for(fake, db), nlp, clock) as (_, newsroom):
        offer = await ask(fake, USER, "/subscribe 8am Lodnon")
        assert "I don't know the place “Lodnon”" in offer.params["text"]
        assert "sub:0800:London" in datas(offer)
        assert newsroom.subscriber(USER) is None, "nothing stored before the user chooses"

        await fake.user_presses(USER, message_id(offer), "sub:0800:London")
        chosen = await fake.next_call("editMessageText", chat_id=USER, ok=True, timeout=10)
        assert "every day at <b>08:00</b> London time" in chosen.params["text"]
        sub = newsroom.subscriber(USER)
        assert sub is not None
        assert (sub.timezone, sub.place) == ("Europe/London", "London")

        nothing = await ask(fake, USER, "/subscribe 8am Xqzzv")
        assert "I don't know the place" in nothing.params["text"]
        assert "/subscribe 8am London" in nothing.params["text"], "no suggestion: the usage"
        for bad in ("/subscribe 25:00 Paris", "/subscribe 13pm", "/subscribe 8am 9am London"):
            refused = await ask(fake, USER, bad)
            assert "not a time" in refused.params["text"] or "one time" in refused.params["text"]
        after = newsroom.subscriber(USER)
        assert after == sub, "a refused /subscribe changed nothing"


async def test_subscribe_alone_offers_times_and_a_shared_location(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    async with running_bot(settings_for(fake, db), nlp, clock) as (_, newsroom):
        picker = await ask(fake, USER, "/subscribe")
        assert "When should your daily digest come?" in picker.params["text"]
        offered = datas(picker)
        assert {"sub:0700", "sub:0800", "sub:2100", "sub:now", "sub:loc"} <= set(offered)
        assert newsroom.subscriber(USER) is None

        await fake.user_presses(USER, message_id(picker), "sub:0900")
        chosen = await fake.next_call("editMessageText", chat_id=USER, ok=True, timeout=10)
        assert "every day at <b>09:00</b> UTC time" in chosen.params["text"]
        assert "/subscribe 8am London" in chosen.params["text"], "how to say one's own place"

        again = await ask(fake, USER, "/subscribe")
        await fake.user_presses(USER, message_id(again), "sub:loc")
        request = await fake.next_call("sendMessage", chat_id=USER, ok=True)
        assert "Share your location" in request.params["text"]
        shown = fake.keyboard(USER)
        assert shown is not None
        assert shown["keyboard"][0][0]["request_location"] is True

        await fake.user_shares_location(USER, 35.6895, 139.6917)  # Tokyo
        placed = await fake.next_call("sendMessage", chat_id=USER, ok=True, timeout=10)
        assert "every day at <b>09:00</b> Tokyo time" in placed.params["text"]
        assert fake.keyboard(USER) is None, "the location keyboard is gone"
        sub = newsroom.subscriber(USER)
        assert sub is not None
        assert sub.timezone == "Asia/Tokyo"

        await fake.user_presses(USER, message_id(again), "sub:loc")
        await fake.next_call("sendMessage", chat_id=USER, ok=True)
        assert fake.keyboard(USER) is not None
        declined = await ask(fake, USER, "✖️ Not now")
        assert declined.params["text"] == "OK, nothing changed."
        assert fake.keyboard(USER) is None
        assert newsroom.subscriber(USER) == sub

        fake.make_admin(-100300, 1000)  # a group's subscription is its admins' to change
        group = await ask(fake, -100300, "/subscribe")  # from user 1000
        assert "When should" in group.params["text"]
        assert "sub:loc" not in datas(group), "Telegram asks for a location in private only"


async def test_a_timed_pause_holds_digests_and_the_next_one_has_what_came(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    async with running_bot(settings_for(fake, db), nlp, clock) as (_, newsroom):
        await ask(fake, USER, "/subscribe 7:30 Berlin")  # 06:30 UTC
        for bad in ("/pause 7x", "/pause 0d", "/pause 2 years"):
            refused = await ask(fake, USER, bad)
            assert "/pause 7d" in refused.params["text"]
        sub = newsroom.subscriber(USER)
        assert sub is not None
        assert not sub.paused(newsroom.now()), "bad input paused nothing"

        paused = await ask(fake, USER, "/pause 7d")
        assert "Paused until Sun 8 Mar, 07:00 Berlin time" in paused.params["text"]
        await ask(fake, ADMIN, "/load " + HARBOUR)
        clock.advance(minutes=31)  # today's digest time
        assert not [t for t in await quiet(fake, USER) if "daily digest" in t]
        clock.advance(days=6)  # 7 March, 06:31 UTC: still paused
        assert not [t for t in await quiet(fake, USER) if "daily digest" in t]
        settings = await ask(fake, USER, "/settings")
        assert "next: tomorrow.\n" in settings.params["text"]
        assert "Paused until tomorrow, 07:00 Berlin time" in settings.params["text"]

        clock.advance(days=1)  # 8 March, 06:31: the pause ended at 06:00, digest time 06:30
        digest = await fake.next_call("sendMessage", chat_id=USER, ok=True, timeout=10)
        assert "Your daily digest" in digest.params["text"]
        assert "Harbour council approves ferry terminal" in digest.params["text"]
        resumed = await ask(fake, USER, "/resume")
        assert "not paused" in resumed.params["text"]


async def test_a_pause_until_resume_keeps_instant_news_for_after(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    async with running_bot(settings_for(fake, db), nlp, clock) as (_, newsroom):
        lonely = await ask(fake, USER, "/pause")
        assert "not subscribed" in lonely.params["text"]
        await ask(fake, USER, "/subscribe instant")
        paused = await ask(fake, USER, "/pause")
        assert "Paused until you send /resume" in paused.params["text"]
        await ask(fake, ADMIN, "/load " + HARBOUR)
        clock.advance(days=30)
        assert not [t for t in await quiet(fake, USER) if "What's new" in t]

        await fake.user_says(USER, "/resume")
        # the reply and the news held back, in either order: the tick may send first
        two = [await fake.next_call("sendMessage", chat_id=USER, ok=True, timeout=10)]
        two.append(await fake.next_call("sendMessage", chat_id=USER, ok=True, timeout=10))
        texts = sorted((c.params["text"] for c in two), key=lambda t: "What's new" in t)
        resumed, notice = texts
        assert resumed.startswith("Resumed: you get a message as soon as")
        assert "What's new" in notice
        assert "Harbour council approves ferry terminal" in notice
        assert len(newsroom.articles()) == 2


async def test_digest_buttons_ask_link_change_time_and_unsubscribe(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    async with running_bot(settings_for(fake, db), nlp, clock) as (_, newsroom):
        await ask(fake, USER, "/subscribe instant")
        article = newsroom.load_text(HARBOUR, url="https://gazette.example/harbour-ferry")
        notice = await fake.next_call("sendMessage", chat_id=USER, ok=True, timeout=10)
        assert "What's new" in notice.params["text"]
        assert "expandable_blockquote" not in entity_types(notice), "a short one is not folded"
        buttons = keyboard(notice)
        assert {"text": "🔗 Source", "url": "https://gazette.example/harbour-ferry"} in buttons
        assert f"ask:{article.id}" in datas(notice)
        assert {"sub:menu", "unsub"} <= set(datas(notice))

        await fake.user_presses(USER, message_id(notice), f"ask:{article.id}")
        prompt = await fake.next_call("sendMessage", chat_id=USER, ok=True, timeout=10)
        assert "What would you like to know about" in prompt.params["text"]
        assert "Halvorsen" in prompt.params["text"]
        # A follow-up's "she" is the article's mayor, Ingrid Halvorsen: her words are the answer.
        answer = await ask(fake, USER, "what did she say?")
        assert f"#{article.id}" in answer.params["text"], "answered from that article"
        assert "Halvorsen told reporters" in answer.params["text"], "she: the mayor's quote"
        elsewhere = await ask(fake, USER + 1, "what did she say?")
        assert f"#{article.id}" not in elsewhere.params["text"], "without the button, no context"

        await fake.user_presses(USER, message_id(notice), "sub:menu")
        picker = await fake.next_call("sendMessage", chat_id=USER, ok=True)
        assert "sub:0800" in datas(picker)

        await fake.user_presses(USER, message_id(notice), "unsub")
        await fake.next_call("answerCallbackQuery", text="Unsubscribed.")
        await fake.next_call("editMessageReplyMarkup", chat_id=USER, ok=True)
        bye = await fake.next_call("sendMessage", chat_id=USER, ok=True)
        assert "Unsubscribed" in bye.params["text"]
        sub = newsroom.subscriber(USER)
        assert sub is not None
        assert not sub.active
        assert "reply_markup" not in fake.message(USER, message_id(notice))


async def test_a_long_digest_folds_each_article(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    async with running_bot(settings_for(fake, db), nlp, clock) as (_, newsroom):
        await ask(fake, USER, "/subscribe 6:15am UTC")
        newsroom.load_text(HARBOUR)
        newsroom.load_text(STRIKE, title="Port strike ends")
        clock.advance(minutes=20)
        digest = await fake.next_call("sendMessage", chat_id=USER, ok=True, timeout=10)
        assert "Your daily digest" in digest.params["text"]
        assert entity_types(digest).count("expandable_blockquote") == 2
        # each headline a deep link to its article in the bot's private chat
        for article_id in (2, 3):
            link = f'<a href="https://t.me/talks_test_bot?start=article_{article_id}">'
            assert link in digest.params["text"]
        assert datas(digest)[:2] == ["ask:2", "ask:3"]
