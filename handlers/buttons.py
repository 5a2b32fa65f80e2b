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
========  ===============================  ==========================================

A fact is named by ``knowledge.fact_ref`` ("ARTICLE:POSITION"; a bare fact id in
buttons sent before). Telegram takes 1-64 bytes of callback data: only ``q:`` carries free text,
and ``question`` returns None for a question that does not fit (the button is left out rather
than carry a cut question). Data no pattern matches (a button of an older version, or forged)
goes to the fallback in ``handlers.register``, which answers it politely.
"""

from __future__ import annotations

import re

MAX_DATA_BYTES = 64  # Telegram's limit for callback_data, in bytes (UTF-8)

_REF = r"\d+(?::\d+)?"  # ARTICLE:POSITION, or a bare fact id
SOURCE = re.compile(rf"^src:({_REF})$")
MORE = re.compile(r"^more:(\d+)$")
FEEDBACK = re.compile(r"^fb:(\d+):(1|-1)$")
FACT = re.compile(rf"^fact:({_REF})$")
QUESTION = re.compile(r"^q:(.+)$", re.DOTALL)
REMOVE = re.compile(r"^rm:(\d+|no)$")
KINDS = (SOURCE, MORE, FEEDBACK, FACT, QUESTION, REMOVE)


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


def decode_remove(data: str | None) -> int | None:
    """The article to remove, or None for Cancel."""
    target = _match(REMOVE, data).group(1)
    return None if target == "no" else int(target)
