"""Deep links into the bot's private chat (``t.me/<bot>?start=PAYLOAD``; Telegram then sends
``/start PAYLOAD``): ``article_ID`` opens a question in that article's context, ``ask_B64``
asks a question (its UTF-8 in unpadded URL-safe base64). Telegram takes 1-64 characters of
``A-Z a-z 0-9 _ -``, so a question of more than 45 bytes gets no link (None), not a cut one.
"""

from __future__ import annotations

import base64
import binascii
import re

MAX_PAYLOAD = 64
ARTICLE = re.compile(r"^article_(\d{1,18})$")
ASK = re.compile(r"^ask_([A-Za-z0-9_-]+)$")


def article_payload(article_id: int) -> str:
    return f"article_{article_id}"


def ask_payload(question: str) -> str | None:
    """The question as a start payload, or None when it does not fit."""
    encoded = base64.urlsafe_b64encode(question.encode()).rstrip(b"=").decode()
    payload = f"ask_{encoded}"
    return payload if len(payload) <= MAX_PAYLOAD else None


def link(bot_username: str, payload: str) -> str:
    return f"https://t.me/{bot_username}?start={payload}"


def decode_article(payload: str) -> int | None:
    found = ARTICLE.match(payload)
    return int(found.group(1)) if found else None


def decode_ask(payload: str) -> str | None:
    """The question an ``ask_`` payload carries; None for anything else or a broken one."""
    found = ASK.match(payload)
    if found is None:
        return None
    data = found.group(1)
    try:
        return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
