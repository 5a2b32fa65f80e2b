"""Raw Telegram dicts (users, chats, messages, updates) as the Bot API sends them.

The builders return plain ``dict``s, as in PTB's own test suite, so any test can feed them to
``Update.de_json`` or queue them on the fake Bot API server (``tests.fake_bot_api``).
"""

from __future__ import annotations

import itertools
import re
import time
from typing import Any

JSONDict = dict[str, Any]

_COMMAND = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{5,32})?(?![A-Za-z0-9_@])")
_MENTION = re.compile(r"(?<![\w@])@[A-Za-z0-9_]{5,32}(?![A-Za-z0-9_])")
_update_ids = itertools.count(1)
_callback_ids = itertools.count(1)
_inline_ids = itertools.count(9_000_000_001)


def utf16_len(text: str) -> int:
    """The length Telegram counts: UTF-16 code units (an emoji outside the BMP counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def make_user(
    user_id: int,
    *,
    first_name: str | None = None,
    username: str | None = None,
    is_bot: bool = False,
    language_code: str | None = "en",
) -> JSONDict:
    user: JSONDict = {
        "id": user_id,
        "is_bot": is_bot,
        "first_name": first_name or f"User{user_id}",
        "username": username if username is not None else f"user{user_id}",
    }
    if language_code:
        user["language_code"] = language_code
    return user


def make_chat(
    chat_id: int,
    chat_type: str = "private",
    *,
    title: str | None = None,
    first_name: str | None = None,
    username: str | None = None,
) -> JSONDict:
    """A Chat; private chats carry the user's names, the others a title."""
    chat: JSONDict = {"id": chat_id, "type": chat_type}
    if chat_type == "private":
        chat["first_name"] = first_name or f"User{chat_id}"
        chat["username"] = username if username is not None else f"user{chat_id}"
    else:
        chat["title"] = title or f"Test {chat_type} {chat_id}"
    return chat


def auto_entities(text: str) -> list[JSONDict]:
    """The entities Telegram detects by itself in a user's text: bot commands and @mentions."""
    found: list[tuple[int, int, str]] = []
    for match in _COMMAND.finditer(text):
        found.append((match.start(), match.end(), "bot_command"))
    for match in _MENTION.finditer(text):
        if not any(start <= match.start() < end for start, end, _ in found):
            found.append((match.start(), match.end(), "mention"))
    return [
        {"type": kind, "offset": utf16_len(text[:start]), "length": utf16_len(text[start:end])}
        for start, end, kind in sorted(found)
    ]


def make_message(
    message_id: int,
    chat: JSONDict,
    *,
    from_user: JSONDict | None = None,
    text: str | None = None,
    entities: list[JSONDict] | None = None,
    date: int | None = None,
    reply_to_message: JSONDict | None = None,
    **extra: Any,
) -> JSONDict:
    """A Message; ``entities`` default to the auto-detected commands and mentions of ``text``."""
    message: JSONDict = {
        "message_id": message_id,
        "date": int(time.time()) if date is None else date,
        "chat": chat,
    }
    if from_user is not None:
        message["from"] = from_user
    if text is not None:
        message["text"] = text
        found = auto_entities(text) if entities is None else entities
        if found:
            message["entities"] = found
    if reply_to_message is not None:
        message["reply_to_message"] = {
            k: v for k, v in reply_to_message.items() if k != "reply_to_message"
        }
    message.update({k: v for k, v in extra.items() if v is not None})
    return message


def make_document(
    file_id: str,
    file_unique_id: str,
    *,
    file_name: str | None = None,
    mime_type: str | None = None,
    file_size: int | None = None,
) -> JSONDict:
    document: JSONDict = {"file_id": file_id, "file_unique_id": file_unique_id}
    if file_name is not None:
        document["file_name"] = file_name
    if mime_type is not None:
        document["mime_type"] = mime_type
    if file_size is not None:
        document["file_size"] = file_size
    return document


def make_document_message(
    message_id: int,
    chat: JSONDict,
    document: JSONDict,
    *,
    from_user: JSONDict | None = None,
    caption: str | None = None,
    date: int | None = None,
    reply_to_message: JSONDict | None = None,
) -> JSONDict:
    """A Message carrying a document, with caption entities detected like text entities."""
    message = make_message(
        message_id,
        chat,
        from_user=from_user,
        date=date,
        reply_to_message=reply_to_message,
        document=document,
    )
    if caption is not None:
        message["caption"] = caption
        found = auto_entities(caption)
        if found:
            message["caption_entities"] = found
    return message


def make_callback_query(
    message: JSONDict, data: str, *, from_user: JSONDict, query_id: str | None = None
) -> JSONDict:
    """A CallbackQuery for a button pressed under ``message`` (a message the bot sent)."""
    return {
        "id": query_id or str(next(_callback_ids)),
        "from": from_user,
        "message": message,
        "chat_instance": str(message["chat"]["id"] * 7919 % 10**12),
        "data": data,
    }


def make_inline_query(
    query: str,
    *,
    from_user: JSONDict,
    chat_type: str | None = "sender",
    offset: str = "",
    query_id: str | None = None,
) -> JSONDict:
    """An InlineQuery: the user typed ``@bot query`` in a chat of ``chat_type`` ("sender": their
    own chat with the bot; "private", "group", "supergroup", "channel"; None: unknown)."""
    inline: JSONDict = {
        "id": query_id or f"{next(_inline_ids)}",
        "from": from_user,
        "query": query,
        "offset": offset,
    }
    if chat_type is not None:
        inline["chat_type"] = chat_type
    return inline


def make_update(update_id: int | None = None, **payload: JSONDict) -> JSONDict:
    """An Update: ``make_update(message=...)`` or ``make_update(callback_query=...)``."""
    if len(payload) != 1:
        raise ValueError("an update carries exactly one payload")
    return {"update_id": next(_update_ids) if update_id is None else update_id, **payload}


def update_kind(update: JSONDict) -> str:
    """The payload key of an update ("message", "callback_query", ...)."""
    return next(key for key in update if key != "update_id")
