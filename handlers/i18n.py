"""The bot's own texts in the user's language: gettext catalogs (Babel's ``.po`` files under
``handlers/locale``), English in the code and Russian in ``ru/LC_MESSAGES/messages.po``.

The ``.po`` files are the only copy: each is compiled in memory with Babel the first time its
language is asked for (a few milliseconds), so a compiled ``.mo`` can never fall behind its
``.po``, and Babel is imported by the first translated reply, never by the CLI's quick commands.
Answers, facts and article titles are not translated: they stay in the articles' language.

Mark a text with ``_`` (``_ = translator(language)``), ``tr`` (a ``Translate`` passed in),
``N_`` (a constant, translated where it is shown) or ``ngettext``; then refresh the catalogs:

    pybabel extract -F handlers/locale/babel.cfg -k N_ -k tr -k ngettext:2,3 --no-location \
        --sort-output --omit-header -o handlers/locale/messages.pot handlers
    pybabel update -i handlers/locale/messages.pot -d handlers/locale -w 99

``tests/test_i18n.py`` fails while a marked text is missing from a catalog or untranslated.
"""

from __future__ import annotations

import functools
import gettext
import io
from pathlib import Path
from typing import Protocol

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
DEFAULT = "en"
LANGUAGES = {"en": "English", "ru": "Русский"}
"""The languages the bot speaks, each named in itself (the /language buttons)."""


class Translate(Protocol):
    def __call__(self, message: str, /) -> str: ...


def N_(message: str) -> str:
    """Mark a constant for extraction; it is translated where it is shown."""
    return message


def language_of(code: str | None) -> str:
    """The bot's language for a Telegram ``language_code`` ("ru", "ru-RU" → "ru"); English
    for any other or none."""
    base = (code or "").split("-")[0].split("_")[0].lower()
    return base if base in LANGUAGES else DEFAULT


@functools.cache
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalog of a language; English (the msgids themselves) for any other."""
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language == DEFAULT or not path.is_file():
        return gettext.NullTranslations()
    return gettext.GNUTranslations(io.BytesIO(compile_po(path)))


def compile_po(path: Path) -> bytes:
    """A ``.po`` file as ``.mo`` bytes, as ``pybabel compile`` writes them (fuzzy entries
    left out, so an unchecked translation falls back to English)."""
    from babel.messages.mofile import write_mo  # here: Babel off the start path
    from babel.messages.pofile import read_po

    with path.open("rb") as f:
        catalog = read_po(f)
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def translator(language: str) -> Translate:
    """``_`` for one language: the translation of a msgid, or the msgid when there is none."""
    return translations(language).gettext


def ngettext(language: str, singular: str, plural: str, n: int) -> str:
    """The form for ``n`` under the language's plural rules (Russian has three)."""
    return translations(language).ngettext(singular, plural, n)
