"""The bot's own texts in English and Russian (``handlers.i18n``): the catalogs are complete,
current with the code, and keep each text's placeholders; the lookup falls back to English."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import handlers
from handlers import i18n, render
from knowledge import DECLINE

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
