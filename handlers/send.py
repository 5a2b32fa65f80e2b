"""Sending that survives Telegram: long texts split, RetryAfter honoured, network errors retried
with backoff, and a blocked chat reported instead of raised.

The overall 30 messages/s limit is kept by PTB's ``AIORateLimiter`` (set up in ``bot.app``);
this module adds the 1 message/s per chat that a multi-part message needs. ``Sender`` is the one
layer that retries a message or an edit (the limiter is built with ``max_retries=0``):
``attempts`` tries in all (TALKS_SEND_ATTEMPTS), after a RetryAfter its wait, after a network
error ``backoff`` seconds doubling (TALKS_SEND_BACKOFF_SECONDS).
"""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from telegram import (
    Bot,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    ReplyParameters,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from handlers.render import pack

log = logging.getLogger(__name__)

PER_CHAT_INTERVAL = 1.0  # Telegram: about one message per second in one chat
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove
"""Buttons under a message, or a keyboard in place of the user's (a location request)."""
_GONE = ("chat not found", "user is deactivated", "bot was kicked", "have no rights to send")


class Outcome(enum.Enum):
    SENT = "sent"
    BLOCKED = "blocked"  # the chat will never take messages again: deactivate it
    FAILED = "failed"  # gave up for now: try again later


@dataclass(frozen=True, slots=True)
class SendResult:
    """What became of one send, and Telegram's error when it was not sent.

    Each send returns its own: with concurrent updates several sends are in flight at once."""

    outcome: Outcome
    error: str | None = None
    topic_gone: bool = False  # the forum topic asked for is no more: sent outside it instead

    @property
    def sent(self) -> bool:
        return self.outcome is Outcome.SENT


class Sender:
    """Sends HTML blocks to chats; one instance per application."""

    def __init__(
        self, *, attempts: int = 3, backoff: float = 1.0, chat_interval: float = PER_CHAT_INTERVAL
    ) -> None:
        self.attempts = attempts
        self.backoff = backoff
        self.chat_interval = chat_interval  # the least time between two messages to one chat
        self._last_sent: dict[int, float] = {}

    async def send(
        self,
        bot: Bot,
        chat_id: int,
        blocks: Iterable[str],
        *,
        reply_markup: Markup | None = None,
        reply_to: int | None = None,
        thread_id: int | None = None,
    ) -> SendResult:
        """Send blocks packed into as few messages as fit; the keyboard goes on the last. The
        first message that fails ends the send. ``thread_id``: a forum topic of the chat."""
        messages = pack(blocks)
        gone = False
        for i, text in enumerate(messages):
            last = i == len(messages) - 1
            result = await self._send_one(
                bot,
                chat_id,
                text,
                reply_markup=reply_markup if last else None,
                reply_to=reply_to if i == 0 else None,
                thread_id=None if gone else thread_id,
            )
            gone = gone or result.topic_gone
            if not result.sent:
                return result
        return SendResult(Outcome.SENT, topic_gone=gone)

    async def _send_one(
        self,
        bot: Bot,
        chat_id: int,
        text: str,
        *,
        reply_markup: Markup | None,
        reply_to: int | None,
        thread_id: int | None,
    ) -> SendResult:
        async def once() -> None:
            await self._pace(chat_id)
            await bot.send_message(
                chat_id,
                text,
                message_thread_id=thread_id,
                parse_mode=ParseMode.HTML,
                reply_markup=reply_markup,
                reply_parameters=(
                    None
                    if reply_to is None
                    else ReplyParameters(reply_to, allow_sending_without_reply=True)
                ),
                link_preview_options=_NO_PREVIEW,
            )
            self._last_sent[chat_id] = time.monotonic()

        async def outside() -> SendResult:
            return await self._send_one(
                bot, chat_id, text, reply_markup=reply_markup, reply_to=reply_to, thread_id=None
            )

        return await self._deliver(
            chat_id, once, thread_id=thread_id, outside=outside if thread_id is not None else None
        )

    async def send_photo(
        self,
        bot: Bot,
        chat_id: int,
        photo: bytes,
        *,
        caption: str | None = None,
        filename: str = "chart.png",
        reply_to: int | None = None,
    ) -> SendResult:
        """Send an image (PNG or JPEG bytes) with an optional HTML caption (at most 1024
        characters), paced and retried as a message is."""

        async def once() -> None:
            await self._pace(chat_id)
            await bot.send_photo(
                chat_id,
                photo,
                caption=caption,
                parse_mode=ParseMode.HTML if caption else None,
                filename=filename,
                reply_parameters=(
                    None
                    if reply_to is None
                    else ReplyParameters(reply_to, allow_sending_without_reply=True)
                ),
            )
            self._last_sent[chat_id] = time.monotonic()

        return await self._deliver(chat_id, once)

    async def _deliver(
        self,
        chat_id: int,
        once: Callable[[], Awaitable[None]],
        *,
        thread_id: int | None = None,
        outside: Callable[[], Awaitable[SendResult]] | None = None,
    ) -> SendResult:
        """``once`` retried; Telegram's refusals mapped to what the caller does next.
        ``outside``: the same send outside the forum topic ``thread_id``, for a topic gone."""
        try:
            await self._retrying(once, f"sending to {chat_id}")
        except Forbidden as e:
            return SendResult(Outcome.BLOCKED, str(e))
        except BadRequest as e:
            if any(s in str(e).lower() for s in _GONE):
                return SendResult(Outcome.BLOCKED, str(e))
            if outside is not None and "thread not found" in str(e).lower():
                # a deleted topic (or a forum turned off): the chat itself rather than nothing
                log.info("topic %s of %s is gone: sending outside it", thread_id, chat_id)
                return dataclasses.replace(await outside(), topic_gone=True)
            log.error("Telegram refused a message to %s: %s", chat_id, e)
            return SendResult(Outcome.FAILED, str(e))
        except (RetryAfter, NetworkError) as e:  # every try failed
            return SendResult(Outcome.FAILED, str(e))
        return SendResult(Outcome.SENT)

    async def edit(
        self, message: Message, text: str, markup: InlineKeyboardMarkup | None = None
    ) -> None:
        """Edit a message the bot sent, retried as a send is; "not modified" is not an error,
        any other raises (for the error handler)."""

        async def once() -> None:
            html = pack([text])[0]
            await message.edit_text(html, parse_mode=ParseMode.HTML, reply_markup=markup)

        try:
            await self._retrying(once, f"editing in {message.chat_id}")
        except BadRequest as e:
            if "not modified" not in str(e).lower():
                raise

    async def _retrying(self, call: Callable[[], Awaitable[None]], what: str) -> None:
        """``call`` tried up to ``attempts`` times: after a RetryAfter the next waits as told,
        after a network error ``backoff`` seconds, doubling. The last try's error is raised, and
        any other (BadRequest, Forbidden) at once."""
        wait = 0.0
        for attempt in range(self.attempts):
            if attempt:
                await asyncio.sleep(wait)
            last = attempt == self.attempts - 1
            try:
                await call()
            except RetryAfter as e:
                if last:
                    raise
                wait = _seconds(e.retry_after) + 0.1
                log.warning("rate limited %s (attempt %d): %s", what, attempt, e)
            except BadRequest:
                raise  # a NetworkError to PTB, but Telegram's answer: trying again won't help
            except (TimedOut, NetworkError) as e:
                if last:
                    raise
                wait = self.backoff * 2**attempt
                log.warning("network error %s (attempt %d): %s", what, attempt, e)
            else:
                return

    async def _pace(self, chat_id: int) -> None:
        last = self._last_sent.get(chat_id)
        if last is not None:
            wait = self.chat_interval - (time.monotonic() - last)
            if wait > 0:
                await asyncio.sleep(wait)
        if len(self._last_sent) > 10_000:  # forget chats that are long quiet
            cutoff = time.monotonic() - self.chat_interval
            self._last_sent = {c: t for c, t in self._last_sent.items() if t > cutoff}


def _seconds(retry_after: object) -> float:
    total = getattr(retry_after, "total_seconds", None)
    return float(total()) if callable(total) else float(retry_after)  # type: ignore[arg-type]
