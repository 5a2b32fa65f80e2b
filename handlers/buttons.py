"""Every inline button's callback data, in one place: per kind an encoder, a compiled pattern
(``handlers.register`` routes each kind to its callback with it) and a decoder.

========  ===============================  ==========================================
kind      data                             button
========  ===============================  ==========================================
source    ``src:ARTICLE:POSITION``         📄 Show source (a fact's paragraph)
more      ``more:QUESTION_ID``             ➕ More answers
feedback  ``fb:QUESTION_ID:1`` or ``:-1``  👍 / 👎
fact      ``fact:ARTICLE:POSITION``        a "did you mean" fact under a decline
question  ``q:TEXT``                       an example question of /start
remove    ``rm:ARTICLE_ID``, ``rm:no``     /remove's confirm and cancel (admins only)
import    ``imp:yes``, ``imp:no``          "Load it as an article?" under an admin's
                                           pasted text, link or file (admins only)
about     ``ask:ARTICLE_ID``               ❓ under a digest: ask about this article
schedule  ``sub:HHMM[:PLACE]``,            a time of /subscribe's picker, a "did you
          ``sub:now[:PLACE]``              mean" place, or instant news
menu      ``sub:menu``                     🕗 Change time (under a digest): the picker
locate    ``sub:loc``                      📍 Use my location: asks for it
unsub     ``unsub``                        🔕 Unsubscribe (under a digest)
follow    ``fol:ENTITY_ID[:c]``            🔔 Follow (``:c``: a "did you mean" of /follow,
                                           whose message then says it is followed)
unfollow  ``unf:FOLLOW_ID[:l]``            🔕 Unfollow (``:l``: on /following's list,
                                           which is then redrawn)
timeline  ``tl:ENTITY_ID:PAGE``            a "did you mean" of /timeline, its pages
language  ``lang:CODE``                    /language's English / Русский
========  ===============================  ==========================================

A fact is named by ``knowledge.fact_ref`` ("ARTICLE:POSITION"; a bare fact id in
buttons sent before). Telegram takes 1-64 bytes of callback data: only ``q:`` and ``sub:``
carry free text (a question, a place's name), and their encoders return None for one that does
not fit (the button is left out rather than carry a cut text). Data no pattern matches (a
button of an older version, or forged) goes to the fallback in ``handlers.register``, which
answers it politely.
"""

from __future__ import annotations

import datetime as dt
import re

MAX_DATA_BYTES = 64  # Telegram's limit for callback_data, in bytes (UTF-8)

_REF = r"\d+(?::\d+)?"  # ARTICLE:POSITION, or a bare fact id
SOURCE = re.compile(rf"^src:({_REF})$")
MORE = re.compile(r"^more:(\d+)$")
FEEDBACK = re.compile(r"^fb:(\d+):(1|-1)$")
FACT = re.compile(rf"^fact:({_REF})$")
QUESTION = re.compile(r"^q:(.+)$", re.DOTALL)
REMOVE = re.compile(r"^rm:(\d+|no)$")
IMPORT = re.compile(r"^imp:(yes|no)$")  # the message to load is the one the offer replies to
ABOUT = re.compile(r"^ask:(\d+)$")
SCHEDULE = re.compile(r"^sub:(\d{4}|now)(?::(.+))?$", re.DOTALL)
MENU = re.compile(r"^sub:menu$")
LOCATE = re.compile(r"^sub:loc$")
UNSUBSCRIBE = re.compile(r"^unsub$")
FOLLOW = re.compile(r"^fol:(\d+)(:c)?$")
UNFOLLOW = re.compile(r"^unf:(\d+)(:l)?$")
TIMELINE = re.compile(r"^tl:(\d+):(\d+)$")
LANGUAGE = re.compile(r"^lang:([a-z]{2})$")
KINDS = (
    SOURCE,
    MORE,
    FEEDBACK,
    FACT,
    QUESTION,
    REMOVE,
    IMPORT,
    ABOUT,
    SCHEDULE,
    MENU,
    LOCATE,
    UNSUBSCRIBE,
    FOLLOW,
    UNFOLLOW,
    TIMELINE,
    LANGUAGE,
)


class ButtonDataError(ValueError):
    """Data that is not of the kind asked for (routing by pattern keeps it from the callbacks)."""


def _fits(data: str) -> bool:
    return 1 <= len(data.encode()) <= MAX_DATA_BYTES


def _checked(data: str, pattern: re.Pattern[str]) -> str:
    if not _fits(data) or pattern.match(data) is None:
        raise ButtonDataError(f"not valid button data: {data!r}")
    return data


def _match(pattern: re.Pattern[str], data: str | None) -> re.Match[str]:
    found = pattern.match(data or "")
    if found is None:
        raise ButtonDataError(f"not {pattern.pattern} button data: {data!r}")
    return found


# --- encoders ----------------------------------------------------------------------------------


def source(ref: str) -> str:
    """``ref``: ``knowledge.fact_ref`` of the answer's fact."""
    return _checked(f"src:{ref}", SOURCE)


def language(code: str) -> str:
    """``code``: one of ``handlers.i18n.LANGUAGES``."""
    return _checked(f"lang:{code}", LANGUAGE)


def more(question_id: int) -> str:
    return _checked(f"more:{question_id}", MORE)


def feedback(question_id: int, value: int) -> str:
    """👍 is ``value`` 1, 👎 -1."""
    return _checked(f"fb:{question_id}:{value}", FEEDBACK)


def fact(ref: str) -> str:
    """``ref``: ``knowledge.fact_ref`` of the suggested fact."""
    return _checked(f"fact:{ref}", FACT)


def question(text: str) -> str | None:
    """The example question as button data, or None when it does not fit in 64 bytes."""
    data = f"q:{text}"
    return data if _fits(data) and QUESTION.match(data) else None


def remove(article_id: int) -> str:
    return _checked(f"rm:{article_id}", REMOVE)


REMOVE_CANCEL = "rm:no"
IMPORT_YES = "imp:yes"
IMPORT_NO = "imp:no"


def about(article_id: int) -> str:
    return _checked(f"ask:{article_id}", ABOUT)


def schedule(at: dt.time | None, place: str | None = None) -> str | None:
    """Subscribe at ``at`` (None: instant news) in ``place`` (None: the chat's zone so far);
    None when the place's name does not fit."""
    data = f"sub:{'now' if at is None else f'{at:%H%M}'}" + (f":{place}" if place else "")
    return data if _fits(data) and SCHEDULE.match(data) else None


MENU_DATA = "sub:menu"
LOCATE_DATA = "sub:loc"
UNSUBSCRIBE_DATA = "unsub"


def follow(entity_id: int, *, choice: bool = False) -> str:
    """``choice``: one of /follow's "did you mean", answered in place."""
    return _checked(f"fol:{entity_id}" + (":c" if choice else ""), FOLLOW)


def unfollow(follow_id: int, *, on_list: bool = False) -> str:
    """``on_list``: pressed on /following's list, which is redrawn without it."""
    return _checked(f"unf:{follow_id}" + (":l" if on_list else ""), UNFOLLOW)


def timeline(entity_id: int, page: int = 0) -> str:
    return _checked(f"tl:{entity_id}:{page}", TIMELINE)


# --- decoders (of data their kind's pattern matched) -------------------------------------------


def decode_source(data: str | None) -> str:
    return _match(SOURCE, data).group(1)


def decode_more(data: str | None) -> int:
    return int(_match(MORE, data).group(1))


def decode_feedback(data: str | None) -> tuple[int, int]:
    """(question id, 1 or -1)."""
    found = _match(FEEDBACK, data)
    return int(found.group(1)), int(found.group(2))


def decode_fact(data: str | None) -> str:
    return _match(FACT, data).group(1)


def decode_question(data: str | None) -> str:
    return _match(QUESTION, data).group(1)


def decode_about(data: str | None) -> int:
    return int(_match(ABOUT, data).group(1))


def decode_schedule(data: str | None) -> tuple[dt.time | None, str | None]:
    """(the time, None for instant news; the place, None for the chat's zone so far)."""
    found = _match(SCHEDULE, data)
    clock, place = found.group(1), found.group(2)
    if clock == "now":
        return None, place
    hour, minute = int(clock[:2]), int(clock[2:])
    if hour > 23 or minute > 59:
        raise ButtonDataError(f"not a time: {data!r}")
    return dt.time(hour, minute), place


def decode_follow(data: str | None) -> tuple[int, bool]:
    """(the entity's id, whether it was a "did you mean" choice)."""
    found = _match(FOLLOW, data)
    return int(found.group(1)), found.group(2) is not None


def decode_unfollow(data: str | None) -> tuple[int, bool]:
    """(the follow's id, whether it was pressed on /following's list)."""
    found = _match(UNFOLLOW, data)
    return int(found.group(1)), found.group(2) is not None


def decode_timeline(data: str | None) -> tuple[int, int]:
    """(the entity's id, the page)."""
    found = _match(TIMELINE, data)
    return int(found.group(1)), int(found.group(2))


def decode_remove(data: str | None) -> int | None:
    """The article to remove, or None for Cancel."""
    target = _match(REMOVE, data).group(1)
    return None if target == "no" else int(target)


def decode_language(data: str | None) -> str:
    return _match(LANGUAGE, data).group(1)
