"""A fake Telegram Bot API server on 127.0.0.1 for driving the real bot over HTTP.

Usage::

    async with FakeBotApi() as fake:
        app = (ApplicationBuilder().token(fake.token)
               .base_url(fake.base_url).base_file_url(fake.base_file_url).build())
        ...
        await fake.user_says(42, "who is de mistura?")
        call = await fake.next_call("sendMessage", chat_id=42)
        assert "Mistura" in call.params["text"]

The server models what the bot depends on: long-polling ``getUpdates`` with offsets, messages
stored per chat (edits, deletes, buttons), inline mode (``user_types_inline``, a checked
``answerInlineQuery``, ``user_chooses_inline``), Telegram's HTML parsing and length rules,
files, photos (PNG or JPEG, with Telegram's size and shape limits), and faults (429 with
``retry_after``, 403 for blocked chats, 5xx, dropped connections, and optional enforcement of
the 30 msg/s overall and 1 msg/s per chat limits).

Where it is stricter than Telegram, on purpose: a bare ``&`` or an unknown named entity such as
``&nbsp;`` is refused in HTML (Telegram keeps it literally; ``strict_html=False`` does too), and
with ``enforce_limits`` the overall limit is a strict rolling one-second window: PTB's default
``AIORateLimiter`` (a leaky bucket that allows a burst of 30) exceeds it, one paced at
``overall_max_rate=1, overall_time_period=1 / 30`` does not.

``python -m tests.fake_bot_api --port 8081 [--enforce-limits]`` serves it for a bot in another
process; ``GET /_fake/stats`` and ``POST /_fake/user_says`` (JSON keyword arguments) drive it.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import itertools
import json
import math
import re
import signal
import struct
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests import factories
from tests.factories import JSONDict, utf16_len

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA = 64
MAX_INLINE_RESULTS = 50
MAX_INLINE_ID = 64  # bytes of a result's id, of next_offset and of a start parameter
INLINE_ANSWER_WINDOW = 10.0  # seconds Telegram waits for answerInlineQuery
_INLINE_RESULT_TYPES = frozenset(
    {
        "article",
        "photo",
        "gif",
        "mpeg4_gif",
        "video",
        "audio",
        "voice",
        "document",
        "location",
        "venue",
        "contact",
        "game",
        "sticker",
    }
)
MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024
MAX_PHOTO_SIZE = 10 * 1024 * 1024  # sendPhoto's limits: 10 MB, width + height at most 10,000,
MAX_PHOTO_SIDES = 10_000  # and neither side over 20 times the other
MAX_PHOTO_RATIO = 20

# Sent as plain strings by PTB; everything else arrives JSON-encoded in form bodies.
_STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "inline_query_id",
        "next_offset",
        "inline_message_id",
        "file_id",
        "url",
        "secret_token",
        "action",
        "language_code",
        "description",
        "short_description",
        "name",
        "title",
        "query",
        "emoji",
        "ip_address",
        "message_effect_id",
        "business_connection_id",
    }
)
_SEND_METHODS = frozenset(
    {
        "sendMessage",
        "sendDocument",
        "sendPhoto",
        "sendAudio",
        "sendVideo",
        "sendAnimation",
        "sendVoice",
        "sendSticker",
        "sendLocation",
        "sendContact",
        "sendPoll",
        "sendDice",
        "sendMediaGroup",
        "copyMessage",
        "forwardMessage",
    }
)
_CHAT_METHODS = _SEND_METHODS | {
    "getChatMember",
    "sendChatAction",
    "editMessageText",
    "editMessageReplyMarkup",
    "editMessageCaption",
    "deleteMessage",
}
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_ACCEPTED = frozenset(
    {
        "logOut",
        "close",
        "setMyDescription",
        "setMyShortDescription",
        "setMyName",
        "setChatMenuButton",
        "setMyDefaultAdministratorRights",
    }
)


class ApiError(Exception):
    """An error answer: ``{"ok": false, "error_code": status, "description": ...}``."""

    def __init__(self, status: int, description: str, parameters: JSONDict | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


def bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


# --------------------------------------------------------------------------------------------
# HTML parse mode, after tdlib's parse_html (td/telegram/MessageEntity.cpp)
# --------------------------------------------------------------------------------------------

_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY = re.compile(r"&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([A-Za-z]{2,8}));")
_SPACE = " \t\r\n\f\v"


class EntityParseError(Exception):
    pass


def _decode_entity(text: str, i: int) -> tuple[str, int] | None:
    """The character of the HTML entity at ``text[i]`` and the index after it, if it is one."""
    match = _ENTITY.match(text, i)
    if match is None:
        return None
    decimal, hexa, name = match.groups()
    if name is not None:
        char = _NAMED_ENTITIES.get(name)
        if char is None:
            return None
        return char, match.end()
    code = int(decimal) if decimal is not None else int(hexa, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code), match.end()


def parse_html(text: str, *, strict: bool = True) -> tuple[str, list[JSONDict]]:
    """Telegram's HTML parse mode: the plain text and its entities (offsets in UTF-16 units).

    Raises ``EntityParseError`` with Telegram's wording on malformed markup. ``strict`` also
    rejects a ``&`` that does not start one of the supported entities; Telegram itself keeps
    such an ``&`` literally, but a bot that escapes its text never sends one.
    """

    def at(pos: int) -> str:
        return f"byte offset {len(text[:pos].encode())}"

    out: list[str] = []
    out_utf16 = 0
    stack: list[tuple[str, str, int, bool]] = []  # tag, argument, utf16 start, expandable
    entities: list[JSONDict] = []
    n = len(text)
    i = 0
    while i < n:
        char = text[i]
        if char == "&":
            decoded = _decode_entity(text, i)
            if decoded is not None:
                out.append(decoded[0])
                out_utf16 += utf16_len(decoded[0])
                i = decoded[1]
                continue
            if strict:
                raise EntityParseError(f"Unsupported HTML entity at {at(i)}")
        if char != "<":
            out.append(char)
            out_utf16 += utf16_len(char)
            i += 1
            continue
        begin = i
        i += 1
        if i < n and text[i] == "/":
            if not stack:
                raise EntityParseError(f"Unexpected end tag at {at(begin)}")
            while i < n and text[i] not in _SPACE and text[i] != ">":
                i += 1
            end_name = text[begin + 2 : i].lower()
            while i < n and text[i] in _SPACE:
                i += 1
            if i >= n or text[i] != ">":
                raise EntityParseError(f"Unclosed end tag at {at(begin)}")
            i += 1
            tag, argument, start, expandable = stack.pop()
            if end_name and end_name != tag:
                raise EntityParseError(
                    f'Unmatched end tag at {at(begin)}, expected "</{tag}>", found "</{end_name}>"'
                )
            _close_entity(entities, tag, argument, start, out_utf16 - start, expandable=expandable)
            continue
        while i < n and text[i] not in _SPACE and text[i] != ">":
            i += 1
        if i >= n:
            raise EntityParseError(f"Unclosed start tag at {at(begin)}")
        tag = text[begin + 1 : i].lower()
        if tag not in _TAGS:
            raise EntityParseError(f'Unsupported start tag "{tag}" at {at(begin)}')
        argument, expandable, i = _parse_attributes(text, i, tag, begin, at)
        if tag == "span" and argument != "spoiler":
            raise EntityParseError(f'Tag "span" must have class "tg-spoiler" at {at(begin)}')
        stack.append((tag, argument, out_utf16, expandable))
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    plain = "".join(out)
    return _strip(plain, _merge_pre_code(entities))


def _parse_attributes(
    text: str, i: int, tag: str, begin: int, at: Callable[[int], str]
) -> tuple[str, bool, int]:
    """Read a start tag's attributes from ``text[i]``; the tag's argument and the index after."""
    n = len(text)
    argument = ""
    expandable = False
    while True:
        while i < n and text[i] in _SPACE:
            i += 1
        if i >= n:
            raise EntityParseError(f"Unclosed start tag at {at(begin)}")
        if text[i] == ">":
            return argument, expandable, i + 1
        name_start = i
        while i < n and text[i] not in _SPACE and text[i] not in "=>":
            i += 1
        name = text[name_start:i].lower()
        if not name:
            raise EntityParseError(f'Empty attribute name in the tag "{tag}" at {at(begin)}')
        while i < n and text[i] in _SPACE:
            i += 1
        if i >= n or text[i] != "=":
            if tag == "blockquote" and name == "expandable":
                expandable = True
                continue
            raise EntityParseError(
                f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                f"at {at(begin)}"
            )
        i += 1
        while i < n and text[i] in _SPACE:
            i += 1
        if i >= n:
            raise EntityParseError(f'Unclosed start tag "{tag}" at {at(begin)}')
        if text[i] in "'\"":
            quote = text[i]
            i += 1
            value: list[str] = []
            while i < n and text[i] != quote:
                decoded = _decode_entity(text, i) if text[i] == "&" else None
                if decoded is not None:
                    value.append(decoded[0])
                    i = decoded[1]
                else:
                    value.append(text[i])
                    i += 1
            i += 1
            attribute = "".join(value)
        else:
            token_start = i
            while i < n and (text[i].isalnum() or text[i] in ".-"):
                i += 1
            attribute = text[token_start:i].lower()
            if i < n and text[i] not in _SPACE and text[i] != ">":
                raise EntityParseError(f"Unexpected end of name token at {at(token_start)}")
        if i >= n:
            raise EntityParseError(f"Unclosed start tag at {at(begin)}")
        if tag == "a" and name == "href":
            argument = attribute
        elif tag == "code" and name == "class" and attribute.startswith("language-"):
            argument = attribute[len("language-") :]
        elif tag == "span" and name == "class" and attribute.startswith("tg-"):
            argument = attribute[len("tg-") :]
        elif tag == "tg-emoji" and name == "emoji-id":
            argument = attribute


def _close_entity(
    entities: list[JSONDict],
    tag: str,
    argument: str,
    offset: int,
    length: int,
    *,
    expandable: bool,
) -> None:
    if length <= 0:
        return
    kind = _TAGS[tag]
    entity: JSONDict = {"type": kind, "offset": offset, "length": length}
    if kind == "text_link":
        if not argument:
            return  # tdlib drops a link without a usable href
        entity["url"] = argument
    elif kind == "code" and argument:
        entity["language"] = argument  # kept only until merged into an enclosing <pre>
    elif kind == "custom_emoji":
        entity["custom_emoji_id"] = argument
    elif kind == "blockquote" and expandable:
        entity["type"] = "expandable_blockquote"
    entities.append(entity)


def _merge_pre_code(entities: list[JSONDict]) -> list[JSONDict]:
    """``<pre><code class="language-x">`` becomes one ``pre`` entity with a language."""
    merged: list[JSONDict] = []
    for entity in entities:
        language = entity.pop("language", None) if entity["type"] == "code" else None
        if language is not None:
            outer = next(
                (
                    e
                    for e in entities
                    if e["type"] == "pre"
                    and e["offset"] == entity["offset"]
                    and e["length"] == entity["length"]
                ),
                None,
            )
            if outer is not None:
                outer["language"] = language
                continue
        merged.append(entity)
    return sorted(merged, key=lambda e: (e["offset"], -e["length"]))


def _strip(plain: str, entities: list[JSONDict]) -> tuple[str, list[JSONDict]]:
    """Telegram trims surrounding whitespace and clips the entities to what is left."""
    stripped = plain.strip()
    if stripped == plain:
        return plain, entities
    lead = utf16_len(plain[: len(plain) - len(plain.lstrip())])
    size = utf16_len(stripped)
    clipped = []
    for entity in entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, size)
        if end > start:
            clipped.append({**entity, "offset": start, "length": end - start})
    return stripped, clipped


# --------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------


@dataclass
class Call:
    """One request the server received, with its decoded parameters and the answer it gave."""

    method: str
    params: JSONDict
    time: float
    status: int = 200
    response: Any = None
    consumed: bool = False

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass(frozen=True)
class Upload:
    """A file the bot uploaded in a multipart request."""

    file_name: str | None
    mime_type: str | None
    content: bytes


@dataclass
class _Fault:
    method: str
    status: int
    chat_id: int | str | None
    times: int
    retry_after: int | None = None
    description: str | None = None
    drop: bool = False


@dataclass
class _Chat:
    chat: JSONDict
    messages: dict[int, JSONDict] = field(default_factory=dict)
    next_message_id: int = 1
    keyboard: JSONDict | None = None  # the reply keyboard the user sees, if any


def _normalise_chat_id(value: Any) -> int | str:
    if isinstance(value, bool):
        raise bad_request("chat not found")
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    return text


def _decode_params(raw: dict[str, Any]) -> JSONDict:
    params: JSONDict = {}
    for key, value in raw.items():
        if isinstance(value, str) and key not in _STRING_PARAMS:
            try:
                params[key] = json.loads(value)
            except ValueError:
                params[key] = value
        else:
            params[key] = value
    return params


# --------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------


DEFAULT_TOKEN = "123456789:AAFakeTokenForTests_0123456789abcdef"


class FakeBotApi:
    """A fake Bot API server for one bot token; see the module docstring."""

    DEFAULT_TOKEN = DEFAULT_TOKEN

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "talks_test_bot",
        bot_first_name: str = "Talks",
        inline_mode: bool = True,
        strict_html: bool = True,
        enforce_limits: bool = False,
        global_per_second: int = 30,
        per_chat_per_second: float = 1.0,
        limit_slack: float = 0.02,
    ) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_user: JSONDict = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": inline_mode,  # BotFather's /setinline
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.strict_html = strict_html
        self.enforce_limits = enforce_limits
        self.global_per_second = global_per_second
        self.per_chat_interval = 1.0 / per_chat_per_second
        self.limit_slack = limit_slack
        self.limit_violations = 0
        self.delivered: collections.Counter[int | str] = collections.Counter()
        self.webhook: JSONDict = {}
        self.commands: dict[str, list[JSONDict]] = {}
        self.callback_answers: dict[str, JSONDict] = {}
        self.files: dict[str, tuple[bytes, JSONDict]] = {}
        self._calls: list[Call] = []
        self._faults: list[_Fault] = []
        self._blocked: set[int | str] = set()
        self._admins: dict[int | str, set[int]] = collections.defaultdict(set)
        self._deleted_topics: set[tuple[int | str, int]] = set()
        self._chats: dict[int | str, _Chat] = {}
        self._pending: collections.deque[JSONDict] = collections.deque()
        self._allowed_updates: list[str] | None = None
        self._update_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._open_queries: set[str] = set()
        self._inline_queries: dict[str, tuple[float, JSONDict]] = {}  # id → (asked at, query)
        self.inline_answers: dict[str, JSONDict] = {}  # id → answerInlineQuery's params
        self._recent_sends: collections.deque[float] = collections.deque()
        self._last_chat_send: dict[int | str, float] = {}
        self._poll_epoch = 0
        self._changed: asyncio.Condition | None = None
        self._runner: web.AppRunner | None = None
        self._stopping = False
        self.port = 0
        self._handlers: dict[str, Callable[[JSONDict], Any]] = {
            name[len("_m_") :]: getattr(self, name) for name in dir(self) if name.startswith("_m_")
        }
        self._lower = {name.lower(): name for name in (*self._handlers, *_ACCEPTED)}

    # ---- life cycle -----------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    async def start(self, port: int = 0) -> None:
        """Serve on 127.0.0.1:``port`` (0: a free port, see ``self.port``)."""
        self._changed = asyncio.Condition()
        self._stopping = False
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_get("/_fake/stats", self._control_stats)
        app.router.add_post("/_fake/{action}", self._control_action)
        self._runner = web.AppRunner(
            app, handle_signals=False, access_log=None, shutdown_timeout=1.0
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        """Release long-poll waiters and close the server and its connections."""
        self._stopping = True
        await self._notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeBotApi:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def _notify(self) -> None:
        if self._changed is not None:
            async with self._changed:
                self._changed.notify_all()

    # ---- what tests inspect ---------------------------------------------------------------

    def calls(self, method: str | None = None, **match: Any) -> list[Call]:
        """Every call received (optionally of one method whose params include ``match``)."""
        return [call for call in self._calls if self._matches(call, method, match)]

    async def next_call(
        self,
        method: str | None = None,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 - a test helper, not a library call
        ok: bool | None = None,
        **match: Any,
    ) -> Call:
        """The first matching call not yet consumed, waiting up to ``timeout`` seconds for it.

        ``ok=True`` skips failed calls (faults, 400s); ``ok=False`` takes only those.
        """
        assert self._changed is not None, "the server is not running"

        def find() -> Call | None:
            for call in self._calls:
                if (
                    not call.consumed
                    and (ok is None or call.ok == ok)
                    and self._matches(call, method, match)
                ):
                    return call
            return None

        try:
            async with asyncio.timeout(timeout), self._changed:
                found = await self._changed.wait_for(find)
        except TimeoutError:
            seen = [(c.method, c.status, c.params.get("chat_id")) for c in self._calls[-10:]]
            raise AssertionError(
                f"no {method or 'call'} {match or ''} within {timeout}s; last calls: {seen}"
            ) from None
        assert found is not None
        found.consumed = True
        return found

    def sent_to(self, chat_id: int | str) -> list[JSONDict]:
        """The messages now in a chat that the bot sent (as edited; deleted ones left out)."""
        chat = self._chats.get(_normalise_chat_id(chat_id))
        if chat is None:
            return []
        return [m for m in chat.messages.values() if m.get("from", {}).get("id") == self.bot_id]

    def texts_to(self, chat_id: int | str) -> list[str]:
        return [str(m.get("text", m.get("caption", ""))) for m in self.sent_to(chat_id)]

    def message(self, chat_id: int | str, message_id: int) -> JSONDict:
        return self._chats[_normalise_chat_id(chat_id)].messages[message_id]

    @property
    def pending_updates(self) -> list[JSONDict]:
        """Updates queued and not yet confirmed by an ``offset``."""
        return list(self._pending)

    @staticmethod
    def _matches(call: Call, method: str | None, match: JSONDict) -> bool:
        if method is not None and call.method.lower() != method.lower():
            return False
        for key, want in match.items():
            have = call.params.get(key)
            if key == "chat_id" and have is not None:
                have, expected = _normalise_chat_id(have), _normalise_chat_id(want)
            else:
                expected = want
            if have != expected:
                return False
        return True

    # ---- faults ---------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        status: int = 429,
        *,
        retry_after: int | None = None,
        chat_id: int | str | None = None,
        times: int = 1,
        description: str | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` (to ``chat_id`` if given) with an error.

        429 carries ``retry_after`` (default 1 s); 403 says the bot was blocked; 502 answers
        like the proxy in front of Telegram (an HTML page, not JSON).
        """
        if status == 429 and retry_after is None:
            retry_after = 1
        self._faults.append(
            _Fault(
                method.lower(), status, self._chat_key(chat_id), times, retry_after, description
            )
        )

    def drop_next(self, method: str, *, chat_id: int | str | None = None, times: int = 1) -> None:
        """Close the connection without an answer on the next ``times`` calls of ``method``."""
        self._faults.append(_Fault(method.lower(), 0, self._chat_key(chat_id), times, drop=True))

    def block(self, chat_id: int | str) -> None:
        """From now on every send to the chat gets 403, as when a user blocks the bot."""
        self._blocked.add(_normalise_chat_id(chat_id))

    def unblock(self, chat_id: int | str) -> None:
        self._blocked.discard(_normalise_chat_id(chat_id))

    @staticmethod
    def _chat_key(chat_id: int | str | None) -> int | str | None:
        return None if chat_id is None else _normalise_chat_id(chat_id)

    def _take_fault(self, method: str, chat_id: int | str | None) -> _Fault | None:
        for fault in self._faults:
            if fault.method == method.lower() and fault.chat_id in (None, chat_id):
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    # ---- updates the tests inject ---------------------------------------------------------

    async def push_update(self, update: JSONDict) -> JSONDict:
        """Queue a raw update (its ``update_id`` is assigned here) for ``getUpdates``."""
        update["update_id"] = next(self._update_ids)
        self._pending.append(update)
        await self._notify()
        return update

    async def user_says(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        chat_type: str | None = None,
        reply_to: int | JSONDict | None = None,
        entities: list[JSONDict] | None = None,
        first_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
        thread_id: int | None = None,
    ) -> JSONDict:
        """A user's text message; commands ("/ask", "/ask@bot") and @mentions get entities.

        ``chat_type`` defaults to "private" for positive ids and "group" for negative ones;
        ``reply_to`` is a message id in that chat (or a message dict); ``language_code`` is the
        user's (Telegram's IETF tag of their app's language). ``thread_id``: said in that topic
        of a forum (the chat becomes a forum supergroup).
        """
        if thread_id is not None:
            self.make_forum(chat_id)
        chat, user = self._chat_and_user(
            chat_id, chat_type, user_id, first_name, username, language_code=language_code
        )
        message = factories.make_message(
            self._next_message_id(chat_id),
            chat,
            from_user=user,
            text=text,
            entities=entities,
            reply_to_message=self._reply_target(chat_id, reply_to),
            message_thread_id=thread_id,
            is_topic_message=True if thread_id is not None else None,
        )
        return await self._push_message(message)

    def make_forum(self, chat_id: int) -> None:
        """The chat is a supergroup with topics (``message_thread_id`` is taken there only)."""
        chat = self._state(chat_id).chat
        chat["type"], chat["is_forum"] = "supergroup", True

    def delete_topic(self, chat_id: int, thread_id: int) -> None:
        """The forum topic is deleted: sends to it are refused from now on."""
        self._deleted_topics.add((chat_id, thread_id))

    def make_admin(self, chat_id: int, user_id: int) -> None:
        """The user is an administrator of the group (``getChatMember`` says so)."""
        self._admins[chat_id].add(user_id)

    async def user_sends_document(
        self,
        chat_id: int,
        document: JSONDict,
        *,
        caption: str | None = None,
        user_id: int | None = None,
        chat_type: str | None = None,
        reply_to: int | JSONDict | None = None,
    ) -> JSONDict:
        """A user's message carrying ``document`` (from ``add_file``), with an optional caption."""
        chat, user = self._chat_and_user(chat_id, chat_type, user_id, None, None)
        message = factories.make_document_message(
            self._next_message_id(chat_id),
            chat,
            document,
            from_user=user,
            caption=caption,
            reply_to_message=self._reply_target(chat_id, reply_to),
        )
        return await self._push_message(message)

    async def user_shares_location(
        self,
        chat_id: int,
        latitude: float,
        longitude: float,
        *,
        user_id: int | None = None,
        language_code: str | None = "en",
    ) -> JSONDict:
        """A user's message carrying a location (what a ``request_location`` button sends)."""
        chat, user = self._chat_and_user(
            chat_id, None, user_id, None, None, language_code=language_code
        )
        message = factories.make_message(
            self._next_message_id(chat_id),
            chat,
            from_user=user,
            location={"latitude": latitude, "longitude": longitude},
        )
        return await self._push_message(message)

    async def user_presses(
        self,
        chat_id: int,
        message_id: int,
        data: str,
        *,
        user_id: int | None = None,
        check: bool = True,
        language_code: str | None = "en",
    ) -> JSONDict:
        """A callback query: the user presses the button carrying ``data`` under a bot message.

        With ``check`` the button must be on the message as it is now; ``language_code`` is the
        user's, as with ``user_says``.
        """
        chat_state = self._chats.get(chat_id)
        message = chat_state.messages.get(message_id) if chat_state else None
        if message is None:
            raise ValueError(f"no message {message_id} in chat {chat_id}")
        if check:
            rows = message.get("reply_markup", {}).get("inline_keyboard", [])
            datas = [b.get("callback_data") for row in rows for b in row]
            if data not in datas:
                raise ValueError(f"no button with data {data!r} on message {message_id}: {datas}")
        _, user = self._chat_and_user(
            chat_id, None, user_id, None, None, language_code=language_code
        )
        query = factories.make_callback_query(message, data, from_user=user)
        self._open_queries.add(query["id"])
        return await self.push_update({"callback_query": query})

    async def user_types_inline(
        self,
        user_id: int,
        query: str,
        *,
        chat_type: str | None = "sender",
        offset: str = "",
        language_code: str | None = "en",
    ) -> JSONDict:
        """An inline query: the user typed ``@bot query`` in a chat of ``chat_type`` (Telegram
        sends one per pause in typing). Refused for a bot without inline mode, as Telegram
        never sends it one."""
        if not self.bot_user["supports_inline_queries"]:
            raise ValueError("inline mode is off for this bot (BotFather's /setinline)")
        user = factories.make_user(user_id, language_code=language_code)
        inline = factories.make_inline_query(
            query, from_user=user, chat_type=chat_type, offset=offset
        )
        self._inline_queries[inline["id"]] = (time.monotonic(), inline)
        return await self.push_update({"inline_query": inline})

    def user_chooses_inline(self, query_id: str, result_id: str, chat_id: int) -> JSONDict:
        """The user taps a result of an answered inline query: its message is sent to
        ``chat_id`` by the user, "via" the bot (the bot does not get it as an update)."""
        answer = self.inline_answers.get(query_id)
        if answer is None:
            raise ValueError(f"inline query {query_id} was not answered")
        result = next((r for r in answer["results"] if r["id"] == result_id), None)
        if result is None:
            raise ValueError(f"no result {result_id!r} in the answer to {query_id}")
        _, inline = self._inline_queries[query_id]
        content = result["input_message_content"]
        text, entities = self._formatted(
            content, "message_text", "entities", MAX_TEXT_LENGTH, "message is too long"
        )
        chat, _ = self._chat_and_user(chat_id, None, None, None, None)
        message = factories.make_message(
            self._next_message_id(chat_id),
            chat,
            from_user=inline["from"],
            text=text,
            entities=entities,
            via_bot=self.bot_user,
            reply_markup=result.get("reply_markup"),
        )
        self._state(chat_id).messages[message["message_id"]] = message
        return message

    def add_file(
        self,
        content: bytes,
        file_name: str | None = "file.txt",
        mime_type: str | None = "text/plain",
    ) -> JSONDict:
        """Register a file the bot can fetch with getFile; returns its Document dict."""
        number = next(self._file_ids)
        document = factories.make_document(
            f"BQACAgQAAxkBAAI{number:06d}fake",
            f"AgAD{number:06d}",
            file_name=file_name,
            mime_type=mime_type,
            file_size=len(content),
        )
        self.files[document["file_id"]] = (content, document)
        return document

    def _chat_and_user(
        self,
        chat_id: int,
        chat_type: str | None,
        user_id: int | None,
        first_name: str | None,
        username: str | None,
        *,
        language_code: str | None = "en",
    ) -> tuple[JSONDict, JSONDict]:
        chat_type = chat_type or ("private" if chat_id > 0 else "group")
        if chat_type == "private":
            if user_id not in (None, chat_id):
                raise ValueError("in a private chat the user id is the chat id")
            user_id = chat_id
        elif user_id is None:
            user_id = 1000
        state = self._chats.get(chat_id)
        if state is None:
            chat = factories.make_chat(
                chat_id, chat_type, first_name=first_name, username=username
            )
            state = self._chats[chat_id] = _Chat(chat)
        user = factories.make_user(
            user_id, first_name=first_name, username=username, language_code=language_code
        )
        return state.chat, user

    def _state(self, chat_id: int | str) -> _Chat:
        state = self._chats.get(chat_id)
        if state is None:
            if isinstance(chat_id, str):
                chat = {
                    "id": -1001000000000 - len(self._chats),
                    "type": "channel",
                    "title": chat_id,
                    "username": chat_id.lstrip("@"),
                }
            else:
                chat = factories.make_chat(chat_id, "private" if chat_id > 0 else "group")
            state = self._chats[chat_id] = _Chat(chat)
        return state

    def _next_message_id(self, chat_id: int | str) -> int:
        state = self._state(chat_id)
        message_id = state.next_message_id
        state.next_message_id += 1
        return message_id

    def _reply_target(self, chat_id: int, reply_to: int | JSONDict | None) -> JSONDict | None:
        if reply_to is None or isinstance(reply_to, dict):
            return reply_to
        return self._state(chat_id).messages[reply_to]

    async def _push_message(self, message: JSONDict) -> JSONDict:
        self._state(message["chat"]["id"]).messages[message["message_id"]] = message
        return await self.push_update({"message": message})

    # ---- HTTP -----------------------------------------------------------------------------

    async def _read_params(self, request: web.Request) -> tuple[JSONDict, dict[str, Upload]]:
        raw: dict[str, Any] = dict(request.query)
        uploads: dict[str, Upload] = {}
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                body = await request.json()
                if isinstance(body, dict):
                    raw.update(body)
            else:
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        uploads[key] = Upload(
                            value.filename, value.content_type, value.file.read()
                        )
                    else:
                        raw[key] = value
        return _decode_params(raw), uploads

    async def _handle_method(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        if token != self.token:  # Telegram: 404 for what is not a token at all, else 401
            malformed = not re.fullmatch(r"\d+:[\w-]+", token)
            return _error_response(
                ApiError(404, "Not Found") if malformed else ApiError(401, "Unauthorized")
            )
        method = self._lower.get(request.match_info["method"].lower())
        if method is None:
            return _error_response(ApiError(404, "Not Found"))
        try:
            params, uploads = await self._read_params(request)
        except ValueError:
            return _error_response(bad_request("can't parse request body"))
        for name, upload in uploads.items():  # a file part is the parameter itself or the
            targets = [k for k, v in params.items() if v == f"attach://{name}"]  # target of
            for key in targets or [name]:  # an attach:// value
                params[key] = upload
        call = Call(method, params, time.monotonic())
        self._calls.append(call)
        try:
            response = await self._answer(request, call, params)
        finally:
            await self._notify()
        return response

    async def _answer(
        self, request: web.Request, call: Call, params: JSONDict
    ) -> web.StreamResponse:
        chat_id = None
        if call.method in _CHAT_METHODS and "chat_id" in params:
            try:
                chat_id = params["chat_id"] = _normalise_chat_id(params["chat_id"])
            except ApiError as error:
                return self._fail(call, error)
        fault = self._take_fault(call.method, chat_id)
        if fault is not None:
            return await self._fault_response(request, call, fault)
        if chat_id is not None and chat_id in self._blocked:
            kicked = isinstance(chat_id, int) and chat_id < 0
            why = "bot was kicked from the group chat" if kicked else "bot was blocked by the user"
            return self._fail(call, ApiError(403, f"Forbidden: {why}"))
        limited = call.method in _SEND_METHODS and self.enforce_limits
        if limited:
            refusal = self._check_limits(chat_id, call.time)
            if refusal is not None:
                return self._fail(call, refusal)
        try:
            if call.method in _ACCEPTED:
                result: Any = True
            else:
                handler = self._handlers[call.method]
                result = handler(params)
                if asyncio.iscoroutine(result):
                    result = await result
        except ApiError as error:
            return self._fail(call, error)
        if call.method in _SEND_METHODS and chat_id is not None:
            self.delivered[chat_id] += 1
            if limited:
                self._recent_sends.append(call.time)
                self._last_chat_send[chat_id] = call.time
        call.response = result
        return web.json_response({"ok": True, "result": result})

    def _fail(self, call: Call, error: ApiError) -> web.Response:
        call.status = error.status
        call.response = error.description
        return _error_response(error)

    async def _fault_response(
        self, request: web.Request, call: Call, fault: _Fault
    ) -> web.StreamResponse:
        if fault.drop:
            call.status = 0
            if request.transport is not None:
                request.transport.close()
            raise asyncio.CancelledError  # aiohttp treats it as a dropped connection
        if fault.status == 502:
            call.status = 502
            return web.Response(
                status=502,
                content_type="text/html",
                text="<html><body><h1>502 Bad Gateway</h1></body></html>",
            )
        descriptions = {
            400: "Bad Request",
            403: "Forbidden: bot was blocked by the user",
            409: "Conflict",
            429: f"Too Many Requests: retry after {fault.retry_after}",
            500: "Internal Server Error",
        }
        parameters = {"retry_after": fault.retry_after} if fault.status == 429 else None
        description = fault.description or descriptions.get(fault.status, "Error")
        error = ApiError(fault.status, description, parameters)
        return self._fail(call, error)

    def _check_limits(self, chat_id: int | str | None, now: float) -> ApiError | None:
        recent = self._recent_sends
        while recent and recent[0] <= now - 1.0 + self.limit_slack:
            recent.popleft()
        wait = 0.0
        if len(recent) >= self.global_per_second:
            wait = recent[0] + 1.0 - now
        last = self._last_chat_send.get(chat_id) if chat_id is not None else None
        if last is not None and now - last < self.per_chat_interval - self.limit_slack:
            wait = max(wait, last + self.per_chat_interval - now)
        if wait <= 0:
            return None
        self.limit_violations += 1
        retry_after = max(1, math.ceil(wait))
        return ApiError(
            429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
        )

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _error_response(ApiError(401, "Unauthorized"))
        path = request.match_info["path"]
        for content, document in self.files.values():
            if document.get("file_path") == path:
                return web.Response(body=content, content_type="application/octet-stream")
        return _error_response(ApiError(404, "Not Found"))

    # ---- control API for a bot in another process (benchmarks, manual runs) ---------------

    def stats(self) -> JSONDict:
        """Counters a benchmark reports: calls, deliveries, duplicates, limit violations."""
        return {
            "calls": len(self._calls),
            "delivered_messages": sum(self.delivered.values()),
            "chats_delivered": len(self.delivered),
            "duplicate_chats": sorted(str(c) for c, n in self.delivered.items() if n > 1),
            "limit_violations": self.limit_violations,
            "pending_updates": len(self._pending),
        }

    async def _control_stats(self, request: web.Request) -> web.Response:
        return web.json_response(self.stats())

    async def _control_action(self, request: web.Request) -> web.Response:
        """POST /_fake/user_says|user_presses|fail_next|block|unblock with the keyword args."""
        action = request.match_info["action"]
        if action not in {"user_says", "user_presses", "fail_next", "block", "unblock"}:
            return _error_response(ApiError(404, "Not Found"))
        try:
            kwargs = await request.json()
            result = getattr(self, action)(**kwargs)
            if asyncio.iscoroutine(result):
                result = await result
        except (TypeError, ValueError) as error:
            return _error_response(bad_request(str(error)))
        return web.json_response({"ok": True, "result": result})

    # ---- methods (each _m_<name> takes the decoded params and returns the result) ---------

    def _m_getMe(self, params: JSONDict) -> JSONDict:
        return self.bot_user

    def _m_setWebhook(self, params: JSONDict) -> bool:
        url = params.get("url")
        if not url:
            return self._m_deleteWebhook(params)
        if not str(url).startswith("https://"):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        self.webhook = {
            k: params[k]
            for k in ("url", "secret_token", "allowed_updates", "max_connections")
            if k in params
        }
        if params.get("drop_pending_updates"):
            self._pending.clear()
        return True

    def _m_deleteWebhook(self, params: JSONDict) -> bool:
        self.webhook = {}
        if params.get("drop_pending_updates"):
            self._pending.clear()
        return True

    def _m_getWebhookInfo(self, params: JSONDict) -> JSONDict:
        info: JSONDict = {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if "max_connections" in self.webhook:
            info["max_connections"] = self.webhook["max_connections"]
        if "allowed_updates" in self.webhook:
            info["allowed_updates"] = self.webhook["allowed_updates"]
        return info

    @staticmethod
    def _commands_key(params: JSONDict) -> str:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps([scope, params.get("language_code", "")], sort_keys=True)

    def _m_setMyCommands(self, params: JSONDict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise bad_request('parameter "commands" is required')
        if len(commands) > 100:
            raise bad_request("BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            name = command.get("command", "") if isinstance(command, dict) else ""
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(command.get("description", "")) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._commands_key(params)] = commands
        return True

    def _m_getMyCommands(self, params: JSONDict) -> list[JSONDict]:
        return self.commands.get(self._commands_key(params), [])

    def _m_deleteMyCommands(self, params: JSONDict) -> bool:
        self.commands.pop(self._commands_key(params), None)
        return True

    async def _m_getUpdates(self, params: JSONDict) -> list[JSONDict]:
        if self.webhook:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        assert self._changed is not None
        offset = int(params.get("offset") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = max(float(params.get("timeout") or 0), 0.0)
        if "allowed_updates" in params and params["allowed_updates"] is not None:
            self._allowed_updates = params["allowed_updates"] or None
        self._confirm(offset)
        self._poll_epoch += 1
        epoch = self._poll_epoch
        await self._notify()  # an earlier poll still waiting ends with 409 Conflict
        deadline = time.monotonic() + timeout
        async with self._changed:
            while True:
                if epoch != self._poll_epoch:
                    raise ApiError(
                        409,
                        "Conflict: terminated by other getUpdates request; "
                        "make sure that only one bot instance is running",
                    )
                self._drop_unwanted()
                if self._pending or self._stopping:
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(remaining):
                        await self._changed.wait()
        if offset < 0:
            return list(self._pending)[offset:][:limit]
        return list(itertools.islice(self._pending, limit))

    def _confirm(self, offset: int) -> None:
        """An offset confirms every update before it (a negative one keeps the last -offset)."""
        if offset < 0:
            while len(self._pending) > -offset:
                self._pending.popleft()
            return
        while self._pending and self._pending[0]["update_id"] < offset:
            self._pending.popleft()

    def _drop_unwanted(self) -> None:
        if self._allowed_updates is None:
            return
        allowed = set(self._allowed_updates)
        kept = [u for u in self._pending if factories.update_kind(u) in allowed]
        if len(kept) != len(self._pending):
            self._pending = collections.deque(kept)

    def _m_sendMessage(self, params: JSONDict) -> JSONDict:
        chat_id = self._require_chat(params)
        text, entities = self._formatted(
            params, "text", "entities", MAX_TEXT_LENGTH, "message is too long"
        )
        markup = self._inline_or_keyboard(chat_id, _check_markup(params.get("reply_markup")))
        reply = self._reply_for(chat_id, params)
        thread = self._thread(chat_id, params)
        message = factories.make_message(
            self._next_message_id(chat_id),
            self._state(chat_id).chat,
            from_user=self.bot_user,
            text=text,
            entities=entities,
            reply_to_message=reply,
            reply_markup=markup,
            link_preview_options=params.get("link_preview_options"),
            message_thread_id=thread,
            is_topic_message=True if thread is not None else None,
        )
        self._state(chat_id).messages[message["message_id"]] = message
        return message

    def _thread(self, chat_id: int | str, params: JSONDict) -> int | None:
        """A send's ``message_thread_id``: refused outside a forum, as Telegram does."""
        thread = params.get("message_thread_id")
        if thread is None:
            return None
        if (
            not self._state(chat_id).chat.get("is_forum")
            or (chat_id, thread) in self._deleted_topics
        ):
            raise bad_request("message thread not found")
        return int(thread)

    def _m_getChatMember(self, params: JSONDict) -> JSONDict:
        chat_id = self._require_chat(params)
        user_id = int(params["user_id"])
        user = factories.make_user(user_id)
        if user_id not in self._admins.get(chat_id, ()):
            return {"status": "member", "user": user}
        rights = (
            "can_manage_chat can_delete_messages can_manage_video_chats can_restrict_members "
            "can_promote_members can_change_info can_invite_users can_post_stories "
            "can_edit_stories can_delete_stories"
        )
        return {
            "status": "administrator",
            "user": user,
            "can_be_edited": False,
            "is_anonymous": False,
            **dict.fromkeys(rights.split(), True),
        }

    def _inline_or_keyboard(self, chat_id: int | str, markup: JSONDict | None) -> JSONDict | None:
        """A sent message keeps only an inline keyboard, as in Telegram; a reply keyboard
        replaces the chat's (``keyboard``), and ``remove_keyboard`` takes it away."""
        if markup is None or "inline_keyboard" in markup:
            return markup
        state = self._state(chat_id)
        state.keyboard = None if markup.get("remove_keyboard") else markup
        return None

    def keyboard(self, chat_id: int | str) -> JSONDict | None:
        """The reply keyboard the bot last gave the chat (None once removed)."""
        return self._state(chat_id).keyboard

    def _m_sendDocument(self, params: JSONDict) -> JSONDict:
        return self._send_media(params, "document", self._document_param)

    def _m_sendPhoto(self, params: JSONDict) -> JSONDict:
        return self._send_media(params, "photo", self._photo_param)

    def _send_media(
        self, params: JSONDict, kind: str, read: Callable[[JSONDict], Any]
    ) -> JSONDict:
        """A file message (``kind``: its field, "document" or "photo"; ``read`` checks the
        upload as Telegram does) with its optional formatted caption, checked first."""
        chat_id = self._require_chat(params)
        caption, entities = self._formatted(
            params,
            "caption",
            "caption_entities",
            MAX_CAPTION_LENGTH,
            "message caption is too long",
            required=False,
        )
        message = factories.make_message(
            self._next_message_id(chat_id),
            self._state(chat_id).chat,
            from_user=self.bot_user,
            caption=caption or None,
            caption_entities=entities or None,
            reply_markup=_check_markup(params.get("reply_markup")),
            reply_to_message=self._reply_for(chat_id, params),
            **{kind: read(params)},
        )
        self._state(chat_id).messages[message["message_id"]] = message
        return message

    def _photo_param(self, params: JSONDict) -> list[JSONDict]:
        """An uploaded PNG or JPEG checked as Telegram checks it → its PhotoSizes (a thumbnail
        and the image, as Telegram keeps several sizes); or a known photo's file_id again."""
        value = params.get("photo")
        if isinstance(value, str) and value in self.files:
            return [self.files[value][1]]
        if not isinstance(value, Upload):
            raise bad_request("wrong file identifier/HTTP URL specified")
        if len(value.content) > MAX_PHOTO_SIZE:
            raise ApiError(413, "Request Entity Too Large")
        size = image_size(value.content)
        if size is None:
            raise bad_request("IMAGE_PROCESS_FAILED")
        width, height = size
        if width + height > MAX_PHOTO_SIDES or max(size) > MAX_PHOTO_RATIO * min(size):
            raise bad_request("PHOTO_INVALID_DIMENSIONS")
        number = next(self._file_ids)
        full: JSONDict = {
            "file_id": f"AgACAgQAAxkBAAI{number:06d}photo",
            "file_unique_id": f"AQAD{number:06d}",
            "width": width,
            "height": height,
            "file_size": len(value.content),
        }
        self.files[full["file_id"]] = (value.content, full)
        scale = 90 / max(size)
        thumb = {
            "file_id": f"{full['file_id']}_s",
            "file_unique_id": f"{full['file_unique_id']}_s",
            "width": max(1, round(width * scale)),
            "height": max(1, round(height * scale)),
        }
        return [thumb, full]

    def _document_param(self, params: JSONDict) -> JSONDict:
        value = params.get("document")
        if isinstance(value, Upload):
            return self.add_file(
                value.content, file_name=value.file_name, mime_type=value.mime_type
            )
        if isinstance(value, str) and value in self.files:
            return self.files[value][1]
        raise bad_request("wrong file identifier/HTTP URL specified")

    def _m_editMessageText(self, params: JSONDict) -> JSONDict:
        message = self._message_to_edit(params)
        text, entities = self._formatted(
            params, "text", "entities", MAX_TEXT_LENGTH, "message is too long"
        )
        markup = _check_markup(params.get("reply_markup"))
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        if (message["text"], message.get("entities") or None, message.get("reply_markup")) == (
            text,
            entities or None,
            markup,
        ):
            raise bad_request(
                "message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply "
                "markup of the message"
            )
        message["text"] = text
        message.pop("entities", None)
        if entities:
            message["entities"] = entities
        _set_markup(message, markup)  # an edit without reply_markup removes the keyboard
        message["edit_date"] = int(time.time())
        return message

    def _m_editMessageReplyMarkup(self, params: JSONDict) -> JSONDict:
        message = self._message_to_edit(params)
        markup = _check_markup(params.get("reply_markup"))
        if message.get("reply_markup") == markup:
            raise bad_request(
                "message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply "
                "markup of the message"
            )
        _set_markup(message, markup)
        message["edit_date"] = int(time.time())
        return message

    def _m_deleteMessage(self, params: JSONDict) -> bool:
        chat_id = self._require_chat(params)
        messages = self._state(chat_id).messages
        if messages.pop(int(params.get("message_id") or 0), None) is None:
            raise bad_request("message to delete not found")
        return True

    def _m_sendChatAction(self, params: JSONDict) -> bool:
        self._require_chat(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    def _m_answerCallbackQuery(self, params: JSONDict) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        if query_id not in self._open_queries:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        self._open_queries.discard(query_id)
        self.callback_answers[query_id] = params
        return True

    def _m_answerInlineQuery(self, params: JSONDict) -> bool:
        query_id = str(params.get("inline_query_id", ""))
        asked = self._inline_queries.get(query_id)
        if (
            asked is None
            or query_id in self.inline_answers
            or time.monotonic() - asked[0] > INLINE_ANSWER_WINDOW
        ):
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        results = params.get("results")
        if not isinstance(results, list):
            raise bad_request('parameter "results" is required')
        if len(results) > MAX_INLINE_RESULTS:
            raise bad_request("RESULTS_TOO_MUCH")
        seen: set[str] = set()
        for result in results:
            self._check_inline_result(result, seen)
        cache_time = params.get("cache_time", 300)
        if not isinstance(cache_time, int) or cache_time < 0:
            raise bad_request("wrong cache_time")
        offset = str(params.get("next_offset") or "")
        if len(offset.encode()) > MAX_INLINE_ID:
            raise bad_request("NEXT_OFFSET_INVALID")
        button = params.get("button")
        if button is not None:
            start = str(button.get("start_parameter") or "")
            if not button.get("text") or not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", start):
                raise bad_request("START_PARAM_INVALID")
        self.inline_answers[query_id] = params
        return True

    def _check_inline_result(self, result: Any, seen: set[str]) -> None:
        """One result as Telegram checks it: a known type, a unique id of 1-64 bytes, an
        article's title and its message (parsed as a sent one is), an inline keyboard."""
        if not isinstance(result, dict) or result.get("type") not in _INLINE_RESULT_TYPES:
            raise bad_request("RESULT_TYPE_INVALID")
        result_id = str(result.get("id", ""))
        if not 1 <= len(result_id.encode()) <= MAX_INLINE_ID:
            raise bad_request("RESULT_ID_INVALID")
        if result_id in seen:
            raise bad_request("RESULT_ID_DUPLICATE")
        seen.add(result_id)
        if result["type"] == "article":
            if not str(result.get("title") or "").strip():
                raise bad_request("RESULT_TITLE_EMPTY")
            content = result.get("input_message_content")
            if not isinstance(content, dict):
                raise bad_request("input_message_content is required")
            self._formatted(
                content, "message_text", "entities", MAX_TEXT_LENGTH, "MESSAGE_TOO_LONG"
            )
        markup = _check_markup(result.get("reply_markup"))
        if markup is not None and "inline_keyboard" not in markup:
            raise bad_request("REPLY_MARKUP_INVALID")

    def _m_getFile(self, params: JSONDict) -> JSONDict:
        entry = self.files.get(str(params.get("file_id", "")))
        if entry is None:
            raise bad_request("invalid file_id")
        content, document = entry
        if len(content) > MAX_DOWNLOAD_SIZE:
            raise bad_request("file is too big")
        suffix = ""
        if document.get("file_name") and "." in document["file_name"]:
            suffix = "." + document["file_name"].rsplit(".", 1)[1]
        document.setdefault("file_path", f"documents/{document['file_unique_id']}{suffix}")
        return {k: document[k] for k in ("file_id", "file_unique_id", "file_size", "file_path")}

    # ---- helpers for the methods ----------------------------------------------------------

    @staticmethod
    def _require_chat(params: JSONDict) -> int | str:
        chat_id = params.get("chat_id")
        if chat_id in (None, ""):
            raise bad_request("chat_id is empty")
        assert isinstance(chat_id, int | str)
        return chat_id

    def _formatted(
        self,
        params: JSONDict,
        key: str,
        entities_key: str,
        limit: int,
        too_long: str,
        *,
        required: bool = True,
    ) -> tuple[str, list[JSONDict]]:
        raw = params.get(key)
        if raw is None or raw == "":
            if required:
                raise bad_request("message text is empty")
            return "", []
        text = str(raw)
        parse_mode = str(params.get("parse_mode") or "").lower()
        entities: list[JSONDict] = params.get(entities_key) or []
        if parse_mode == "html":
            try:
                text, entities = parse_html(text, strict=self.strict_html)
            except EntityParseError as error:
                raise bad_request(f"can't parse entities: {error}") from None
        elif parse_mode in ("markdown", "markdownv2"):
            raise bad_request(f"the fake Bot API does not parse {parse_mode}; use HTML")
        elif parse_mode:
            raise bad_request(f"unsupported parse_mode {parse_mode}")
        else:
            text, entities = _strip(text, list(entities))
        if required and not text:
            raise bad_request("message text is empty")
        if utf16_len(text) > limit:
            raise bad_request(too_long)
        return text, entities

    def _message_to_edit(self, params: JSONDict) -> JSONDict:
        if params.get("inline_message_id"):
            raise bad_request("the fake Bot API does not model inline messages")
        chat_id = self._require_chat(params)
        message = self._state(chat_id).messages.get(int(params.get("message_id") or 0))
        if message is None:
            raise bad_request("message to edit not found")
        if message.get("from", {}).get("id") != self.bot_id:
            raise bad_request("message can't be edited")
        return message

    def _reply_for(self, chat_id: int | str, params: JSONDict) -> JSONDict | None:
        reply = params.get("reply_parameters") or {}
        message_id = reply.get("message_id") or params.get("reply_to_message_id")
        if not message_id:
            return None
        target = self._state(chat_id).messages.get(int(message_id))
        if target is None and not (
            reply.get("allow_sending_without_reply") or params.get("allow_sending_without_reply")
        ):
            raise bad_request("message to be replied not found")
        return target


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG or baseline/progressive JPEG; None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return (width, height) if width and height else None
    if not data.startswith(b"\xff\xd8"):
        return None
    i = 2
    while i + 9 < len(data):  # walk the segments to a start-of-frame one
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return (width, height) if width and height else None
        i += 2 + length
    return None


def _check_markup(markup: Any) -> JSONDict | None:
    """Validate an inline keyboard as Telegram does; other keyboards are kept as they are."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if rows is None:
        return markup
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
        )
    for row in rows:
        for button in row:
            if not button.get("text"):
                raise bad_request(
                    "can't parse inline keyboard button: Text buttons are "
                    "unallowed in the inline keyboard"
                )
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA:
                raise bad_request("BUTTON_DATA_INVALID")
            if "url" in button and not re.match(r"(https?|tg)://\S+", str(button["url"])):
                raise bad_request("BUTTON_URL_INVALID")
    return markup if any(rows) else None


def _set_markup(message: JSONDict, markup: JSONDict | None) -> None:
    if markup is None:
        message.pop("reply_markup", None)
    else:
        message["reply_markup"] = markup


def _error_response(error: ApiError) -> web.Response:
    body: JSONDict = {"ok": False, "error_code": error.status, "description": error.description}
    if error.parameters:
        body["parameters"] = error.parameters
    return web.json_response(body, status=error.status)


async def serve(port: int, **options: Any) -> None:
    """Run a fake server until cancelled (Ctrl-C), printing the settings a bot needs."""
    fake = FakeBotApi(**options)
    await fake.start(port)
    sys.stdout.write(
        f"TALKS_BOT_TOKEN={fake.token}\nTALKS_BOT_API_BASE_URL={fake.base_url}\n"
        f"TALKS_BOT_API_FILE_URL={fake.base_file_url}\n"
        f"control: GET http://127.0.0.1:{fake.port}/_fake/stats, "
        f'POST /_fake/user_says {{"chat_id": 1, "text": "hi"}}\n'
    )
    sys.stdout.flush()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await fake.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A fake Telegram Bot API server on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default=FakeBotApi.DEFAULT_TOKEN)
    parser.add_argument("--enforce-limits", action="store_true")
    parser.add_argument("--global-per-second", type=int, default=30)
    parser.add_argument("--per-chat-per-second", type=float, default=1.0)
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(
            serve(
                args.port,
                token=args.token,
                enforce_limits=args.enforce_limits,
                global_per_second=args.global_per_second,
                per_chat_per_second=args.per_chat_per_second,
            )
        )


if __name__ == "__main__":
    main()
