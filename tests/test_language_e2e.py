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
        assert refused.params["text"] == (
            "Менять подписку группы и то, за чем она следит, могут только администраторы группы."
        ), "the member's Telegram language, the group having chosen none"
        english = await ask(fake, GROUP, "/language ru", language="en", user=MEMBER)
        assert english.params["text"] == REFUSAL
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


async def test_a_russian_timeline_its_dates_and_buttons(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    async with running_bot(settings_for(fake, db), nlp, clock):
        usage = await ask(fake, USER, "/timeline")
        assert usage.params["text"] == "Кто или что? <code>/timeline de Mistura</code>"
        first = await ask(fake, USER, "/timeline de Mistura")
        text = first.params["text"]
        assert text.startswith("🕰 <b>Staffan de Mistura</b> (UN Special Envoy for Syria)")
        assert "Что говорят статьи, от ранних к поздним (1–8 из 12):" in text
        assert "<b>июль 2014</b> · #1" in text, "a month, named alone"
        assert "<b>14 июля 2017</b> · #1" in text
        assert "<b>неделя с 10 июля 2017</b>" in text
        assert "<b>в статье от 14 июля 2017</b>" in text, "a sentence naming no date"
        assert "since July 2014" in text, "the sentences stay in the article's words"
        assert button_texts(first) == ["Позже ▶", "🔔 Следить"]
        later = next(d for d in button_data(first) if d.startswith("tl:"))
        await fake.user_presses(USER, int(first.response["message_id"]), later, language_code="ru")
        second = await fake.next_call("editMessageText", chat_id=USER, ok=True, timeout=10)
        assert "(9–12 из 12)" in second.params["text"]
        assert "◀ Раньше" in button_texts(second)
        offer = await ask(fake, USER, "/timeline Mistrua")
        assert offer.params["text"] == "Кого вы имеете в виду под «Mistrua»?"

        english = await ask(fake, OTHER, "/timeline de Mistura", language="en")
        assert "What the articles say, oldest first (1–8 of 12):" in english.params["text"]
        assert "<b>July 2014</b> · #1" in english.params["text"]
        assert "<b>reported 14 July 2017</b>" in english.params["text"]
        assert button_texts(english) == ["Later ▶", "🔔 Follow"]


async def test_russian_dates_in_the_frame_and_the_location_keyboard(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    async with running_bot(settings_for(fake, db), nlp, clock) as (_, newsroom):
        await ask(fake, USER, "/subscribe 07:30 Europe/Berlin")
        paused = await ask(fake, USER, "/pause 7d")  # a Sunday: 8 March is one too
        assert paused.params["text"].startswith("⏸ Пауза до вс 8 мар., 07:00 по Berlin")
        await ask(fake, OTHER, "/subscribe 07:30 Europe/Berlin", language="en")
        english = await ask(fake, OTHER, "/pause 7d", language="en")
        assert english.params["text"].startswith("⏸ Paused until Sun 8 Mar, 07:00 Berlin time")
        await ask(fake, USER, "/follow Emmanuel Macron")
        listed = await ask(fake, USER, "/following")
        assert "• <b>Emmanuel Macron</b> · с 1 марта 2026" in listed.params["text"]
        await ask(fake, OTHER, "/follow Emmanuel Macron", language="en")
        listed = await ask(fake, OTHER, "/following", language="en")
        assert "• <b>Emmanuel Macron</b> · since 1 March 2026" in listed.params["text"]

        picker = await ask(fake, USER, "/subscribe")
        assert "📍 По моему местоположению" in button_texts(picker)
        await fake.user_presses(
            USER, int(picker.response["message_id"]), "sub:loc", language_code="ru"
        )
        request = await fake.next_call("sendMessage", chat_id=USER, ok=True, timeout=10)
        assert request.params["text"] == (
            "Поделитесь местоположением, и я возьму его часовой пояс (сохраняется только пояс)."
        )
        shown = fake.keyboard(USER)
        assert shown is not None
        assert [[b["text"] for b in row] for row in shown["keyboard"]] == [
            ["📍 Отправить моё местоположение"],
            ["✖️ Не сейчас"],
        ]
        declined = await ask(fake, USER, "✖️ Не сейчас")
        assert declined.params["text"] == "Хорошо, ничего не меняю."
        assert fake.keyboard(USER) is None

        await fake.user_shares_location(USER, 35.6895, 139.6917, language_code="ru")  # Tokyo
        placed = await fake.next_call("sendMessage", chat_id=USER, ok=True, timeout=10)
        assert placed.params["text"].startswith(
            "Вы подписаны: каждый день в <b>07:30</b> по Tokyo"
        )
        sub = newsroom.subscriber(USER)
        assert sub is not None
        assert sub.timezone == "Asia/Tokyo"

        nowhere = await ask(fake, OTHER, "/subscribe", language="en")
        await fake.user_presses(OTHER, int(nowhere.response["message_id"]), "sub:loc")
        english_request = await fake.next_call("sendMessage", chat_id=OTHER, ok=True, timeout=10)
        assert english_request.params["text"].startswith("Share your location")
        keyboard = fake.keyboard(OTHER)
        assert keyboard is not None
        assert keyboard["keyboard"][1][0]["text"] == "✖️ Not now"
        assert (await ask(fake, OTHER, "✖️ Not now", "en")).params["text"] == "OK, nothing changed."


async def test_russian_small_talk_and_the_newsrooms_own_replies(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    async with running_bot(settings_for(fake, db), nlp, clock):
        hello = await ask(fake, USER, "hi")
        assert hello.params["text"].startswith("Здравствуйте! Спрашивайте меня о новостях")
        assert button_data(hello), "its example questions (in English) as buttons"
        thanks = await ask(fake, USER, "thanks!")
        assert thanks.params["text"] == "Рад помочь! Спрашивайте о новостях что-нибудь ещё."
        able = await ask(fake, USER, "what can you do?")
        assert able.params["text"].startswith(
            "Я отвечаю на вопросы о 1 новостной статье, которую я прочитал"
        )
        who = await ask(fake, USER, "what did he say?")
        assert who.params["text"].startswith("Кого вы имеете в виду?")
        missing = await ask(fake, USER, "summarise #99")
        assert missing.params["text"].startswith("Статьи #99 нет. Спросите об одной из этих:")
        asked = await ask(fake, USER, "123 456")
        assert asked.params["text"].startswith("Пожалуйста, задайте вопрос словами")

        assert (await ask(fake, OTHER, "hi", "en")).params["text"].startswith("Hello! Ask me")
        english = await ask(fake, OTHER, "what can you do?", "en")
        assert "the 1 news article I have read" in english.params["text"]
        assert (
            (await ask(fake, OTHER, "what did he say?", "en"))
            .params["text"]
            .startswith("Who do you mean?")
        )


async def test_russian_errors_of_the_domain(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    async with running_bot(settings_for(fake, db), nlp, clock):
        two = await ask(fake, USER, "/subscribe 8am 9pm London")
        assert two.params["text"].startswith("Укажите одно время, например 8am или 20:00.\n")
        pause = await ask(fake, USER, "/pause forever")
        assert pause.params["text"].startswith("'forever' — это не срок: пишите 7d, 2w или 12h.")
        article = await ask(fake, USER, "/article 99")
        assert article.params["text"] == "Статьи #99 нет. Смотрите /articles."
        english = await ask(fake, OTHER, "/article 99", language="en")
        assert english.params["text"] == "There is no article #99. See /articles."
        english = await ask(fake, OTHER, "/pause forever", language="en")
        assert english.params["text"].startswith("'forever' is not a length of time")


async def test_russian_admin_replies(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    async with running_bot(settings_for(fake, db), nlp, clock):
        refused = await ask(fake, USER, "/stats")
        assert refused.params["text"] == "Извините, это могут только администраторы бота."
        stats = await ask(fake, ADMIN, "/stats")
        assert stats.params["text"].startswith("<b>Хранилище</b>\nстатей: 1 · фактов: ")
        assert "<b>Вопросы</b> (24 ч / 7 дней)" in stats.params["text"]
        chart = await fake.next_call("sendPhoto", chat_id=ADMIN, ok=True, timeout=20)
        assert chart.params["caption"].startswith("Вопросы по дням за последние 30 дней")

        short = await ask(fake, ADMIN, "/load Too short to be news.")
        assert short.params["text"].startswith(
            "Не загружено: Это слишком коротко для статьи (слов: 5; нужно не меньше "
        )
        loaded = await ask(fake, ADMIN, "/load " + (DATA / "harbour_council.txt").read_text())
        assert loaded.params["text"].startswith("Загружена статья #2 <b>")
        assert (
            "подписчиков на мгновенные новости получат уведомление сейчас" in loaded.params["text"]
        )
        remove = await ask(fake, ADMIN, "/remove 2")
        assert remove.params["text"].startswith("Удалить статью #2 <b>")
        assert button_texts(remove) == ["Да, удалить #2", "Отмена"]
        await fake.user_presses(
            ADMIN, int(remove.response["message_id"]), "rm:no", language_code="ru"
        )
        kept = await fake.next_call("editMessageText", chat_id=ADMIN, ok=True, timeout=10)
        assert kept.params["text"] == "Ничего не удалено."
        feeds = await ask(fake, ADMIN, "/feeds")
        assert (
            feeds.params["text"] == "Лент пока нет. Добавьте ленту: <code>/feeds add URL</code>."
        )
        offer = await ask(fake, ADMIN, "https://news.example/story")
        assert offer.params["text"] == "Это ссылка. Загрузить это как статью?"
        assert button_texts(offer) == ["📥 Загрузить как статью", "Нет"]

        english = await ask(fake, ADMIN, "/remove 2", language="en")
        assert english.params["text"].startswith("Remove #2 <b>")
        assert button_texts(english) == ["Yes, remove #2", "Cancel"]


async def test_the_engines_own_declines_in_russian(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    """/who of a name the articles lack, and a question over TALKS_MAX_QUESTION_CHARS: the
    engine writes these declines itself (a template and its values); a Russian user reads them
    in Russian, an English one as before."""
    async with running_bot(settings_for(fake, db, max_question_chars=800), nlp, clock):
        nobody = await ask(fake, USER, "/who Xqzzv Wwplk")
        assert nobody.params["text"] == "Я не знаю никого и ничего под названием «Xqzzv Wwplk»."
        english = await ask(fake, OTHER, "/who Xqzzv Wwplk", language="en")
        assert english.params["text"] == "I don't know anyone or anything called “Xqzzv Wwplk”."
        long_question = "who is Xie Xiaoyan " + "and " * 300 + "?"
        too_long = await ask(fake, USER, long_question)
        assert too_long.params["text"] == (
            f"Сообщение слишком длинное (символов: {len(long_question):,}). Задайте, "
            "пожалуйста, один короткий вопрос (не больше 800 символов)."
        )
        in_english = await ask(fake, OTHER, long_question, language="en")
        assert in_english.params["text"].startswith(
            f"That message is too long ({len(long_question):,} characters)."
        )
