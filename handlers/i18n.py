"""The bot's own texts in the user's language: gettext catalogs (Babel's ``.po`` files under
``handlers/locale``), English in the code and Russian in ``ru/LC_MESSAGES/messages.po``.

The ``.po`` files are the only copy: each is compiled in memory with Babel the first time its
language is asked for (a few milliseconds), so a compiled ``.mo`` can never fall behind its
``.po``, and Babel is imported by the first translated reply, never by the CLI's quick commands.
Answers, facts and article titles are not translated: they stay in the articles' language. Dates
of the bot's own frame ("since 1 March 2026") are written by Babel's CLDR data (``format_day``);
the domain's English messages are looked up by their templates in ``handlers.domain_texts``.

Mark a text with ``_`` (``_ = translator(language)``), ``tr`` (a ``Translate`` passed in),
``N_`` (a constant, translated where it is shown) or ``ngettext``; then refresh the catalogs:

    pybabel extract -F handlers/locale/babel.cfg -k N_ -k tr -k ngettext:2,3 --no-location \
        --sort-output --omit-header -o handlers/locale/messages.pot handlers
    pybabel update -i handlers/locale/messages.pot -d handlers/locale -w 99

``tests/test_i18n.py`` fails while a marked text is missing from a catalog or untranslated.
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
DEFAULT = "en"
LANGUAGES = {"en": "English", "ru": "Русский"}
"""The languages the bot speaks, each named in itself (the /language buttons)."""


class Translate(Protocol):
    """``_``: a msgid in the language; ``language`` says which (for dates, plurals)."""

    @property
    def language(self) -> str: ...

    def __call__(self, message: str, /) -> str: ...


@dataclass(frozen=True, slots=True)
class Translator:
    """A ``Translate``: a catalog's ``gettext`` and the language it is for."""

    language: str
    lookup: Callable[[str], str]

    def __call__(self, message: str, /) -> str:
        return self.lookup(message)


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
    known = language if language in LANGUAGES else DEFAULT
    return Translator(known, translations(language).gettext)


ENGLISH: Translate = Translator(DEFAULT, N_)
"""The msgids themselves: the default of the rendering functions."""


def ngettext(language: str, singular: str, plural: str, n: int) -> str:
    """The form for ``n`` under the language's plural rules (Russian has three)."""
    return translations(language).ngettext(singular, plural, n)


# Dates in the bot's own frame ("since 1 March 2026", "next: Mon 14 Dec") are written by
# Babel's CLDR data for the language; dates inside answers and facts stay as the articles say.
DAY = "d MMMM y"  # 1 March 2026 · 1 марта 2026
WEEKDAY = "EEE d MMM"  # Mon 14 Dec · пн 14 дек.
WEEKDAY_YEAR = "EEE d MMM y"
MONTH = "LLLL y"  # March 2026 · март 2026 (the month named alone)


def format_day(day: dt.date, language: str, pattern: str = DAY) -> str:
    """A date in a language by a CLDR ``pattern`` (``DAY``, ``WEEKDAY``…)."""
    from babel.dates import format_date  # here: Babel off the start path

    return format_date(day, pattern, locale=language if language in LANGUAGES else DEFAULT)


def format_short_day(day: dt.date, language: str) -> str:
    """A day on a chart's axis, in the language's order: "Mar 1", "1 мар."."""
    from babel.dates import format_skeleton  # here: Babel off the start path

    return format_skeleton("MMMd", day, locale=language if language in LANGUAGES else DEFAULT)
