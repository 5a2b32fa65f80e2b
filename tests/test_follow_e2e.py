"""End to end through the real bot and the fake Bot API: /follow with "did you mean" buttons,
follow notices sent once per article (a failed send retried, a restart repeating nothing, a
blocked chat dropped), /following and /unfollow with their buttons, and /timeline's pages."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from pathlib import Path

from spacy.language import Language

from handlers import buttons
from knowledge import Newsroom
from tests.botkit import ADMIN, USER, Clock, running_bot, settings_for
from tests.fake_bot_api import Call, FakeBotApi
from tests.test_following import BERGS, HARBOUR, VISIT

NOTICE = "in a new article"
SUMMIT = """title: Summit on coal opens in Paris
date: 2026-02-25

Emmanuel Macron opened a two-day climate summit in Paris on Wednesday with a call for faster \
cuts in coal use.

Delegates from forty countries attended, and several pledged new money to protect forests."""


async def ask(fake: FakeBotApi, chat: int, text: str) -> Call:
    await fake.user_says(chat, text)
    return await fake.next_call("sendMessage", chat_id=chat, ok=True, timeout=10)


def datas(call: Call) -> list[str]:
    rows = call.params.get("reply_markup", {}).get("inline_keyboard", [])
    return [b["callback_data"] for row in rows for b in row if "callback_data" in b]


def message_id(call: Call) -> int:
    return int(call.response["message_id"])


def notices_to(fake: FakeBotApi, chat: int) -> list[str]:
    return [t for t in fake.texts_to(chat) if NOTICE in t]


async def until(condition: Callable[[], bool], *, polls: int = 200) -> None:
    """Wait for a condition the bot's rounds make true, up to 10 s (no fixed sleep to guess)."""
    for _ in range(polls):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the condition did not come true")


async def rounds(newsroom: Newsroom, n: int = 2) -> None:
    """Wait for ``n`` whole delivery rounds (each ends with the scheduler's heartbeat), so that
    "nothing more was sent" is checked after rounds that could have sent it."""

    def moved_on(before: str | None) -> bool:
        return newsroom.store.get_meta("heartbeat") != before

    for _ in range(n):
        await until(functools.partial(moved_on, newsroom.store.get_meta("heartbeat")))


def entity_id(newsroom: Newsroom, name: str) -> int:
    found = newsroom.follows.resolve(name).entity
    assert found is not None
    return found.id


async def test_follow_a_misspelt_name_and_get_one_notice_per_article_across_a_restart(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    settings = settings_for(fake, db)
    async with running_bot(settings, nlp, clock) as (_, newsroom):
        usage = await ask(fake, USER, "/follow")
        assert "/follow de Mistura" in usage.params["text"]
        offer = await ask(fake, USER, "/follow Macrn")
        assert "Whom do you mean by “Macrn”?" in offer.params["text"]
        macron = entity_id(newsroom, "Emmanuel Macron")
        assert datas(offer)[0] == buttons.follow(macron, choice=True)
        assert newsroom.follows.following(USER) == [], "nothing followed before the choice"

        await fake.user_presses(USER, message_id(offer), buttons.follow(macron, choice=True))
        done = await fake.next_call("editMessageText", chat_id=USER, ok=True, timeout=10)
        assert "🔔 You follow <b>Emmanuel Macron</b> (French President) now" in done.params["text"]
        assert buttons.timeline(macron) in datas(done)
        listed = await ask(fake, USER, "/following")
        assert "<b>Emmanuel Macron</b> · since 1 March 2026" in listed.params["text"]

        loaded = await ask(fake, ADMIN, "/load " + HARBOUR)  # names no one USER follows
        assert "Loaded #2" in loaded.params["text"]
        visit = newsroom.load_text(VISIT)  # as a feed would: the next round tells USER
        notice = await fake.next_call("sendMessage", chat_id=USER, ok=True, timeout=10)
        text = notice.params["text"]
        assert text.startswith("🔔 <b>Emmanuel Macron</b> in a new article")
        assert "<i>Macron visits Beijing to talk trade</i>" in text
        assert f"20 February 2026 · #{visit.id} · Test Wire" in text
        assert "French President <b>Emmanuel Macron</b> arrived in Beijing" in text
        assert "Brussels" not in text, "only what the article says about him"
        assert {buttons.about(visit.id), buttons.timeline(macron)} <= set(datas(notice))
        await rounds(newsroom)
        assert len(notices_to(fake, USER)) == 1
        assert newsroom.follows.notified(USER) == {visit.id}

    async with running_bot(settings, nlp, clock) as (_, newsroom):
        await rounds(newsroom)
        assert len(notices_to(fake, USER)) == 1, "a restart repeats no recorded notice"
        again = newsroom.load_text(SUMMIT)
        later = await fake.next_call("sendMessage", chat_id=USER, ok=True, timeout=10)
        assert f"#{again.id}" in later.params["text"]
        assert "climate summit in Paris" in later.params["text"]


async def test_a_failed_notice_is_sent_later_once_and_a_blocked_chat_stops_following(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    blocker = USER + 1
    async with running_bot(settings_for(fake, db), nlp, clock) as (_, newsroom):
        for chat in (USER, blocker):
            done = await ask(fake, chat, "/follow Emmanuel Macron")
            assert "You follow" in done.params["text"]
        fake.fail_next("sendMessage", 502, chat_id=USER, times=3)  # every try of one send
        fake.block(blocker)
        visit = newsroom.load_text(VISIT)
        await fake.next_call("sendMessage", chat_id=USER, ok=False, timeout=10)
        notice = await fake.next_call("sendMessage", chat_id=USER, ok=True, timeout=10)
        assert NOTICE in notice.params["text"]
        await until(lambda: not newsroom.follows.following(blocker))
        await rounds(newsroom)
        assert len(notices_to(fake, USER)) == 1
        assert newsroom.follows.notified(USER) == {visit.id}
        assert newsroom.follows.notified(blocker) == set()
        assert newsroom.stats().sends_day[0] == 1


async def test_unfollow_by_name_by_the_list_and_under_a_notice(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    async with running_bot(settings_for(fake, db), nlp, clock) as (_, newsroom):
        newsroom.load_text(BERGS)
        for name in ("Anna Berg", "Lars Berg", "de Mistura", "Macron"):
            await ask(fake, USER, f"/follow {name}")
        again = await ask(fake, USER, "/follow the UN envoy")
        assert "You already follow <b>Staffan de Mistura</b>" in again.params["text"]

        which = await ask(fake, USER, "/unfollow Berg")
        assert which.params["text"] == "Which one?"
        assert len(datas(which)) == 2
        nobody = await ask(fake, USER, "/unfollow China")
        assert "You don't follow “China”" in nobody.params["text"]
        gone = await ask(fake, USER, "/unfollow de mistura")
        assert gone.params["text"] == "🔕 You no longer follow <b>Staffan de Mistura</b>."

        listed = await ask(fake, USER, "/unfollow")
        assert listed.params["text"].startswith("<b>You follow</b>")
        lars = next(f for f in newsroom.follows.following(USER) if f.name == "Lars Berg")
        await fake.user_presses(USER, message_id(listed), buttons.unfollow(lars.id, on_list=True))
        await fake.next_call("answerCallbackQuery", text="You no longer follow Lars Berg.")
        redrawn = await fake.next_call("editMessageText", chat_id=USER, ok=True, timeout=10)
        assert "Lars Berg" not in redrawn.params["text"]
        assert "Anna Berg" in redrawn.params["text"]

        newsroom.load_text(VISIT)
        notice = await fake.next_call("sendMessage", chat_id=USER, ok=True, timeout=10)
        (macron,) = (f for f in newsroom.follows.following(USER) if f.name == "Emmanuel Macron")
        await fake.user_presses(USER, message_id(notice), buttons.unfollow(macron.id))
        bye = await fake.next_call("sendMessage", chat_id=USER, ok=True, timeout=10)
        assert bye.params["text"] == "🔕 You no longer follow <b>Emmanuel Macron</b>."
        assert [f.name for f in newsroom.follows.following(USER)] == ["Anna Berg"]
        await fake.user_presses(USER, message_id(notice), buttons.unfollow(macron.id))
        await fake.next_call("answerCallbackQuery", text="Not followed any more.")


async def test_timeline_pages_oldest_first_with_resolved_dates(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    async with running_bot(settings_for(fake, db), nlp, clock) as (_, newsroom):
        mistura = entity_id(newsroom, "de Mistura")
        first = await ask(fake, USER, "/timeline de Mistura")
        text = first.params["text"]
        assert text.startswith("🕰 <b>Staffan de Mistura</b> (UN Special Envoy for Syria)")
        assert "oldest first (1–8 of 12)" in text
        assert text.index("<b>July 2014</b> · #1") < text.index("<b>14 July 2017</b> · #1")
        assert "<b>the week of 10 July 2017</b>" in text, "“this week”, resolved"
        assert "<b>reported 14 July 2017</b>" in text, "a sentence naming no date"
        assert "since July 2014" in text
        seed_title = newsroom.article(1).title
        assert f"#1 <i>{seed_title}</i>" in text, "the page's articles"
        assert len(text) < 4096
        assert datas(first) == [buttons.timeline(mistura, 1), buttons.follow(mistura)]

        await fake.user_presses(USER, message_id(first), buttons.timeline(mistura, 1))
        second = await fake.next_call("editMessageText", chat_id=USER, ok=True, timeout=10)
        assert "(9–12 of 12)" in second.params["text"]
        assert buttons.timeline(mistura, 0) in datas(second)
        assert buttons.timeline(mistura, 2) not in datas(second)

        offer = await ask(fake, USER, "/timeline Mistrua")
        assert "Whom do you mean by “Mistrua”?" in offer.params["text"]
        await fake.user_presses(USER, message_id(offer), buttons.timeline(mistura))
        shown = await fake.next_call("editMessageText", chat_id=USER, ok=True, timeout=10)
        assert "oldest first (1–8 of 12)" in shown.params["text"]

        await fake.user_presses(USER, message_id(shown), buttons.follow(mistura))
        followed = await fake.next_call("sendMessage", chat_id=USER, ok=True, timeout=10)
        assert "You follow <b>Staffan de Mistura</b>" in followed.params["text"]
        unknown = await ask(fake, USER, "/timeline Xqzzv Wwplk")
        assert "I don't know anyone or anything called “Xqzzv Wwplk”" in unknown.params["text"]
