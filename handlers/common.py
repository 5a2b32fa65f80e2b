"""Helpers every handler module uses: where to reply, blocking calls off the event loop."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterable
from typing import ParamSpec, TypeVar

from telegram import Bot, Update, User
from telegram.constants import ChatType

from handlers import i18n
from handlers.context import TalksContext
from handlers.send import Markup, Outcome, SendResult

P = ParamSpec("P")
T = TypeVar("T")
_COMMAND = re.compile(r"^/[A-Za-z0-9_]+(?:@[A-Za-z0-9_]+)?")


async def blocking(fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Run spaCy or SQLite work in a worker thread so the event loop keeps serving chats."""
    return await asyncio.to_thread(fn, *args, **kwargs)


def topic_of(update: Update) -> int | None:
    """The forum topic an update came from (a message in it, or a button under the bot's
    message there); None outside topics (a forum's General topic included)."""
    message = update.effective_message
    if message is None or not message.is_topic_message:
        return None
    return message.message_thread_id


def username_of(bot: Bot) -> str | None:
    """The bot's @username, for deep links; None before it has asked Telegram who it is."""
    try:
        return bot.username
    except RuntimeError:  # PTB: the bot is not initialised (no getMe yet)
        return None


def is_group(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type in {ChatType.GROUP, ChatType.SUPERGROUP}


async def reply(
    update: Update,
    context: TalksContext,
    blocks: Iterable[str] | str,
    *,
    markup: Markup | None = None,
) -> SendResult:
    """Answer in the chat (and forum topic) the update came from, quoting the message in
    groups."""
    chat = update.effective_chat
    if chat is None:
        return SendResult(Outcome.FAILED, "the update has no chat")
    message = update.effective_message
    reply_to = message.message_id if message is not None and is_group(update) else None
    parts = [blocks] if isinstance(blocks, str) else list(blocks)
    return await context.services.sender.send(
        context.bot,
        chat.id,
        parts,
        reply_markup=markup,
        reply_to=reply_to,
        thread_id=topic_of(update),
    )


def command_args(text: str | None) -> str:
    """What follows "/command" (or "/command@bot"), newlines kept."""
    return _COMMAND.sub("", text or "", count=1).strip()


async def chat_language(update: Update, context: TalksContext) -> str:
    """The language of the bot's own texts here: the chat's /language choice, else the user's
    Telegram language ("ru…" → Russian), else English."""
    chat, user = update.effective_chat, update.effective_user
    if chat is not None:
        chosen = await blocking(context.services.newsroom.languages.get, chat.id)
        if chosen in i18n.LANGUAGES:
            return chosen
    return i18n.language_of(user.language_code if user else None)


async def user_language(user: User | None, context: TalksContext) -> str:
    """The language of the bot's own texts for a user outside any chat (inline mode): their
    private chat's /language choice, else their Telegram language, else English."""
    if user is not None:
        chosen = await blocking(context.services.newsroom.languages.get, user.id)
        if chosen in i18n.LANGUAGES:
            return chosen
    return i18n.language_of(user.language_code if user else None)


async def translator_for(update: Update, context: TalksContext) -> i18n.Translate:
    """``_`` for the language of this chat (``chat_language``)."""
    return i18n.translator(await chat_language(update, context))


async def keep_language(update: Update, context: TalksContext) -> None:
    """On subscribing: a chat that never chose keeps its user's language (when not English),
    so the digests, sent with no update to read it from, come in it too."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    language = i18n.language_of(user.language_code)
    languages = context.services.newsroom.languages
    if language != i18n.DEFAULT and await blocking(languages.get, chat.id) is None:
        await blocking(languages.set, chat.id, language)
