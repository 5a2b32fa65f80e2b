"""Replies that read well: nothing said twice (a quote answer, a lead under its own title), the
seed's headline, 👍/👎 marked on the message, and "Show source" with a one-sentence paragraph's
neighbours. Rendering on hand-built facts; the rest end to end through the real bot."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from importlib import resources
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.language import Language

from handlers import render
from handlers.i18n import translator
from knowledge import UNSURE, Answer, Article, Fact, Newsroom, ScoredFact, article_line
from tests.botkit import USER, Clock, running_bot, settings_for
from tests.fake_bot_api import Call, FakeBotApi, parse_html

DAY = dt.date(2026, 2, 27)


def _article(title: str, *, source: str | None = "Coast Courier") -> Article:
    return Article(
        id=4,
        title=title,
        source=source,
        url=None,
        published=DAY,
        loaded_at=dt.datetime(2026, 2, 27, 9, 0, tzinfo=dt.UTC),
    )


def _fact(text: str, *, quotes: tuple[tuple[str, int | None], ...] = ()) -> Fact:
    return Fact(
        id=40,
        article_id=4,
        position=0,
        paragraph=0,
        text=text,
        terms=(),
        spans=(),
        entity_ids=(),
        quotes=quotes,
    )


def _answer(fact: Fact, article: Article, short: str) -> Answer:
    return Answer(
        question="q?",
        answered=True,
        short=short,
        facts=(ScoredFact(fact, 1.0),),
        confidence=0.9,
        reply="",
        articles={article.id: article},
    )


def _shown(html: str) -> tuple[str, list[dict[str, object]]]:
    return parse_html(html)  # raises on broken markup


def _entity_texts(text: str, entities: list[dict[str, object]], kind: str) -> list[str]:
    # offsets are UTF-16 units; these texts are ASCII, so they are characters too
    return [
        text[int(e["offset"]) : int(e["offset"]) + int(e["length"])]  # type: ignore[call-overload]
        for e in entities
        if e["type"] == kind
    ]


QUOTE = "The ferry will sail again on Monday, whatever the weather says"
SAID = f'"{QUOTE}," the harbour master said.'


def test_a_quote_answer_is_marked_in_its_sentence_not_repeated() -> None:
    fact = _fact(SAID, quotes=((QUOTE, 1),))
    text, entities = _shown(render.answer_html(_answer(fact, _article("Ferry back"), QUOTE)))
    assert text.count(QUOTE) == 1
    assert _entity_texts(text, entities, "bold") == [QUOTE]
    assert _entity_texts(text, entities, "blockquote") == [SAID]


words = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=12
).filter(lambda w: w.strip() == w and w != "")


@settings(max_examples=150, deadline=None)
@given(st.lists(words, min_size=2, max_size=30), st.data())
def test_an_answer_within_its_sentence_is_said_once_in_valid_html(
    sentence_words: list[str], data: st.DataObject
) -> None:
    text = " ".join(sentence_words)
    a = data.draw(st.integers(0, len(sentence_words) - 1))
    b = data.draw(st.integers(a + 1, len(sentence_words)))
    short = " ".join(sentence_words[a:b])
    fact = _fact(text, quotes=((short, None),))  # a quote: always marked in its sentence
    shown, entities = _shown(render.answer_html(_answer(fact, _article("Headline"), short)))
    assert shown.splitlines()[0] == text, "the sentence first, the answer not above it"
    (bold,) = [e for e in entities if e["type"] == "bold"]
    marked = shown.encode("utf-16-le")[2 * bold["offset"] : 2 * (bold["offset"] + bold["length"])]
    assert marked.decode("utf-16-le") == short


def test_a_short_answer_stands_above_its_sentence() -> None:
    fact = _fact(SAID, quotes=((QUOTE, 1),))
    answer = _answer(fact, _article("Ferry back"), "the harbour master")
    text, entities = _shown(render.answer_html(answer))
    assert text.startswith("the harbour master\n")
    assert _entity_texts(text, entities, "bold") == ["the harbour master"]


def test_an_unsure_answer_says_so_first_in_the_chats_language() -> None:
    fact = _fact(SAID, quotes=((QUOTE, 1),))
    answer = dataclasses.replace(
        _answer(fact, _article("Ferry back"), "the harbour master"), tentative=True
    )
    text, entities = _shown(render.answer_html(answer))
    assert text.startswith(UNSURE + "\nthe harbour master\n")
    assert _entity_texts(text, entities, "italic")[0] == UNSURE  # (the title is italic too)
    # a quote marked in its sentence: the doubt stands above the sentence
    quoted = dataclasses.replace(_answer(fact, _article("Ferry back"), QUOTE), tentative=True)
    text, _ = _shown(render.answer_html(quoted))
    assert text.splitlines()[:2] == [UNSURE, SAID]
    russian, _ = _shown(render.answer_html(answer, tr=translator("ru")))
    assert russian.startswith("Не уверен, но в статьях, возможно, сказано вот что:\n")
    # an answer the engine is sure of says nothing of the kind
    sure, _ = _shown(
        render.answer_html(_answer(fact, _article("Ferry back"), "the harbour master"))
    )
    assert UNSURE not in sure


def test_a_lead_is_not_repeated_by_the_title_it_gave() -> None:
    lead = "The council voted on Monday to close the old bridge for repairs until the spring."
    untitled = _article("The council voted on Monday to close the old bridge for…")
    text, _ = _shown(render.answer_html(_answer(_fact(lead), untitled, "on Monday")))
    assert text.count("The council voted") == 1
    assert text.splitlines()[-1] == "Coast Courier · 27 February 2026 · #4"

    assert article_line(untitled, under=lead) == "Coast Courier (27 February 2026, #4)"
    assert article_line(untitled).startswith("The council voted")

    headlined = _article("Old bridge to close")
    text, _ = _shown(render.answer_html(_answer(_fact(lead), headlined, "on Monday")))
    assert text.splitlines()[-1] == "Old bridge to close · 27 February 2026 · #4"


def test_the_seed_article_has_its_headline_from_metadata(newsroom: Newsroom) -> None:
    meta = json.loads(resources.files("knowledge.data").joinpath("seed.json").read_text())
    (seed,) = newsroom.articles()
    assert seed.title == meta["title"]
    lead = newsroom.facts_of(seed.id)[0]
    assert not lead.text.startswith(seed.title.rstrip("…"))


def _markup_texts(message: dict[str, object]) -> list[str]:
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])  # type: ignore[union-attr]
    return [b["text"] for row in rows for b in row]


def _thumbs(message: dict[str, object]) -> list[str]:
    return [t for t in _markup_texts(message) if t.startswith(("👍", "👎"))]


async def _ask(fake: FakeBotApi, text: str) -> Call:
    await fake.user_says(USER, text)
    return await fake.next_call("sendMessage", chat_id=USER, ok=True, timeout=10)


async def test_thumbs_show_the_choice_and_pressing_again_changes_it(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    async with running_bot(settings_for(fake, db), nlp, clock) as (_, newsroom):
        call = await _ask(fake, "who is Xie Xiaoyan?")
        mid = int(call.response["message_id"])
        datas = [
            b["callback_data"]
            for row in call.params["reply_markup"]["inline_keyboard"]
            for b in row
        ]
        up = next(d for d in datas if d.startswith("fb:") and d.endswith(":1"))
        down = next(d for d in datas if d.startswith("fb:") and d.endswith(":-1"))
        assert _thumbs(fake.message(USER, mid)) == ["👍", "👎"]

        async def press(data: str) -> None:
            await fake.user_presses(USER, mid, data)
            toast = await fake.next_call("answerCallbackQuery")
            assert toast.params.get("text") == "Thanks for the feedback!"

        await press(up)
        await fake.next_call("editMessageReplyMarkup", chat_id=USER, ok=True)
        assert _thumbs(fake.message(USER, mid)) == ["👍 ✓", "👎"]
        assert any(t.startswith("📄") for t in _markup_texts(fake.message(USER, mid)))

        await press(down)
        await fake.next_call("editMessageReplyMarkup", chat_id=USER, ok=True)
        assert _thumbs(fake.message(USER, mid)) == ["👍", "👎 ✓"]
        stats = newsroom.stats()
        assert (stats.day.thumbs_up, stats.day.thumbs_down) == (0, 1), "the last press counts"

        await press(down)  # the marked one again: nothing to change
        await press(up)
        await fake.next_call("editMessageReplyMarkup", chat_id=USER, ok=True)
        assert _thumbs(fake.message(USER, mid)) == ["👍 ✓", "👎"]
        assert len(fake.calls("editMessageReplyMarkup")) == 3, "the same press edited nothing"


async def test_show_source_gives_a_one_sentence_paragraph_its_neighbours(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    async with running_bot(settings_for(fake, db), nlp, clock) as (_, newsroom):
        call = await _ask(fake, "who is Xie Xiaoyan?")
        mid = int(call.response["message_id"])
        src = next(
            b["callback_data"]
            for row in call.params["reply_markup"]["inline_keyboard"]
            for b in row
            if b["callback_data"].startswith("src:")
        )
        await fake.user_presses(USER, mid, src)
        shown = await fake.next_call("sendMessage", chat_id=USER, ok=True)
        message = fake.message(USER, int(shown.response["message_id"]))
        text, entities = message["text"], message.get("entities", [])
        (bold,) = _entity_texts(text, entities, "bold")
        article_id, position = (int(n) for n in src.removeprefix("src:").split(":"))
        facts = newsroom.facts_of(article_id)
        (fact,) = [f for f in facts if f.position == position]
        assert bold == fact.text
        assert sum(f.paragraph == fact.paragraph for f in facts) == 1, "a one-sentence paragraph"
        before = [f for f in facts if f.paragraph < fact.paragraph]
        after = [f for f in facts if f.paragraph > fact.paragraph]
        for neighbour in before[-1:] + after[:1]:
            assert neighbour.text in text
        assert text.count("\n\n") == len(before[-1:] + after[:1])


async def test_a_quote_answer_says_the_quote_once(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    async with running_bot(settings_for(fake, db), nlp, clock):
        call = await _ask(fake, "what did Xie say?")
        message = fake.message(USER, int(call.response["message_id"]))
        text, entities = message["text"], message.get("entities", [])
        (bold,) = _entity_texts(text, entities, "bold")
        (quoted,) = _entity_texts(text, entities, "blockquote")
        assert bold in quoted, "the answer is marked inside its sentence"
        assert text.count(bold) == 1


async def test_the_bot_says_when_it_is_not_sure(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    async with running_bot(settings_for(fake, db), nlp, clock) as (_, newsroom):
        seen = set()
        for question in ("where are the talks held?", "what are the four topics?"):
            tentative = newsroom.answer(question).tentative
            call = await _ask(fake, question)
            text = fake.message(USER, int(call.response["message_id"]))["text"]
            assert text.startswith(UNSURE + "\n") is tentative
            seen.add(tentative)
        assert seen == {True, False}, "one answer of each kind, or this shows nothing"
