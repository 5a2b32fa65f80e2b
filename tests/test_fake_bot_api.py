"""The fake Bot API server, driven by a real ``telegram.Bot`` over HTTP."""

from __future__ import annotations

import asyncio
import datetime as dt
import struct
import time
from collections.abc import AsyncIterator

import httpx
import pytest
import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, NetworkError, RetryAfter

from tests import factories
from tests.fake_bot_api import EntityParseError, FakeBotApi, parse_html


@pytest.fixture(autouse=True)
def _timedelta_periods(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB 22 warns on int time periods (``RetryAfter.retry_after``) unless opted in."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as server:
        yield server


@pytest.fixture
async def bot(fake: FakeBotApi) -> AsyncIterator[telegram.Bot]:
    async with telegram.Bot(
        fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url
    ) as client:
        yield client


def keyboard(*datas: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d, callback_data=d) for d in datas]])


# ---- identity, routing ----------------------------------------------------------------------


async def test_get_me_is_the_bot_of_the_token(fake: FakeBotApi, bot: telegram.Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (123456789, "talks_test_bot", True)
    assert fake.calls("getMe")


async def test_wrong_token_is_unauthorized_and_unknown_method_not_found(fake: FakeBotApi) -> None:
    async with httpx.AsyncClient() as client:
        wrong = await client.post(f"{fake.base_url}999:nope/getMe")
        unknown = await client.post(f"{fake.base_url}{fake.token}/sendTelepathy")
        any_case = await client.get(f"{fake.base_url}{fake.token}/GETME")
    assert wrong.status_code == 401
    assert wrong.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    assert unknown.status_code == 404
    assert unknown.json()["description"] == "Not Found"
    assert any_case.json()["result"]["username"] == "talks_test_bot"


async def test_a_bot_with_a_wrong_token_gets_invalid_token(fake: FakeBotApi) -> None:
    other = telegram.Bot("1:wrong", base_url=fake.base_url, base_file_url=fake.base_file_url)
    with pytest.raises(InvalidToken):
        await other.initialize()
    await other.shutdown()


async def test_json_bodies_are_accepted_too(fake: FakeBotApi) -> None:
    async with httpx.AsyncClient() as client:
        answer = await client.post(
            f"{fake.base_url}{fake.token}/sendMessage", json={"chat_id": 7, "text": "json"}
        )
    assert answer.json()["result"]["text"] == "json"
    assert fake.calls("sendMessage")[0].params == {"chat_id": 7, "text": "json"}


async def test_commands_and_webhook_round_trip(fake: FakeBotApi, bot: telegram.Bot) -> None:
    await bot.set_my_commands([("ask", "Ask a question"), ("help", "How to use the bot")])
    assert [c.command for c in await bot.get_my_commands()] == ["ask", "help"]
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([("Bad-Name", "x")])
    await bot.set_webhook("https://example.org/hook", secret_token="s3cret")
    assert (await bot.get_webhook_info()).url == "https://example.org/hook"
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates(timeout=0)
    assert await bot.delete_webhook()
    assert (await bot.get_webhook_info()).url == ""
    assert await bot.log_out()


# ---- sendMessage and HTML -------------------------------------------------------------------


async def test_send_message_plain_and_html(fake: FakeBotApi, bot: telegram.Bot) -> None:
    first = await bot.send_message(42, "  plain text  ")
    second = await bot.send_message(
        42,
        '<b>De Mistura</b> said &lt;hi&gt; &amp; <a href="https://example.org/?a=1&amp;b=2">'
        "left</a> &#127757;",
        parse_mode=ParseMode.HTML,
    )
    assert first.text == "plain text"
    assert (first.message_id, second.message_id) == (1, 2)
    assert second.text == "De Mistura said <hi> & left 🌍"
    bold, link = second.entities
    assert (bold.type, bold.offset, bold.length) == ("bold", 0, 10)
    assert (link.type, link.url) == ("text_link", "https://example.org/?a=1&b=2")
    assert fake.texts_to(42) == ["plain text", "De Mistura said <hi> & left 🌍"]
    call = fake.calls("sendMessage", chat_id=42)[1]
    assert call.params["parse_mode"] == "HTML"


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("<foo>x</foo>", 'Unsupported start tag "foo" at byte offset 0'),
        ("&nbsp;", "Unsupported HTML entity at byte offset 0"),
        ("fish & chips", "Unsupported HTML entity"),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ('<span class="other">x</span>', 'Tag "span" must have class "tg-spoiler"'),
        ("é <b", "Unclosed start tag at byte offset 3"),
    ],
)
async def test_malformed_html_is_refused_like_telegram(
    bot: telegram.Bot, html: str, reason: str
) -> None:
    with pytest.raises(BadRequest, match=r"(?i)parse entities") as caught:
        await bot.send_message(1, html, parse_mode=ParseMode.HTML)
    assert reason.lower() in caught.value.message.lower()


@pytest.mark.parametrize(
    ("html", "text", "entities"),
    [
        (
            "<strong>a</strong><em>b</em><ins>c</ins><del>d</del>",
            "abcd",
            [("bold", 0, 1), ("italic", 1, 1), ("underline", 2, 1), ("strikethrough", 3, 1)],
        ),
        ("<b>bold <i>both</i></b>", "bold both", [("bold", 0, 9), ("italic", 5, 4)]),
        ('<pre><code class="language-python">x = 1</code></pre>', "x = 1", [("pre", 0, 5)]),
        (
            '<tg-spoiler>s</tg-spoiler> <span class="tg-spoiler">t</span>',
            "s t",
            [("spoiler", 0, 1), ("spoiler", 2, 1)],
        ),
        ("<blockquote expandable>q</blockquote>", "q", [("expandable_blockquote", 0, 1)]),
        ("😀<b>x</b>", "😀x", [("bold", 2, 1)]),
        ("&#x41;&#66;&quot;", 'AB"', []),
        ("<b></b>x", "x", []),
    ],
)
def test_parse_html_entities(html: str, text: str, entities: list[tuple[str, int, int]]) -> None:
    plain, found = parse_html(html)
    assert plain == text
    assert [(e["type"], e["offset"], e["length"]) for e in found] == entities


def test_parse_html_pre_language_and_lenient_ampersand() -> None:
    _, (pre,) = parse_html('<pre><code class="language-python">x</code></pre>')
    assert pre["language"] == "python"
    assert parse_html("fish & chips &nbsp;", strict=False)[0] == "fish & chips &nbsp;"
    with pytest.raises(EntityParseError):
        parse_html("fish & chips")


async def test_escaped_text_is_accepted(bot: telegram.Bot) -> None:
    from html import escape

    raw = 'a < b && c > d "quoted" <b>not a tag</b>'
    message = await bot.send_message(1, escape(raw), parse_mode=ParseMode.HTML)
    assert message.text == raw
    assert not message.entities


async def test_length_is_counted_after_parsing_in_utf16(bot: telegram.Bot) -> None:
    exact = await bot.send_message(1, "<b>" + "x" * 4096 + "</b>", parse_mode=ParseMode.HTML)
    assert len(exact.text or "") == 4096
    with pytest.raises(BadRequest, match=r"(?i)too long"):
        await bot.send_message(1, "x" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)too long"):
        await bot.send_message(1, "😀" * 2049)  # 2,049 characters but 4,098 UTF-16 units
    assert (await bot.send_message(1, "😀" * 2048)).text == "😀" * 2048


async def test_empty_text_is_refused(bot: telegram.Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)text is empty"):
        await bot.send_message(1, "<b> </b>", parse_mode=ParseMode.HTML)


async def test_buttons_are_kept_and_long_callback_data_refused(
    fake: FakeBotApi, bot: telegram.Bot
) -> None:
    sent = await bot.send_message(5, "pick", reply_markup=keyboard("yes", "no"))
    assert fake.message(5, sent.message_id)["reply_markup"]["inline_keyboard"][0][1] == {
        "text": "no",
        "callback_data": "no",
    }
    assert fake.calls("sendMessage")[0].params["reply_markup"]["inline_keyboard"]
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(5, "pick", reply_markup=keyboard("x" * 65))
    assert await bot.send_message(5, "pick", reply_markup=keyboard("é" * 32))  # 64 bytes


async def test_replies_need_the_message_replied_to(fake: FakeBotApi, bot: telegram.Bot) -> None:
    asked = await fake.user_says(3, "hello")
    reply = await bot.send_message(3, "hi", reply_to_message_id=asked["message"]["message_id"])
    assert reply.reply_to_message is not None
    assert reply.reply_to_message.text == "hello"
    with pytest.raises(BadRequest, match=r"(?i)replied not found"):
        await bot.send_message(3, "hi", reply_to_message_id=99)


# ---- edits, deletes, actions ----------------------------------------------------------------


async def test_edit_message_text(fake: FakeBotApi, bot: telegram.Bot) -> None:
    sent = await bot.send_message(9, "draft", reply_markup=keyboard("more"))
    edited = await bot.edit_message_text(
        "<i>final</i>",
        chat_id=9,
        message_id=sent.message_id,
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard("more"),
    )
    assert isinstance(edited, telegram.Message)
    assert edited.text == "final"
    assert edited.edit_date is not None
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text(
            "<i>final</i>",
            chat_id=9,
            message_id=sent.message_id,
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard("more"),
        )
    # Telegram drops the keyboard when an edit does not repeat it.
    await bot.edit_message_text("final", chat_id=9, message_id=sent.message_id)
    assert "reply_markup" not in fake.message(9, sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=9, message_id=1234)
    with pytest.raises(BadRequest, match=r"(?i)too long"):
        await bot.edit_message_text("x" * 4097, chat_id=9, message_id=sent.message_id)


async def test_edit_reply_markup_delete_and_chat_action(
    fake: FakeBotApi, bot: telegram.Bot
) -> None:
    sent = await bot.send_message(9, "text", reply_markup=keyboard("a"))
    await bot.edit_message_reply_markup(9, sent.message_id, reply_markup=keyboard("b"))
    assert fake.message(9, sent.message_id)["reply_markup"]["inline_keyboard"][0][0]["text"] == "b"
    with pytest.raises(BadRequest, match=r"(?i)not modified"):
        await bot.edit_message_reply_markup(9, sent.message_id, reply_markup=keyboard("b"))
    assert await bot.send_chat_action(9, "typing")
    with pytest.raises(BadRequest, match=r"(?i)action"):
        await bot.send_chat_action(9, "dancing")
    assert await bot.delete_message(9, sent.message_id)
    assert fake.sent_to(9) == []
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(9, sent.message_id)


# ---- updates --------------------------------------------------------------------------------


async def test_get_updates_honours_offset_and_limit(fake: FakeBotApi, bot: telegram.Bot) -> None:
    for text in ("one", "two", "three"):
        await fake.user_says(11, text)
    first = await bot.get_updates(timeout=0, limit=2)
    assert [u.message.text for u in first if u.message] == ["one", "two"]
    again = await bot.get_updates(timeout=0)  # not confirmed: delivered again
    assert len(again) == 3
    rest = await bot.get_updates(offset=first[-1].update_id + 1, timeout=0)
    assert [u.message.text for u in rest if u.message] == ["three"]
    assert len(fake.pending_updates) == 1
    await bot.get_updates(offset=rest[-1].update_id + 1, timeout=0)
    assert fake.pending_updates == []


async def test_get_updates_long_polls_and_returns_when_an_update_arrives(
    fake: FakeBotApi, bot: telegram.Bot
) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert 0.9 < time.monotonic() - started < 3

    async def say_later() -> None:
        await asyncio.sleep(0.2)
        await fake.user_says(12, "late")

    started = time.monotonic()
    task = asyncio.create_task(say_later())
    updates = await bot.get_updates(timeout=10)
    await task
    assert time.monotonic() - started < 2
    assert [u.message.text for u in updates if u.message] == ["late"]


async def test_a_second_poller_ends_the_first_with_conflict(
    fake: FakeBotApi, bot: telegram.Bot
) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await fake.next_call("getUpdates")
    async with telegram.Bot(fake.token, base_url=fake.base_url) as second_instance:
        assert await second_instance.get_updates(timeout=0) == ()
    with pytest.raises(Conflict, match="terminated by other getUpdates"):
        await first


async def test_stop_releases_a_waiting_long_poll() -> None:
    fake = FakeBotApi()
    await fake.start()
    async with telegram.Bot(fake.token, base_url=fake.base_url) as bot:
        poll = asyncio.create_task(bot.get_updates(timeout=30))
        await fake.next_call("getUpdates")
        started = time.monotonic()
        await fake.stop()
        assert await poll == ()
        assert time.monotonic() - started < 2


async def test_injected_updates_parse_as_ptb_updates(fake: FakeBotApi, bot: telegram.Bot) -> None:
    await fake.user_says(-100, "/ask@talks_test_bot who is he?", user_id=77)
    await fake.user_says(-100, "@talks_test_bot and she?", user_id=78)
    private = await fake.user_says(5, "/start")
    updates = await bot.get_updates(timeout=0)
    ask, mention, start = (u.message for u in updates)
    assert ask is not None
    assert mention is not None
    assert start is not None
    assert ask.chat.type == "group"
    assert ask.from_user is not None
    assert ask.from_user.id == 77
    assert ask.parse_entities(["bot_command"]).popitem()[1] == "/ask@talks_test_bot"
    assert mention.parse_entities(["mention"]).popitem()[1] == "@talks_test_bot"
    assert start.chat.type == "private"
    assert start.text == "/start"
    assert private["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    reply = await fake.user_says(-100, "what?", user_id=77, reply_to=ask.message_id)
    assert reply["message"]["reply_to_message"]["text"].startswith("/ask")


async def test_allowed_updates_filters_the_queue(fake: FakeBotApi, bot: telegram.Bot) -> None:
    sent = await bot.send_message(5, "pick", reply_markup=keyboard("yes"))
    await fake.user_presses(5, sent.message_id, "yes")
    await fake.user_says(5, "hello")
    updates = await bot.get_updates(timeout=0, allowed_updates=["message"])
    assert [u.message.text for u in updates if u.message] == ["hello"]


async def test_button_press_and_answer_callback_query(fake: FakeBotApi, bot: telegram.Bot) -> None:
    sent = await bot.send_message(
        5, "<b>Answer</b>", parse_mode="HTML", reply_markup=keyboard("src:1", "more:1")
    )
    pressed = await fake.user_presses(5, sent.message_id, "more:1")
    with pytest.raises(ValueError, match="no button"):
        await fake.user_presses(5, sent.message_id, "nope")
    (update,) = await bot.get_updates(timeout=0)
    query = update.callback_query
    assert query is not None
    assert query.data == "more:1"
    assert isinstance(query.message, telegram.Message)
    assert query.message.text == "Answer"
    assert query.id == pressed["callback_query"]["id"]
    assert await bot.answer_callback_query(query.id, text="Thanks!")
    assert fake.callback_answers[query.id]["text"] == "Thanks!"
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(query.id)


# ---- files ----------------------------------------------------------------------------------


async def test_get_file_and_download_roundtrip(fake: FakeBotApi, bot: telegram.Bot) -> None:
    content = "Staffan de Mistura met …\n".encode() * 100
    document = fake.add_file(content, file_name="article.txt", mime_type="text/plain")
    update = await fake.user_sends_document(5, document, caption="/load")
    assert update["message"]["caption_entities"][0]["type"] == "bot_command"
    (got,) = await bot.get_updates(timeout=0)
    assert got.message is not None
    assert got.message.document is not None
    file = await got.message.document.get_file()
    assert file.file_size == len(content)
    assert bytes(await file.download_as_bytearray()) == content
    with pytest.raises(BadRequest, match=r"(?i)invalid file_id"):
        await bot.get_file("nope")


async def test_send_document_uploads_are_kept(fake: FakeBotApi, bot: telegram.Bot) -> None:
    sent = await bot.send_document(
        5, b"report body", filename="report.txt", caption="<b>r</b>", parse_mode="HTML"
    )
    assert sent.document is not None
    assert sent.caption == "r"
    call = fake.calls("sendDocument")[0]
    assert call.params["document"].content == b"report body"
    assert call.params["document"].file_name == "report.txt"


def png_header(width: int, height: int) -> bytes:
    """The start of a PNG (signature and IHDR): all the fake reads of an image."""
    ihdr = struct.pack(">II", width, height) + bytes([8, 2, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + b"IHDR" + ihdr + b"\0" * 4


async def test_send_photo_keeps_the_image_and_checks_it_like_telegram(
    fake: FakeBotApi, bot: telegram.Bot
) -> None:
    image = png_header(800, 480) + b"pixels"
    sent = await bot.send_photo(5, image, caption="<b>chart</b> (UTC)", parse_mode="HTML")
    assert sent.caption == "chart (UTC)"
    assert (sent.photo[-1].width, sent.photo[-1].height) == (800, 480)
    assert max(sent.photo[0].width, sent.photo[0].height) < 800  # the thumbnail
    assert fake.calls("sendPhoto")[0].params["photo"].content == image
    file = await bot.get_file(sent.photo[-1].file_id)
    assert bytes(await file.download_as_bytearray()) == image
    assert fake.texts_to(5) == ["chart (UTC)"]

    with pytest.raises(BadRequest, match=r"(?i)image_process_failed"):
        await bot.send_photo(5, b"GIF89a not a png")
    with pytest.raises(BadRequest, match=r"(?i)photo_invalid_dimensions"):
        await bot.send_photo(5, png_header(2100, 100))  # 21:1
    with pytest.raises(BadRequest, match=r"(?i)photo_invalid_dimensions"):
        await bot.send_photo(5, png_header(6000, 4001))  # sides over 10,000
    with pytest.raises(BadRequest, match="caption is too long"):
        await bot.send_photo(5, image, caption="x" * 1025)


# ---- recording ------------------------------------------------------------------------------


async def test_next_call_waits_and_consumes(fake: FakeBotApi, bot: telegram.Bot) -> None:
    async def send_later() -> None:
        await asyncio.sleep(0.1)
        await bot.send_message(1, "to one")
        await bot.send_message(2, "to two")

    task = asyncio.create_task(send_later())
    call = await fake.next_call("sendMessage", chat_id=2, timeout=5)
    await task
    assert call.params["text"] == "to two"
    assert (await fake.next_call("sendMessage")).params["text"] == "to one"
    with pytest.raises(AssertionError, match="no sendMessage"):
        await fake.next_call("sendMessage", timeout=0.1)
    assert [c.params["chat_id"] for c in fake.calls("sendMessage")] == [1, 2]


# ---- faults ---------------------------------------------------------------------------------


async def test_429_is_retry_after_then_success(fake: FakeBotApi, bot: telegram.Bot) -> None:
    fake.fail_next("sendMessage", status=429, retry_after=2, chat_id=8)
    await bot.send_message(3, "other chat is not affected")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(8, "hello")
    assert caught.value.retry_after == dt.timedelta(seconds=2)
    assert (await bot.send_message(8, "hello")).text == "hello"
    failed = await fake.next_call("sendMessage", chat_id=8, ok=False)
    assert failed.status == 429
    assert fake.delivered == {3: 1, 8: 1}


async def test_blocked_chat_is_forbidden_until_unblocked(
    fake: FakeBotApi, bot: telegram.Bot
) -> None:
    fake.block(8)
    with pytest.raises(Forbidden, match=r"(?i)blocked by the user"):
        await bot.send_message(8, "hello")
    with pytest.raises(Forbidden):
        await bot.send_message(8, "again")
    fake.block(-5)
    with pytest.raises(Forbidden, match=r"(?i)kicked"):
        await bot.send_message(-5, "group")
    fake.unblock(8)
    assert await bot.send_message(8, "back")


async def test_502_and_dropped_connections_are_network_errors(
    fake: FakeBotApi, bot: telegram.Bot
) -> None:
    fake.fail_next("sendMessage", status=502)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(1, "x")
    fake.drop_next("sendMessage")
    with pytest.raises(NetworkError):
        await bot.send_message(1, "x")
    assert (await bot.send_message(1, "x")).text == "x"
    assert fake.delivered[1] == 1


# ---- enforced limits ------------------------------------------------------------------------


async def test_limits_catch_a_burst() -> None:
    async with (
        FakeBotApi(enforce_limits=True, global_per_second=30) as fake,
        telegram.Bot(fake.token, base_url=fake.base_url) as bot,
    ):
        for chat in range(30):
            await bot.send_message(chat + 1, "news")
        with pytest.raises(RetryAfter):
            await bot.send_message(99, "one too many")
        with pytest.raises(RetryAfter):
            await bot.send_message(1, "again in the same second")
        assert fake.limit_violations == 2
        assert sum(fake.delivered.values()) == 30
        assert max(fake.delivered.values()) == 1


async def test_a_paced_sender_has_no_violations() -> None:
    async with (
        FakeBotApi(enforce_limits=True, global_per_second=10, per_chat_per_second=5) as fake,
        telegram.Bot(fake.token, base_url=fake.base_url) as bot,
    ):
        for i in range(14):  # 10/s overall at most, 5/s per chat at most
            await bot.send_message(i % 2 + 1, f"n{i}")
            await asyncio.sleep(0.11)
        assert fake.limit_violations == 0
        assert fake.delivered == {1: 7, 2: 7}


async def test_per_chat_limit() -> None:
    async with (
        FakeBotApi(enforce_limits=True, per_chat_per_second=4) as fake,
        telegram.Bot(fake.token, base_url=fake.base_url) as bot,
    ):
        await bot.send_message(1, "a")
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(1, "b")
        assert caught.value.retry_after == dt.timedelta(seconds=1)
        await asyncio.sleep(0.3)
        await bot.send_message(1, "c")
        assert fake.limit_violations == 1
        assert fake.texts_to(1) == ["a", "c"]


def test_factories_build_ptb_compatible_dicts() -> None:
    chat = factories.make_chat(-42, "supergroup", title="Newsroom")
    user = factories.make_user(7)
    message = factories.make_message(3, chat, from_user=user, text="/who@talks_test_bot Mistura")
    update = telegram.Update.de_json(factories.make_update(message=message), None)
    assert update.message is not None
    assert update.message.chat.title == "Newsroom"
    assert update.message.entities[0].type == "bot_command"
    assert factories.update_kind(factories.make_update(message=message)) == "message"


# ---- a real Application polling the fake ----------------------------------------------------


async def test_a_polling_application_answers_through_the_fake(fake: FakeBotApi) -> None:
    from telegram.ext import ApplicationBuilder, CommandHandler, MessageHandler, filters

    async def echo(update: telegram.Update, context: object) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_html(f"<b>{update.effective_message.text}</b>")

    async def ask(update: telegram.Update, context: object) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("asked")

    app = (
        ApplicationBuilder()
        .token(fake.token)
        .base_url(fake.base_url)
        .base_file_url(fake.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("ask", ask))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        await fake.user_says(21, "hello")
        await fake.user_says(-300, "/ask@talks_test_bot who?", user_id=5)
        answer = await fake.next_call("sendMessage", chat_id=21)
        asked = await fake.next_call("sendMessage", chat_id=-300)
        await app.updater.stop()
        await app.stop()
    assert (answer.params["text"], answer.params["parse_mode"]) == ("<b>hello</b>", "HTML")
    assert asked.params["text"] == "asked"
    assert fake.texts_to(21) == ["hello"]
    assert fake.pending_updates == []  # the updater confirmed what it handled when it stopped


async def test_control_api_for_a_bot_in_another_process(
    fake: FakeBotApi, bot: telegram.Bot
) -> None:
    control = f"http://127.0.0.1:{fake.port}/_fake"
    async with httpx.AsyncClient() as client:
        said = await client.post(f"{control}/user_says", json={"chat_id": 4, "text": "/start"})
        await bot.send_message(4, "welcome")
        await bot.send_message(4, "welcome")
        stats = (await client.get(f"{control}/stats")).json()
        refused = await client.post(f"{control}/stop", json={})
    assert said.json()["result"]["message"]["text"] == "/start"
    assert stats["delivered_messages"] == 2
    assert stats["duplicate_chats"] == ["4"]
    assert refused.status_code == 404


async def test_faults_repeat_times_and_negative_offset_keeps_the_last(
    fake: FakeBotApi, bot: telegram.Bot
) -> None:
    fake.fail_next("getMe", status=500, times=2)
    for _ in range(2):
        with pytest.raises(NetworkError, match="Internal Server Error"):
            await bot.get_me()
    assert (await bot.get_me()).username == "talks_test_bot"
    for text in ("a", "b", "c"):
        await fake.user_says(6, text)
    (last,) = await bot.get_updates(offset=-1, timeout=0)
    assert last.message is not None
    assert last.message.text == "c"
    assert len(fake.pending_updates) == 1


async def test_lenient_html_keeps_a_bare_ampersand_like_telegram() -> None:
    async with (
        FakeBotApi(strict_html=False) as fake,
        telegram.Bot(fake.token, base_url=fake.base_url) as bot,
    ):
        sent = await bot.send_message(1, "fish & chips&nbsp;", parse_mode=ParseMode.HTML)
        assert sent.text == "fish & chips&nbsp;"
        with pytest.raises(BadRequest, match=r"(?i)unsupported start tag"):
            await bot.send_message(1, "a < b", parse_mode=ParseMode.HTML)


async def test_forum_topics_and_chat_members(fake: FakeBotApi, bot: telegram.Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message thread not found"):
        await bot.send_message(-100700, "hi", message_thread_id=3)  # not a forum
    said = await fake.user_says(-100700, "/ask hi", user_id=5, thread_id=3)
    assert said["message"]["chat"]["is_forum"] is True
    (update,) = await bot.get_updates()
    assert update.message is not None
    assert (update.message.is_topic_message, update.message.message_thread_id) == (True, 3)
    sent = await bot.send_message(-100700, "hello", message_thread_id=3)
    assert (sent.is_topic_message, sent.message_thread_id) == (True, 3)

    member = await bot.get_chat_member(-100700, 5)
    assert member.status == "member"
    fake.make_admin(-100700, 5)
    admin = await bot.get_chat_member(-100700, 5)
    assert isinstance(admin, telegram.ChatMemberAdministrator)
    assert admin.user.id == 5
