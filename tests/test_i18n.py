"""The bot's own texts in English and Russian (``handlers.i18n``): the catalogs are complete,
current with the code, and keep each text's placeholders; the lookup falls back to English."""

from __future__ import annotations

import ast
import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import handlers
from handlers import domain_texts, i18n, render
from knowledge import DECLINE, ChatReply, Intent, ScheduleError, UnknownArticleError, parse_pause
from knowledge.newsroom import conversing

from .conftest import ROOT

RU_PO = i18n.LOCALE_DIR / "ru" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {"N_": None, "tr": None, "_": None, "ngettext": (2, 3)}  # as in handlers/i18n.py
PLACEHOLDER = re.compile(r"\{\w*\}|%[sdr]|%\(\w+\)[sdr]")


def read(path: Path) -> Catalog:
    with path.open("rb") as f:
        return read_po(f)


def msgids(catalog: Catalog) -> set[str]:
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}


def test_every_marked_text_of_the_handlers_is_in_the_catalogs() -> None:
    found = {
        msg if isinstance(msg, str) else msg[0]
        for _, _, msg, *_ in extract_from_dir(
            str(ROOT / "handlers"), method_map=[("**.py", "python")], keywords=KEYWORDS
        )
    }
    assert len(found) > 30
    assert found == msgids(read(RU_PO)), "run the pybabel commands in handlers/i18n.py"
    assert found == msgids(read(i18n.LOCALE_DIR / "messages.pot"))


def test_every_russian_text_is_translated_and_keeps_its_placeholders() -> None:
    catalog = read(RU_PO)
    for message in catalog:
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        assert "fuzzy" not in message.flags, ids[0]
        assert len(strings) == (1 if len(ids) == 1 else catalog.num_plurals)
        for string in strings:
            assert string, f"untranslated: {ids[0]!r}"
            assert sorted(PLACEHOLDER.findall(string)) == sorted(PLACEHOLDER.findall(ids[-1]))
            assert string.count("<b>") == ids[0].count("<b>"), "HTML tags as in English"


@pytest.mark.parametrize(
    ("code", "language"),
    [("ru", "ru"), ("ru-RU", "ru"), ("RU", "ru"), ("en", "en"), ("en-GB", "en"), ("de", "en"),
     ("uk", "en"), (None, "en"), ("", "en")],
)  # fmt: skip
def test_language_of_a_telegram_language_code(code: str | None, language: str) -> None:
    assert i18n.language_of(code) == language


def test_lookup_in_russian_with_english_for_the_rest() -> None:
    assert i18n.translator("ru")(DECLINE) == "В моих статьях об этом не сказано."
    assert i18n.translator("en")(DECLINE) == DECLINE
    assert i18n.translator("fr")(DECLINE) == DECLINE  # not a language of the bot
    assert i18n.translator("ru")("not in the catalog") == "not in the catalog"
    assert render.DECLINE_MSGID == DECLINE  # the domain's decline is the catalog's msgid


@pytest.mark.parametrize(
    ("n", "word"), [(1, "статью"), (2, "статьи"), (4, "статьи"), (5, "статей"), (11, "статей"),
                    (21, "статью"), (22, "статьи")]
)  # fmt: skip
def test_russian_plurals(n: int, word: str) -> None:
    text = i18n.ngettext("ru", "I have read {n} article", "I have read {n} articles", n)
    assert text.format(n=n) == f"Я прочитал {n} {word}"


def test_the_command_menu_in_each_language() -> None:
    english, russian = handlers.commands("en"), handlers.commands("ru")
    assert [c.command for c in english] == [c.command for c in russian]
    assert "language" in [c.command for c in english]
    for en, ru in zip(english, russian, strict=True):
        assert en.description != ru.description, en.command
        assert 1 <= len(ru.description) <= 256  # Telegram's limit
    admin = handlers.commands("ru", admin=True)
    assert {"load", "stats"} <= {c.command for c in admin}


def test_babel_is_imported_by_the_first_translation_not_before() -> None:
    probe = (
        "import sys; import handlers.i18n as i; assert 'babel' not in sys.modules; "
        "i.translator('ru'); assert 'babel' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", probe], check=True, cwd=ROOT, timeout=60)


def knowledge_strings() -> set[str]:
    """Every string constant in ``knowledge`` (implicit concatenations joined, as Python does)."""
    found: set[str] = set()
    for path in (ROOT / "knowledge").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.add(node.value)
    return found


def test_each_domain_msgid_is_a_template_the_domain_uses() -> None:
    """A template reworded in ``knowledge`` must be reworded in ``handlers.domain_texts`` too, or
    its Russian would silently fall back to English."""
    used = knowledge_strings()
    assert [m for m in domain_texts.MESSAGES if m not in used] == []
    assert domain_texts.ABILITIES == (conversing.ABILITIES_ONE, conversing.ABILITIES_MANY)


def test_a_domain_error_keeps_its_template_and_is_said_in_russian() -> None:
    with pytest.raises(ScheduleError) as caught:
        parse_pause("forever")
    error = caught.value
    assert str(error) == "'forever' is not a length of time: write it as 7d, 2w or 12h."
    assert error.template == "{text} is not a length of time: write it as 7d, 2w or 12h."
    ru, en = i18n.translator("ru"), i18n.translator("en")
    assert (
        domain_texts.error_text(error, tr=ru) == "'forever' — это не срок: пишите 7d, 2w или 12h."
    )
    assert domain_texts.error_text(error, tr=en) == str(error)
    unknown = UnknownArticleError("There is no article #{id}.", id=7)
    assert domain_texts.error_text(unknown, tr=ru) == "Статьи #7 нет."
    plain = UnknownArticleError("A message with {braces} and no parameters.")
    assert domain_texts.error_text(plain, tr=ru) == "A message with {braces} and no parameters."


@pytest.mark.parametrize(
    ("n", "said"), [(1, "о 1 новостной статье, которую"), (3, "о 3 новостных статьях, которые"),
                    (21, "о 21 новостной статье, которую")]
)  # fmt: skip
def test_what_the_bot_can_do_in_russian_by_its_plural_rules(n: int, said: str) -> None:
    template = conversing.ABILITIES_ONE if n == 1 else conversing.ABILITIES_MANY
    reply = ChatReply.said(Intent.ABILITIES, template, n=n)
    assert domain_texts.chat_text(reply, tr=i18n.translator("ru")).startswith(
        f"Я отвечаю на вопросы {said} я прочитал"
    )
    assert domain_texts.chat_text(reply, tr=i18n.translator("en")) == reply.text


@pytest.mark.parametrize(
    ("language", "day", "weekday", "month"),
    [("en", "14 December 2026", "Mon 14 Dec", "December 2026"),
     ("ru", "14 декабря 2026", "пн 14 дек.", "декабрь 2026"),
     ("fr", "14 December 2026", "Mon 14 Dec", "December 2026")],
)  # fmt: skip
def test_dates_of_the_frame_by_the_language(
    language: str, day: str, weekday: str, month: str
) -> None:
    date = dt.date(2026, 12, 14)
    assert i18n.format_day(date, language) == day
    assert i18n.format_day(date, language, i18n.WEEKDAY) == weekday
    assert i18n.format_day(date, language, i18n.MONTH) == month
