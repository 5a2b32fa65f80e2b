"""End to end: the real bot (PTB Application, JobQueue, rate limiter) over HTTP against the fake
Bot API, on real SQLite stores and the real spaCy model."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from spacy.language import Language
from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge import Newsroom
from knowledge.storage.schema import SendRow
from tests.botkit import (
    ADMIN,
    USER,
    Clock,
    running_bot,
    settings_for,
)
from tests.conftest import DATA
from tests.fake_bot_api import Call, FakeBotApi
from tests.pdfs import make_pdf

GROUP = -100200


async def eventually(check: Callable[[], bool]) -> bool:
    """Poll (up to 5 s) a condition the bot makes true after a send: the store is written
    right after it."""
    try:
        async with asyncio.timeout(5):
            while not check():  # noqa: ASYNC110 - the store has no event to wait on
                await asyncio.sleep(0.05)
    except TimeoutError:
        return False
    return True


def _next_due(newsroom: Newsroom, chat: int) -> dt.datetime | None:
    sub = newsroom.subscriber(chat)
    return None if sub is None else sub.next_due


def _active(newsroom: Newsroom, chat: int) -> bool:
    sub = newsroom.subscriber(chat)
    return sub is not None and sub.active


def buttons(call: Call) -> list[str]:
    rows = call.params.get("reply_markup", {}).get("inline_keyboard", [])
    return [b["callback_data"] for row in rows for b in row]


def message_id(call: Call) -> int:
    return int(call.response["message_id"])


async def ask(fake: FakeBotApi, chat: int, text: str, **kw: object) -> Call:
    await fake.user_says(chat, text, **kw)  # type: ignore[arg-type]
    return await fake.next_call("sendMessage", chat_id=chat, ok=True, timeout=10)


async def test_question_answer_buttons_and_feedback(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    async with running_bot(settings_for(fake, db), nlp, clock) as (_, newsroom):
        call = await ask(fake, USER, "who is de mistrua?")
        assert "<b>" in call.params["text"]
        assert "Mistura" in call.params["text"]
        data = buttons(call)
        assert any(d.startswith("src:") for d in data)
        assert any(d.startswith("more:") for d in data)

        src = next(d for d in data if d.startswith("src:"))
        await fake.user_presses(USER, message_id(call), src)
        shown = await fake.next_call("sendMessage", chat_id=USER, ok=True)
        assert "Mistura" in shown.params["text"]

        more = next(d for d in data if d.startswith("more:"))
        await fake.user_presses(USER, message_id(call), more)
        extra = await fake.next_call("sendMessage", chat_id=USER, ok=True)
        assert "More from the articles" in extra.params["text"]

        up = next(d for d in data if d.startswith("fb:") and d.endswith(":1"))
        await fake.user_presses(USER, message_id(call), up)
        await fake.next_call("answerCallbackQuery", text="Thanks for the feedback!")
        stats = newsroom.stats()
        assert stats.day.thumbs_up == 1
        assert stats.day.answered == 1


async def test_follow_up_uses_the_last_answer(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    async with running_bot(settings_for(fake, db), nlp, clock):
        first = await ask(fake, USER, "who is the UN special envoy for Syria?")
        assert "Mistura" in first.params["text"]
        follow = await ask(fake, USER, "what did he say?")
        assert "don't say" not in follow.params["text"]
        assert "src:" in " ".join(buttons(follow))


async def test_decline_offers_closest_facts(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    async with running_bot(settings_for(fake, db), nlp, clock):
        call = await ask(fake, USER, "what is the population of Peru?")
        assert "don't say" in call.params["text"]
        for data in buttons(call):
            assert data.startswith("fact:")
        if buttons(call):
            await fake.user_presses(USER, message_id(call), buttons(call)[0])
            edited = await fake.next_call("editMessageText", chat_id=USER, ok=True)
            assert "<blockquote>" in edited.params["text"]


async def test_groups_answer_only_when_addressed(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    async with running_bot(settings_for(fake, db), nlp, clock):
        await fake.user_says(GROUP, "lunch at noon, anyone?", user_id=USER)
        call = await ask(fake, GROUP, "/ask@talks_test_bot who is Xie Xiaoyan?", user_id=USER)
        assert "Xie" in call.params["text"]
        assert call.params.get("reply_parameters"), "a group answer quotes the question"
        mention = await ask(fake, GROUP, "@talks_test_bot who is de Mistura?", user_id=USER)
        assert "Mistura" in mention.params["text"]
        replied = await ask(
            fake,
            GROUP,
            "and when is the next round?",
            user_id=USER,
            reply_to=message_id(mention),
        )
        assert "September" in replied.params["text"]
        texts = fake.texts_to(GROUP)
        assert len(texts) == 3, "the chatter was not answered"


async def test_bad_input_gets_a_clear_reply(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    async with running_bot(settings_for(fake, db), nlp, clock):
        assert "Ask me like this" in (await ask(fake, USER, "/ask")).params["text"]
        long = await ask(fake, USER, "why " * 600)
        assert "too long" in long.params["text"]
        unknown = await ask(fake, USER, "/frobnicate now")
        assert "don't know /frobnicate" in unknown.params["text"]
        assert "/article 1" in (await ask(fake, USER, "/article abc")).params["text"]
        assert "no article #999" in (await ask(fake, USER, "/article 999")).params["text"]
        assert "Tell me whom" in (await ask(fake, USER, "/who")).params["text"]
        bad_time = await ask(fake, USER, "/subscribe 25:99")
        assert "not a time" in bad_time.params["text"]
        bad_zone = await ask(fake, USER, "/subscribe 08:00 Mars/Olympus")
        assert "I don't know the place" in bad_zone.params["text"]
        settings = await ask(fake, USER, "/settings")
        assert "not subscribed" in settings.params["text"], "a refused /subscribe stored nothing"


async def test_start_help_who_articles(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    async with running_bot(settings_for(fake, db), nlp, clock):
        start = await ask(fake, USER, "/start")
        examples = [d for d in buttons(start) if d.startswith("q:")]
        assert len(examples) == 3
        await fake.user_presses(USER, message_id(start), examples[0])
        answer = await fake.next_call("sendMessage", chat_id=USER, ok=True)
        assert "don't say" not in answer.params["text"]
        assert "/subscribe" in (await ask(fake, USER, "/help")).params["text"]
        assert "/load" not in (await ask(fake, USER, "/help")).params["text"]
        assert "/load" in (await ask(fake, ADMIN, "/help")).params["text"]
        who = await ask(fake, USER, "/who Xie Xiaoyan")
        assert "<b>Xie Xiaoyan</b>" in who.params["text"]
        listing = await ask(fake, USER, "/articles")
        assert "#1 ·" in listing.params["text"]
        article = await ask(fake, USER, "/article 1")
        assert "Key facts" in article.params["text"]
        menu = fake.calls("setMyCommands")
        assert menu, "the command menu is published"


async def test_admin_load_text_and_document_notifies_instant_once(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    article = (DATA / "harbour_council.txt").read_text()
    async with running_bot(settings_for(fake, db), nlp, clock) as (_, newsroom):
        await ask(fake, USER, "/subscribe instant")
        refused = await ask(fake, USER, "/load " + article)
        assert "only the bot's admins" in refused.params["text"]
        assert len(newsroom.articles()) == 1

        loaded = await ask(fake, ADMIN, "/load " + article)
        assert "Loaded #2" in loaded.params["text"]
        assert "1 instant subscriber" in loaded.params["text"]
        notice = await fake.next_call("sendMessage", chat_id=USER, ok=True, timeout=10)
        assert "What's new" in notice.params["text"]

        again = await ask(fake, ADMIN, "/load " + article)
        assert "already stored" in again.params["text"]

        html = (
            "<html><body><article><h1>Port strike ends</h1>"
            + "".join(f"<p>{p}</p>" for p in _other_article())
            + "</article></body></html>"
        )
        doc = fake.add_file(html.encode(), "strike.html", "text/html")
        await fake.user_sends_document(ADMIN, doc, caption="/load")
        by_file = await fake.next_call("sendMessage", chat_id=ADMIN, ok=True, timeout=20)
        assert "Loaded #3" in by_file.params["text"]
        await fake.next_call("sendMessage", chat_id=USER, ok=True, timeout=10)

        bad = fake.add_file(b"\x89PNG\r\n\x1a\n\x00\x00", "photo.png", "image/png")
        await fake.user_sends_document(ADMIN, bad, caption="/load")
        refusal = await fake.next_call("sendMessage", chat_id=ADMIN, ok=True)
        assert ".html" in refusal.params["text"]

        await asyncio.sleep(0.6)  # a few ticks: nothing is sent twice
        notices = [t for t in fake.texts_to(USER) if "What's new" in t]
        assert len(notices) == 2
        assert len(newsroom.articles()) == 3


def _other_article() -> list[str]:
    return [
        "Dock workers at the port of Halden ended a nine-day strike on Tuesday after the "
        "harbour authority agreed to raise night-shift pay by 12 percent.",
        "Union leader Maren Aasen said the deal was a fair one and that ships would be unloaded "
        "again from Wednesday morning.",
        "The strike had left more than forty container ships waiting off the coast, according "
        "to the port's own figures.",
        "Harbour director Olav Rudi said the authority would review its shift rules with the "
        "union before the end of the year.",
    ]


async def test_remove_needs_confirmation_and_an_admin(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    async with running_bot(settings_for(fake, db), nlp, clock) as (_, newsroom):
        ask_rm = await ask(fake, GROUP, "/remove 1", user_id=ADMIN)
        assert buttons(ask_rm) == ["rm:1", "rm:no"]
        await fake.user_presses(GROUP, message_id(ask_rm), "rm:1", user_id=USER)
        refused = await fake.next_call("answerCallbackQuery")
        assert "only the bot's admins" in refused.params.get("text", "")
        assert len(newsroom.articles()) == 1
        await fake.user_presses(GROUP, message_id(ask_rm), "rm:1", user_id=ADMIN)
        done = await fake.next_call("editMessageText", chat_id=GROUP, ok=True)
        assert "Removed #1" in done.params["text"]
        assert newsroom.articles() == []
        stats = await ask(fake, ADMIN, "/stats")
        assert "0 articles" in stats.params["text"]
        assert "only the bot's admins" in (await ask(fake, USER, "/stats")).params["text"]


async def test_daily_digest_at_its_time_survives_restart(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    settings = settings_for(fake, db)
    async with running_bot(settings, nlp, clock) as (_, newsroom):
        sub = await ask(fake, USER, "/subscribe 07:30 Europe/Berlin")  # 06:30 UTC in March
        assert "07:30" in sub.params["text"]
        await ask(fake, ADMIN, "/load " + (DATA / "harbour_council.txt").read_text())
        await asyncio.sleep(0.5)
        assert not [t for t in fake.texts_to(USER) if "daily digest" in t], "not yet due"
        clock.advance(minutes=31)
        digest = await fake.next_call("sendMessage", chat_id=USER, ok=True, timeout=10)
        assert "Your daily digest" in digest.params["text"]
        assert "Key facts" in digest.params["text"]
        tomorrow = dt.datetime(2026, 3, 2, 6, 30, tzinfo=dt.UTC)
        assert await eventually(lambda: _next_due(newsroom, USER) == tomorrow)

    async with running_bot(settings, nlp, clock):  # restart: nothing is sent again
        clock.advance(hours=1)
        await asyncio.sleep(0.6)
        clock.advance(days=1)  # the next digest time, with nothing new: silence
        await asyncio.sleep(0.6)
    digests = [t for t in fake.texts_to(USER) if "daily digest" in t]
    assert len(digests) == 1


async def test_digest_missed_while_down_goes_out_at_start(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    settings = settings_for(fake, db)
    async with running_bot(settings, nlp, clock):
        await ask(fake, USER, "/subscribe 06:15")
        await ask(fake, ADMIN, "/load " + (DATA / "harbour_council.txt").read_text())
    clock.advance(hours=3)  # the bot was down at 06:15
    async with running_bot(settings, nlp, clock):
        digest = await fake.next_call("sendMessage", chat_id=USER, ok=True, timeout=10)
        assert "Your daily digest" in digest.params["text"]


async def test_stop_ends_a_fan_out_between_digests(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    settings = settings_for(fake, db)
    chats = range(5001, 5041)  # 40 digests: over a second at the overall rate
    digests = lambda: [  # noqa: E731
        c
        for c in fake.calls("sendMessage")
        if c.ok and c.params["chat_id"] in chats and "daily digest" in c.params["text"]
    ]
    async with running_bot(settings, nlp, clock) as (_, newsroom):
        for chat in chats:
            newsroom.subscribe(chat, mode="daily", at=dt.time(6, 30), timezone="UTC")
        await ask(fake, ADMIN, "/load " + (DATA / "harbour_council.txt").read_text())
        clock.advance(hours=1)
        assert await eventually(lambda: len(digests()) >= 3)
        stopping = asyncio.get_running_loop().time()
    assert asyncio.get_running_loop().time() - stopping < 1.0, "stop waits for one send at most"
    first_run = len(digests())
    assert first_run < len(chats), "the stop ended the fan-out"

    async with running_bot(settings, nlp, clock):  # the rest at the next start, none twice
        assert await eventually(lambda: len(digests()) >= len(chats))
        await asyncio.sleep(0.3)
    assert sorted(int(c.params["chat_id"]) for c in digests()) == list(chats)


async def test_retry_after_is_honoured(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    async with running_bot(settings_for(fake, db), nlp, clock):
        fake.fail_next("sendMessage", 429, retry_after=1, chat_id=USER)
        await fake.user_says(USER, "who is Xie Xiaoyan?")
        limited = await fake.next_call("sendMessage", chat_id=USER, ok=False, timeout=10)
        assert limited.status == 429
        sent = await fake.next_call("sendMessage", chat_id=USER, ok=True, timeout=10)
        assert sent.time - limited.time >= 1.0
        assert "Xie" in sent.params["text"]


async def test_blocked_chat_is_deactivated(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    async with running_bot(settings_for(fake, db), nlp, clock) as (_, newsroom):
        await ask(fake, USER, "/subscribe instant")
        fake.block(USER)
        await ask(fake, ADMIN, "/load " + (DATA / "harbour_council.txt").read_text())
        await fake.next_call("sendMessage", chat_id=USER, ok=False, timeout=10)
        assert await eventually(lambda: not _active(newsroom, USER))
        await asyncio.sleep(0.5)  # later ticks leave a deactivated chat alone
        assert newsroom.stats().sends_day == (0, 1)


async def test_network_errors_are_retried(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    async with running_bot(settings_for(fake, db), nlp, clock):
        fake.drop_next("sendMessage", chat_id=USER)
        fake.fail_next("sendMessage", 502, chat_id=USER)
        await fake.user_says(USER, "who is Xie Xiaoyan?")
        sent = await fake.next_call("sendMessage", chat_id=USER, ok=True, timeout=15)
        assert "Xie" in sent.params["text"]
        assert len(fake.calls("sendMessage", chat_id=USER)) == 3


async def test_load_by_replying_to_a_message(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    text = "\n\n".join(_other_article())
    async with running_bot(settings_for(fake, db), nlp, clock) as (_, newsroom):
        pasted = await fake.user_says(ADMIN, text)
        offer = await fake.next_call("sendMessage", chat_id=ADMIN, ok=True)
        assert "Load it as an article?" in offer.params["text"]  # not answered as a question
        loaded = await ask(fake, ADMIN, "/load", reply_to=pasted["message"]["message_id"])
        assert "Loaded #2" in loaded.params["text"]
        assert "Maren Aasen" in loaded.params["text"]
        short = await ask(fake, ADMIN, "/load Hello there.")
        assert "Not loaded" in short.params["text"]
        empty = await ask(fake, ADMIN, "/load")
        assert "followed by a link" in empty.params["text"]
        assert len(newsroom.articles()) == 2
        answer = await ask(fake, USER, "who is Maren Aasen?")
        assert "Union leader" in answer.params["text"] or "union" in answer.params["text"]


async def test_load_a_pdf_document(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    pdf = make_pdf([_other_article()[:2], _other_article()[2:]])
    async with running_bot(settings_for(fake, db), nlp, clock) as (_, newsroom):
        doc = fake.add_file(pdf, "strike.pdf", "application/pdf")
        await fake.user_sends_document(ADMIN, doc, caption="/load")
        loaded = await fake.next_call("sendMessage", chat_id=ADMIN, ok=True, timeout=20)
        assert "Loaded #2" in loaded.params["text"]
        assert "Maren Aasen" in loaded.params["text"]
        broken = fake.add_file(pdf[: len(pdf) // 3], "broken.pdf", "application/pdf")
        await fake.user_sends_document(ADMIN, broken, caption="/load")
        refused = await fake.next_call("sendMessage", chat_id=ADMIN, ok=True, timeout=20)
        assert "Not loaded" in refused.params["text"]
        assert len(newsroom.articles()) == 2


def _failed_sends(newsroom: Newsroom) -> dict[int, str | None]:
    """chat id → the error of its failed send (from the store /stats reads)."""
    with Session(newsroom.store.engine) as s:
        rows = s.execute(select(SendRow.chat_id, SendRow.error).where(SendRow.ok.is_(False)))
        return {int(chat): error for chat, error in rows}


async def test_concurrent_failed_sends_record_each_its_own_error(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    """Two /digest at once, to chats failing differently: each send's error is its own (the
    backoff between attempts keeps both sends in flight together)."""
    attempts = 3
    settings = settings_for(fake, db, send_attempts=attempts, send_backoff_seconds=0.3)
    first, second = 6001, 6002
    async with running_bot(settings, nlp, clock) as (_, newsroom):
        for chat in (first, second):
            newsroom.subscribe(chat, mode="daily", at=dt.time(23, 0), timezone="UTC")
        newsroom.load_text((DATA / "harbour_council.txt").read_text())
        fake.fail_next("sendMessage", 502, chat_id=first, times=attempts)
        fake.fail_next("sendMessage", 500, chat_id=second, times=attempts)
        await fake.user_says(first, "/digest")
        await fake.user_says(second, "/digest")
        assert await eventually(lambda: len(_failed_sends(newsroom)) == 2)
    errors = _failed_sends(newsroom)
    assert "Bad Gateway" in (errors[first] or "")
    assert "Internal Server Error" in (errors[second] or "")


async def test_a_digest_that_could_not_be_sent_is_not_called_nothing_new(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    settings = settings_for(fake, db, send_attempts=2, send_backoff_seconds=0.1)
    chat = 6101
    async with running_bot(settings, nlp, clock) as (_, newsroom):
        newsroom.subscribe(chat, mode="daily", at=dt.time(23, 0), timezone="UTC")
        newsroom.load_text((DATA / "harbour_council.txt").read_text())
        fake.fail_next("sendMessage", 502, chat_id=chat, times=2)  # the digest's two tries
        await fake.user_says(chat, "/digest")
        said = await fake.next_call("sendMessage", chat_id=chat, ok=True, timeout=10)
        assert "could not be sent" in said.params["text"]
        assert "Nothing new" not in said.params["text"]
        await fake.user_says(chat, "/digest")  # it is still owed: the next try delivers it
        again = await fake.next_call("sendMessage", chat_id=chat, ok=True, timeout=10)
        assert "What's new" in again.params["text"]


@pytest.mark.parametrize(
    ("status", "attempts"),
    [(429, 2), (502, 3)],
    ids=["retry-after", "network-error"],
)
async def test_a_failing_send_is_tried_send_attempts_times_in_all(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock, *, status: int, attempts: int
) -> None:
    """One retry layer: TALKS_SEND_ATTEMPTS requests in all, not attempts × the rate limiter's
    own retries."""
    async with running_bot(settings_for(fake, db, send_attempts=attempts), nlp, clock):
        fake.fail_next("sendMessage", status, retry_after=1, chat_id=USER, times=50)
        await fake.user_says(USER, "who is Xie Xiaoyan?")
        for _ in range(attempts):
            await fake.next_call("sendMessage", chat_id=USER, ok=False, timeout=10)
        await asyncio.sleep(1.5)  # longer than any wait between two tries
        assert len(fake.calls("sendMessage", chat_id=USER)) == attempts


def padded(question: str, length: int) -> str:
    """The question stretched to ``length`` characters by spaces inside it (the engine reads
    them as one; the limit counts them)."""
    head, _, tail = question.partition(" ")
    return head + " " * (length - len(question) + 1) + tail


async def test_the_question_limit_is_the_setting(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    """TALKS_MAX_QUESTION_CHARS is the one limit: 600 characters pass under 800, 900 get the
    one "too long" message (the same the CLI prints)."""
    async with running_bot(settings_for(fake, db, max_question_chars=800), nlp, clock):
        answered = await ask(fake, USER, padded("who is Xie Xiaoyan?", 600))
        assert "too long" not in answered.params["text"]
        assert "<b>Xie Xiaoyan</b>" in answered.params["text"]
        refused = await ask(fake, USER, padded("who is Xie Xiaoyan?", 900))
        assert refused.params["text"] == too_long_message(900, 800)


def too_long_message(length: int, limit: int) -> str:
    return (
        f"That message is too long ({length:,} characters). Please ask one short question "
        f"(at most {limit:,} characters)."
    )


async def test_load_too_short_counts_its_words(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    """A one-line text is the article's body, not a headline over nothing: its words count."""
    async with running_bot(settings_for(fake, db), nlp, clock) as (_, newsroom):
        short = await ask(fake, ADMIN, "/load hello there")
        assert "Not loaded" in short.params["text"]
        assert "(2 words; at least 25 needed)" in short.params["text"]
        heading = await ask(fake, ADMIN, "/load # hello there")  # Markdown
        assert "(2 words; at least 25 needed)" in heading.params["text"]
        titled = await ask(fake, ADMIN, "/load Harbour news\n\nThe ferry is late again today.")
        assert "(6 words; at least 25 needed)" in titled.params["text"], "a headline is not"
        assert len(newsroom.articles()) == 1


async def test_buttons_of_every_kind_and_unknown_ones(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    """👎, a stale "more", a "did you mean" fact, /remove's cancel, and data no button carries:
    each is answered (the other kinds: the tests above)."""
    async with running_bot(settings_for(fake, db), nlp, clock) as (_, newsroom):
        call = await ask(fake, USER, "who is Xie Xiaoyan?")
        down = next(d for d in buttons(call) if d.startswith("fb:") and d.endswith(":-1"))
        await fake.user_presses(USER, message_id(call), down)
        await fake.next_call("answerCallbackQuery", text="Thanks for the feedback!")
        assert newsroom.stats().day.thumbs_down == 1

        await fake.user_presses(USER, message_id(call), "more:99999", check=False)
        gone = await fake.next_call("sendMessage", chat_id=USER, ok=True)
        assert gone.params["text"] == "That question is gone."

        for data in ("zz:1", "fb:abc", "src:", "more:1:2", "rm:all"):
            pressed = await fake.user_presses(USER, message_id(call), data, check=False)
            query_id = pressed["callback_query"]["id"]
            answered = await fake.next_call("answerCallbackQuery", callback_query_id=query_id)
            assert answered.ok
            assert answered.params.get("text") == "That button no longer works.", data

        declined = await ask(fake, USER, "what did de Mistura say about the budget?")
        facts = buttons(declined)
        assert facts, "a decline offers the closest facts"
        assert all(d.startswith("fact:") for d in facts)
        await fake.user_presses(USER, message_id(declined), facts[0])
        shown = await fake.next_call("editMessageText", chat_id=USER, ok=True)
        assert "<blockquote>" in shown.params["text"]

        ask_rm = await ask(fake, ADMIN, "/remove 1")
        await fake.user_presses(ADMIN, message_id(ask_rm), "rm:no")
        kept = await fake.next_call("editMessageText", chat_id=ADMIN, ok=True)
        assert kept.params["text"] == "Nothing removed."
        assert len(newsroom.articles()) == 1


async def test_an_edit_is_retried_after_retry_after(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    """The rate limiter retries nothing, so the Sender retries edits as it does sends."""
    async with running_bot(settings_for(fake, db), nlp, clock):
        ask_rm = await ask(fake, ADMIN, "/remove 1")
        fake.fail_next("editMessageText", 429, retry_after=1, chat_id=ADMIN)
        await fake.user_presses(ADMIN, message_id(ask_rm), "rm:no")
        limited = await fake.next_call("editMessageText", chat_id=ADMIN, ok=False)
        kept = await fake.next_call("editMessageText", chat_id=ADMIN, ok=True, timeout=10)
        assert kept.time - limited.time >= 1.0
        assert kept.params["text"] == "Nothing removed."
        assert "went wrong" not in " ".join(fake.texts_to(ADMIN))
