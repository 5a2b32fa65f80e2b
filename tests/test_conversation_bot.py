"""A chat as a newcomer has it, through the real bot against the fake Bot API: greetings,
thanks, "what can you do?", summaries, "who do you mean?", and questions in other languages."""

from __future__ import annotations

from pathlib import Path

import pytest
from spacy.language import Language

import handlers.ask
from tests.botkit import START, USER, Clock, running_bot, settings_for
from tests.conftest import DATA
from tests.fake_bot_api import FakeBotApi
from tests.test_bot import ask, buttons, message_id

DECLINE = "The articles I have don't say"


def examples(call) -> list[str]:
    return [d for d in buttons(call) if d.startswith("q:")]


async def test_small_talk_gets_a_friendly_reply(
    fake: FakeBotApi, db: Path, nlp: Language, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(handlers.ask, "TYPING_AFTER_SECONDS", 0)  # every engine answer is "slow"
    async with running_bot(settings_for(fake, db), nlp, Clock(START)):
        hello = await ask(fake, USER, "hi")
        assert hello.params["text"].startswith("Hello!")
        assert len(examples(hello)) == 3, "the example questions come as buttons"
        await fake.user_presses(USER, message_id(hello), examples(hello)[0])
        answer = await fake.next_call("sendMessage", chat_id=USER, ok=True)
        assert DECLINE not in answer.params["text"], "an example button asks its question"
        thanks = await ask(fake, USER, "Thanks!")
        assert thanks.params["text"].startswith("Glad to help")
        able = await ask(fake, USER, "what can you do?")
        assert "1 news article I have read" in able.params["text"]
        assert examples(able)
        for call in (hello, thanks, able):
            assert DECLINE not in call.params["text"]
        typing = [c for c in fake.calls("sendChatAction") if c.params["chat_id"] == USER]
        assert len(typing) == 1, "only the example question was a question for the engine"


async def test_typing_only_while_an_answer_keeps_a_user_waiting(
    fake: FakeBotApi, db: Path, nlp: Language, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running_bot(settings_for(fake, db), nlp, Clock(START)):
        monkeypatch.setattr(handlers.ask, "TYPING_AFTER_SECONDS", 30)
        fast = await ask(fake, USER, "who is de mistura?")
        assert DECLINE not in fast.params["text"]
        assert not fake.calls("sendChatAction"), "an answer ready at once needs no typing"
        monkeypatch.setattr(handlers.ask, "TYPING_AFTER_SECONDS", 0)
        slow = await ask(fake, USER, "when is the next round?")
        assert DECLINE not in slow.params["text"]
        typing = fake.calls("sendChatAction")
        assert [c.params["action"] for c in typing] == ["typing"]
        assert typing[0].time < slow.time, "typing shows before the answer"


async def test_summaries_by_number_latest_and_this(
    fake: FakeBotApi, db: Path, nlp: Language
) -> None:
    async with running_bot(settings_for(fake, db), nlp, Clock(START)):
        about = await ask(fake, USER, "what is this article about?")
        text = about.params["text"]
        assert text.startswith("<b>Syria peace process moves ahead"), "the one article there is"
        assert "#1" in text
        assert "Staffan de Mistura told a press conference Friday" in text
        numbered = await ask(fake, USER, "summarise #1")
        assert numbered.params["text"] == text
        latest = await ask(fake, USER, "summary of the latest article")
        assert latest.params["text"] == text
        missing = await ask(fake, USER, "summarise #7")
        assert missing.params["text"].startswith("There is no article #7.")
        assert "q:Summarise #1" in buttons(missing)


async def test_this_article_after_an_answer_and_among_many(
    fake: FakeBotApi, db: Path, nlp: Language
) -> None:
    async with running_bot(settings_for(fake, db), nlp, Clock(START)) as (_, newsroom):
        harbour = newsroom.load_text((DATA / "harbour_council.txt").read_text())
        which = await ask(fake, USER, "what is this article about?")
        assert which.params["text"].startswith("Which article?")
        assert buttons(which) == [f"q:Summarise #{harbour.id}", "q:Summarise #1"]
        await fake.user_presses(USER, message_id(which), f"q:Summarise #{harbour.id}")
        chosen = await fake.next_call("sendMessage", chat_id=USER, ok=True)
        assert chosen.params["text"].startswith("<b>Harbour council approves")
        answer = await ask(fake, USER, "When is the new round of Syria talks?")
        assert "early September" in answer.params["text"]
        this = await ask(fake, USER, "what is this article about?")
        assert this.params["text"].startswith("<b>Syria peace process moves ahead"), (
            "the article of the previous answer, not the latest"
        )


async def test_a_follow_up_with_nothing_before_asks_who(
    fake: FakeBotApi, db: Path, nlp: Language
) -> None:
    async with running_bot(settings_for(fake, db), nlp, Clock(START)):
        who = await ask(fake, USER, "what did he say?")
        assert who.params["text"].startswith("Who do you mean?")
        assert examples(who)
        named = await ask(fake, USER, "who is de Mistura?")
        assert "de Mistura" in named.params["text"]
        follow = await ask(fake, USER, "what did he say?")
        assert not follow.params["text"].startswith("Who do you mean?"), (
            "after an answer the follow-up is the engine's"
        )
        assert DECLINE not in follow.params["text"]


@pytest.mark.parametrize(
    ("text", "language_code", "expected"),
    [
        ("где проходят переговоры?", "en", "Я понимаю только вопросы на английском"),
        ("¿quién es de Mistura?", "en", "Solo entiendo preguntas en inglés"),
        ("qui participe aux pourparlers de paix ?", "fr", "Je ne comprends que"),
        ("wo finden die Verhandlungen statt?", "de", "Ich verstehe nur Fragen auf Englisch"),
        ("أين تجري المفاوضات؟", "ar", "أفهم الأسئلة باللغة الإنجليزية فقط"),
        ("谈判在哪里举行？", None, "我只能理解英文问题"),
        # the model is unsure of "hallo": the user's own language answers
        ("hallo", "de", "Ich verstehe nur Fragen auf Englisch"),
        # a language the table lacks: English
        ("Mazungumzo yanafanyika wapi?", "sw", "I understand questions in English only"),
    ],
)
async def test_another_language_is_answered_in_it(  # noqa: PLR0917 - fixtures and cases
    fake: FakeBotApi,
    db: Path,
    nlp: Language,
    text: str,
    language_code: str | None,
    expected: str,
) -> None:
    async with running_bot(settings_for(fake, db), nlp, Clock(START)):
        await fake.user_says(USER, text, language_code=language_code)
        said = await fake.next_call("sendMessage", chat_id=USER, ok=True)
        assert said.params["text"].startswith(expected)
        assert len(examples(said)) == 3, "with the English example buttons"
        assert all(d.isascii() for d in examples(said))


async def test_english_from_a_foreign_user_is_answered(
    fake: FakeBotApi, db: Path, nlp: Language
) -> None:
    async with running_bot(settings_for(fake, db), nlp, Clock(START)):
        answer = await ask(fake, USER, "when is the next round", language_code="ru")
        assert "early September" in answer.params["text"]
        name = await ask(fake, USER, "de Mistura", language_code="es")
        assert "<b>Staffan de Mistura</b>" in name.params["text"], "a bare name is a lookup"
