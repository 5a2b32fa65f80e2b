"""The bot's own texts in the user's language, through the real bot against the fake Bot API:
a Russian Telegram user gets Russian, /language switches for the chat, and the command menu is
published in both languages. Answers stay in the articles' language."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from spacy.language import Language

from handlers.groups import REFUSAL
from tests.botkit import ADMIN, USER, Clock, running_bot, settings_for
from tests.conftest import DATA
from tests.fake_bot_api import Call, FakeBotApi
from tests.test_follow_e2e import VISIT

OTHER = 4242  # a second private chat, its user's Telegram in English
GROUP, MEMBER, ANOTHER = -100700, 2001, 2003


async def ask(
    fake: FakeBotApi, chat: int, text: str, language: str | None = "ru", user: int | None = None
) -> Call:
    await fake.user_says(chat, text, language_code=language, user_id=user)
    return await fake.next_call("sendMessage", chat_id=chat, ok=True, timeout=10)


def button_data(call: Call) -> list[str]:
    rows = call.params.get("reply_markup", {}).get("inline_keyboard", [])
    return [b["callback_data"] for row in rows for b in row if "callback_data" in b]


def button_texts(call: Call) -> list[str]:
    rows = call.params.get("reply_markup", {}).get("inline_keyboard", [])
    return [b["text"] for row in rows for b in row]


def menu(fake: FakeBotApi, language: str, scope: dict[str, object] | None = None) -> list[str]:
    """The menu's descriptions as set for ``language`` ("" the default) and ``scope``."""
    key = json.dumps([scope or {"type": "default"}, language], sort_keys=True)
    return [c["description"] for c in fake.commands.get(key, [])]


async def test_a_russian_user_gets_russian_and_answers_stay_english(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    async with running_bot(settings_for(fake, db), nlp, clock):
        start = await ask(fake, USER, "/start")
        assert start.params["text"].startswith("Здравствуйте!")
        assert "Я прочитал 1 статью" in start.params["text"]
        assert "/help" in start.params["text"]
        english = await ask(fake, OTHER, "/start", language="en-GB")
        assert english.params["text"].startswith("Hello!")

        assert "Спрашивайте меня" in (await ask(fake, USER, "/help")).params["text"]
        unknown = await ask(fake, USER, "/nonsense")
        assert unknown.params["text"].startswith("Я не знаю команды /nonsense")
        declined = await ask(fake, USER, "what did the mayor of Lima say about llamas?")
        assert declined.params["text"].startswith("В моих статьях об этом не сказано.")

        answer = await ask(fake, USER, "who is de mistura?")
        assert "UN Special Envoy for Syria" in answer.params["text"]  # the article's words
        assert "📄 Показать источник" in button_texts(answer)
        assert "➕ Ещё ответы" in button_texts(answer)
        listing = await ask(fake, USER, "/articles")
        assert listing.params["text"].startswith("<b>статей: 1</b>\n#1 · ")
        assert "фактов: " in listing.params["text"]
        assert (await ask(fake, USER, "/who")).params["text"].startswith("Скажите, кто")
        card = await ask(fake, USER, "/article 1")
        assert "<i>Главные факты:</i>" in card.params["text"]


async def test_language_switches_to_english_and_back(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    async with running_bot(settings_for(fake, db), nlp, clock) as (_, newsroom):
        offer = await ask(fake, USER, "/language")
        assert offer.params["text"] == "Выберите язык моих сообщений:"
        assert button_texts(offer) == ["English", "Русский"]
        await fake.user_presses(USER, int(offer.response["message_id"]), "lang:en")
        edited = await fake.next_call("editMessageText", chat_id=USER, ok=True, timeout=10)
        assert edited.params["text"].startswith("I will speak English here.")
        assert newsroom.languages.get(USER) == "en"

        # the choice outweighs the user's Telegram language, and outlives a restart
        assert (await ask(fake, USER, "/start")).params["text"].startswith("Hello!")
    async with running_bot(settings_for(fake, db), nlp, clock):
        assert (await ask(fake, USER, "/help")).params["text"].startswith("<b>Ask me")
        back = await ask(fake, USER, "/language ru", language="en")
        assert back.params["text"].startswith("Теперь я пишу здесь по-русски.")
        start = await ask(fake, USER, "/start", language="en")
        assert start.params["text"].startswith("Здравствуйте!")
        assert (await ask(fake, OTHER, "/start")).params["text"].startswith("Здравствуйте!")


async def test_the_command_menu_is_set_for_both_languages(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    async with running_bot(settings_for(fake, db), nlp, clock):
        english, russian = menu(fake, ""), menu(fake, "ru")
        assert "What I can do" in english
        assert "Что я умею" in russian
        assert len(english) == len(russian)
        admin = {"type": "chat", "chat_id": ADMIN}
        assert "Удалить статью" in menu(fake, "ru", admin)
        assert "Remove an article" in menu(fake, "", admin)


async def test_a_russian_subscription_its_settings_and_its_digest(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    async with running_bot(settings_for(fake, db), nlp, clock) as (_, newsroom):
        picker = await ask(fake, USER, "/subscribe")
        assert picker.params["text"].startswith("Когда присылать ежедневную сводку?")
        assert "⚡ Сразу, как придут новости" in button_texts(picker)
        sub = await ask(fake, USER, "/subscribe 07:30 Europe/Berlin")  # 06:30 UTC in March
        assert sub.params["text"].startswith("Вы подписаны: каждый день в <b>07:30</b>")
        assert "следующая: сегодня" in sub.params["text"]
        assert newsroom.languages.get(USER) == "ru", "kept for the digests"
        settings = await ask(fake, USER, "/settings")
        assert settings.params["text"].startswith("Вы получаете каждый день")
        assert "Язык: Русский" in settings.params["text"]
        assert (await ask(fake, USER, "/pause 7d")).params["text"].startswith("⏸ Пауза до ")
        resumed = await ask(fake, USER, "/resume")
        assert resumed.params["text"].startswith("Возобновлено: вы получаете каждый день")

        await ask(fake, ADMIN, "/load " + (DATA / "harbour_council.txt").read_text())
        clock.advance(minutes=31)
        digest = await fake.next_call("sendMessage", chat_id=USER, ok=True, timeout=10)
        assert digest.params["text"].startswith("<b>Ваша ежедневная сводка</b> · новых статей: 1")
        assert "Harbour" in digest.params["text"]  # the article's own words
        assert "<i>Главные факты:</i>" in digest.params["text"]
        assert {"🕗 Изменить время", "🔕 Отписаться"} <= set(button_texts(digest))
        await fake.user_presses(USER, int(digest.response["message_id"]), "unsub")
        bye = await fake.next_call("sendMessage", chat_id=USER, ok=True, timeout=10)
        assert bye.params["text"].startswith("Вы отписались")


async def test_in_a_group_only_its_admins_change_its_language(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    async with running_bot(settings_for(fake, db), nlp, clock) as (_, newsroom):
        refused = await ask(fake, GROUP, "/language ru", user=MEMBER)
        assert refused.params["text"] == REFUSAL
        assert newsroom.languages.get(GROUP) is None
        fake.make_admin(GROUP, MEMBER)
        chosen = await ask(fake, GROUP, "/language ru", language="en", user=MEMBER)
        assert chosen.params["text"].startswith("Теперь я пишу здесь по-русски.")
        helped = await ask(fake, GROUP, "/help", language="en", user=ANOTHER)
        assert "Спрашивайте меня" in helped.params["text"], "the group's language, for everyone"


async def test_a_russian_follow_its_notice_and_asking_about_the_article(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    async with running_bot(settings_for(fake, db), nlp, clock) as (_, newsroom):
        done = await ask(fake, USER, "/follow Emmanuel Macron")
        assert done.params["text"].startswith("🔔 Теперь вы следите за <b>Emmanuel Macron</b>")
        assert "🕰 Хронология" in button_texts(done)

        visit = await asyncio.to_thread(newsroom.load_text, VISIT)  # as a feed would
        notice = await fake.next_call("sendMessage", chat_id=USER, ok=True, timeout=10)
        assert notice.params["text"].startswith("🔔 <b>Emmanuel Macron</b> в новой статье")
        assert "<i>Macron visits Beijing to talk trade</i>" in notice.params["text"]
        assert {"❓ Спросить о ней", "🕰 Хронология"} <= set(button_texts(notice))
        await fake.user_presses(USER, int(notice.response["message_id"]), f"ask:{visit.id}")
        prompt = await fake.next_call("sendMessage", chat_id=USER, ok=True, timeout=10)
        assert prompt.params["text"].startswith(
            "Что вы хотите узнать о статье <i>Macron visits Beijing to talk trade</i>"
        )
        listed = await ask(fake, USER, "/following")
        assert listed.params["text"].startswith("<b>Вы следите за</b>\n• <b>Emmanuel Macron</b>")
        gone = await ask(fake, USER, "/unfollow Emmanuel Macron")
        assert gone.params["text"] == "🔕 Вы больше не следите за <b>Emmanuel Macron</b>."
        assert (await ask(fake, USER, "/following")).params["text"].startswith("Вы пока ни")
