"""Inline mode and deep links: ``@bot question`` in any chat, end to end through the real bot
against the fake Bot API (which checks ``answerInlineQuery`` as Telegram does), and
``/start article_ID`` / ``/start ask_…`` opening the private chat on an article or a question."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import telegram
from spacy.language import Language
from telegram import InlineQueryResultArticle, InputTextMessageContent
from telegram.constants import ParseMode
from telegram.error import BadRequest

from handlers import links, render
from handlers.inline import CACHE_SECONDS, InlineState, inline_results
from knowledge import DECLINE, UNSURE, Answer, Newsroom
from tests.botkit import USER, Clock, running_bot, settings_for
from tests.conftest import make_newsroom
from tests.fake_bot_api import Call, FakeBotApi

GROUP = -100300
OTHER_USER = 1002


async def inline(
    fake: FakeBotApi, user: int, query: str, language: str | None = "en"
) -> tuple[str, Call]:
    """The user types ``@bot query`` (their Telegram in ``language``); the bot's answer to it."""
    update = await fake.user_types_inline(user, query, language_code=language)
    query_id = update["inline_query"]["id"]
    call = await fake.next_call("answerInlineQuery", inline_query_id=query_id, timeout=10)
    assert call.ok, call.response
    return query_id, call


def count_answers(newsroom: Newsroom) -> list[str]:
    """The real ``newsroom.answer`` still answers; the list records each question it got."""
    asked: list[str] = []
    real: Callable[..., Answer] = newsroom.answer

    def answer(question: str, **kw: Any) -> Answer:
        asked.append(question)
        return real(question, **kw)

    newsroom.answer = answer  # type: ignore[method-assign]
    return asked


async def test_a_question_answers_as_results_and_the_chosen_one_is_the_answer(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    async with running_bot(settings_for(fake, db), nlp, clock) as (_, newsroom):
        question = "when is the next round of talks?"
        expected = newsroom.answer(question)
        assert expected.fact is not None
        assert expected.short
        query_id, call = await inline(fake, USER, question)
        results = call.params["results"]
        first = results[0]
        assert first["title"] == expected.short
        assert first["description"] == expected.fact.text
        assert 1 < len(results) <= 3, "the other facts found follow the answer"
        assert call.params["cache_time"] == CACHE_SECONDS
        assert call.params["is_personal"] is True, "results are in the user's language"
        start = call.params["button"]["start_parameter"]
        assert links.decode_ask(start) == question, "the button asks it in the private chat"

        message = fake.user_chooses_inline(query_id, first["id"], GROUP)
        text = message["text"]
        assert message["via_bot"]["username"] == "talks_test_bot"
        assert text.startswith(f"❓ {question}\n")
        assert expected.short in text
        assert expected.fact.text in text
        article = expected.articles[expected.fact.article_id]
        assert f"#{article.id}" in text.splitlines()[-1], "the source is the last line"
        kinds = {e["type"] for e in message["entities"]}
        assert {"bold", "blockquote", "italic"} <= kinds
        (url,) = [b["url"] for row in message["reply_markup"]["inline_keyboard"] for b in row]
        assert url == f"https://t.me/talks_test_bot?start=article_{article.id}"

        other = fake.user_chooses_inline(query_id, results[1]["id"], GROUP)
        assert results[1]["title"].rstrip("…")[:40] in other["text"]


async def test_a_bare_name_is_an_entity_card(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    async with running_bot(settings_for(fake, db), nlp, clock) as (_, newsroom):
        card = newsroom.who("Xie Xiaoyan")
        assert card.entity is not None
        assert card.fact is not None
        query_id, call = await inline(fake, USER, "Xie Xiaoyan")
        first = call.params["results"][0]
        assert first["title"].startswith(f"{card.entity.name}: ")
        assert first["description"] == card.fact.text
        message = fake.user_chooses_inline(query_id, first["id"], GROUP)
        bold = [
            message["text"][e["offset"] : e["offset"] + e["length"]]
            for e in message["entities"]
            if e["type"] == "bold"
        ]
        assert bold[0] == card.entity.name
        assert "Also:" in message["text"]


async def test_a_declined_question_is_one_result_saying_so(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    async with running_bot(settings_for(fake, db), nlp, clock) as (_, newsroom):
        question = "what is the population of Peru & <i>Chile</i>?"  # markup stays text
        assert not newsroom.answer(question).answered
        query_id, call = await inline(fake, USER, question)
        (only,) = call.params["results"]
        assert only["title"] == DECLINE
        message = fake.user_chooses_inline(query_id, only["id"], GROUP)
        assert message["text"] == f"❓ {question}\n\n{DECLINE}"


async def test_a_russian_user_gets_the_frame_in_russian_and_the_answer_as_written(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    async with running_bot(settings_for(fake, db), nlp, clock) as (_, newsroom):
        question = "what is the population of Peru?"
        query_id, call = await inline(fake, USER, question, language="ru")
        (only,) = call.params["results"]
        assert only["title"] == "В моих статьях об этом не сказано."
        assert only["description"] == f"В прочитанных мной статьях нет ответа на «{question}»"
        assert call.params["button"]["text"] == "Спросить меня в личном чате"
        message = fake.user_chooses_inline(query_id, only["id"], GROUP)
        assert message["text"] == f"❓ {question}\n\nВ моих статьях об этом не сказано."

        card = newsroom.who("Xie Xiaoyan")
        assert card.fact is not None
        query_id, call = await inline(fake, USER, "Xie Xiaoyan", language="ru-RU")
        first = call.params["results"][0]
        assert first["description"] == card.fact.text, "the article's words"
        message = fake.user_chooses_inline(query_id, first["id"], GROUP)
        assert "Ещё:" in message["text"]
        (button,) = [b["text"] for row in message["reply_markup"]["inline_keyboard"] for b in row]
        assert button == "❓ Спросить ещё об этом"

        # the same query from an English user: English, not the Russian results cached above
        _, english = await inline(fake, OTHER_USER, question)
        assert english.params["results"][0]["title"] == DECLINE
        assert english.params["button"]["text"] == "Ask me in a private chat"

        # /language in the bot's private chat outweighs the app's language here too
        await fake.user_says(OTHER_USER, "/language ru")
        await fake.next_call("sendMessage", chat_id=OTHER_USER, ok=True, timeout=10)
        _, chosen = await inline(fake, OTHER_USER, "who is Xie Xiaoyan?")
        assert chosen.params["button"]["text"] == "Спросить меня в личном чате"


async def test_results_are_cached_per_query_and_an_empty_query_offers_the_chat(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    async with running_bot(settings_for(fake, db), nlp, clock) as (_, newsroom):
        asked = count_answers(newsroom)
        _, first = await inline(fake, USER, "who is the UN envoy?")
        _, again = await inline(fake, OTHER_USER, "who is  the UN envoy? ")
        assert again.params["results"] == first.params["results"]
        assert asked == ["who is the UN envoy?"], "the second came from the cache"

        _, empty = await inline(fake, USER, "")
        assert empty.params["results"] == []
        assert empty.params["button"]["start_parameter"] == "inline"
        assert len(asked) == 1


async def test_a_query_typed_on_is_not_answered(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    async with running_bot(settings_for(fake, db), nlp, clock) as (_, newsroom):
        asked = count_answers(newsroom)
        partial = await fake.user_types_inline(USER, "who is X")
        full = await fake.user_types_inline(USER, "who is Xie Xiaoyan?")
        full_id = full["inline_query"]["id"]
        await fake.next_call("answerInlineQuery", inline_query_id=full_id, ok=True, timeout=10)
        partial_id = partial["inline_query"]["id"]
        assert not fake.calls("answerInlineQuery", inline_query_id=partial_id)
        assert asked == ["who is Xie Xiaoyan?"], "the engine never saw the partial query"


def test_the_cache_forgets_after_its_time_and_past_its_size() -> None:
    now = [100.0]
    cache = InlineState(seconds=30, size=2, clock=lambda: now[0])
    cache.put("a", [])
    cache.put("b", [])
    assert cache.get("a") == []
    cache.put("c", [])  # "b" was used least recently
    assert cache.get("b") is None
    assert cache.get("a") == []
    now[0] += 30
    assert cache.get("a") is None
    assert cache.get("c") is None


# ---- deep links -----------------------------------------------------------------------------


def test_payloads_round_trip_and_a_long_question_gets_none() -> None:
    assert links.decode_article(links.article_payload(12)) == 12
    payload = links.ask_payload("Who is Xie Xiaoyan?")
    assert payload is not None
    assert len(payload) <= 64
    assert links.decode_ask(payload) == "Who is Xie Xiaoyan?"
    assert links.ask_payload("why " * 20) is None
    assert links.decode_ask("ask_%%%") is None
    assert links.decode_ask("article_1") is None
    assert links.decode_article("inline") is None


async def test_start_links_open_an_article_or_ask_a_question(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    async def say(text: str) -> str:
        await fake.user_says(USER, text)
        call = await fake.next_call("sendMessage", chat_id=USER, ok=True, timeout=10)
        return str(call.params["text"])

    async with running_bot(settings_for(fake, db), nlp, clock) as (_, newsroom):
        (article,) = newsroom.articles()
        opened = await say(f"/start {links.article_payload(article.id)}")
        assert opened.startswith(f"<b>{article.title}</b>"), "the article's card"
        assert "Key facts" in opened
        assert opened.endswith("Just write your question.")
        follow = await say("what did he say?")
        assert "whom" not in follow, "the article is the context of the next question"
        assert "don't say" not in follow

        payload = links.ask_payload("who is Xie Xiaoyan?")
        assert payload is not None
        answered = await say(f"/start {payload}")
        assert "<b>Xie Xiaoyan</b>" in answered

        assert "removed" in await say("/start article_999")
        assert "Try one of these" in await say("/start inline")


# ---- the fake's answerInlineQuery, driven by a plain telegram.Bot -----------------------------


@pytest.fixture
async def bot(fake: FakeBotApi) -> AsyncIterator[telegram.Bot]:
    async with telegram.Bot(
        fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url
    ) as client:
        yield client


def _article(result_id: str, text: str) -> InlineQueryResultArticle:
    return InlineQueryResultArticle(
        result_id, "title", InputTextMessageContent(text, parse_mode=ParseMode.HTML)
    )


async def test_the_fake_checks_answers_as_telegram_does(
    fake: FakeBotApi, bot: telegram.Bot
) -> None:
    me = await bot.get_me()
    assert me.supports_inline_queries
    update = await fake.user_types_inline(USER, "q")
    query_id = update["inline_query"]["id"]
    with pytest.raises(BadRequest, match=r"(?i)result_id_duplicate"):
        await bot.answer_inline_query(query_id, [_article("a", "x"), _article("a", "y")])
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.answer_inline_query(query_id, [_article("a", "<b>x")])
    with pytest.raises(BadRequest, match=r"(?i)result_id_invalid"):
        await bot.answer_inline_query(query_id, [_article("a" * 65, "x")])
    assert await bot.answer_inline_query(query_id, [_article("a", "<b>x</b>")], cache_time=5)
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_inline_query(query_id, [_article("a", "x")])
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_inline_query("no-such-query", [])
    chosen = fake.user_chooses_inline(query_id, "a", -5)
    assert (chosen["text"], chosen["entities"][0]["type"]) == ("x", "bold")


async def test_a_bot_without_inline_mode_gets_no_inline_queries() -> None:
    async with FakeBotApi(inline_mode=False) as fake:
        with pytest.raises(ValueError, match="inline mode is off"):
            await fake.user_types_inline(USER, "q")


def test_an_unsure_answer_says_so_in_its_result_and_message(nlp: Language, tmp_path: Path) -> None:
    kb = make_newsroom(nlp, tmp_path / "t.db")
    question = "when will the next round of talks begin?"
    answer = kb.answer(question)
    sure, unsure = (dataclasses.replace(answer, tentative=t) for t in (False, True))
    (sure_result, *_), (unsure_result, *_) = (
        inline_results(a, question, bot_username="talks_bot") for a in (sure, unsure)
    )
    assert unsure_result.title == sure_result.title  # the answer itself is the same
    assert unsure_result.description == f"{UNSURE} {sure_result.description}"
    doubt = f"<i>{render.esc(UNSURE)}</i>"
    assert doubt in unsure_result.input_message_content.message_text
    assert render.esc(UNSURE) not in sure_result.input_message_content.message_text
