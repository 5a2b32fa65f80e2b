"""An admin's article sent without /load (a long pasted text, a lone link, a .txt/.md/.html/.pdf
file) gets "Load it as an article?" with buttons, instead of being answered as a question.
Declining changes nothing: nothing is stored, nothing is logged.

The offer replies to the admin's message, so its button finds what to load in the message it
sits under (``reply_to_message``): no state to keep, and a restart loses no offer.
"""

from __future__ import annotations

import logging
from pathlib import PurePath

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import ApplicationHandlerStop

from handlers import admin, buttons, render
from handlers.common import translator_for
from handlers.context import TalksContext
from handlers.i18n import Translate
from knowledge import DOCUMENT_FORMATS

log = logging.getLogger(__name__)

# A question is rarely half this long; the shortest text the reader takes as an article is 25
# words, so a short article is still loaded with /load.
ARTICLE_WORDS = 50
SHOWN_CHARS = 80  # of the pasted text's start, so the admin sees which message is meant


def markup(tr: Translate) -> InlineKeyboardMarkup:
    """📥 Load as article / No, in the admin's language."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(tr("📥 Load as article"), callback_data=buttons.IMPORT_YES),
                InlineKeyboardButton(tr("No"), callback_data=buttons.IMPORT_NO),
            ]
        ]
    )


async def offer(update: Update, context: TalksContext) -> None:
    """Group -1: an admin's private message that reads as an article gets the offer and goes no
    further; any other message goes on to the handlers of group 0 (a question, as ever)."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or not context.services.is_admin(user.id):
        return
    _ = await translator_for(update, context)
    what = looks_like(message, tr=_)
    if what is None:
        return
    question = _("Load it as an article?")  # not inside the f-string: Babel would not see it
    await context.services.sender.send(
        context.bot,
        message.chat_id,
        [f"{what} {question}"],
        reply_markup=markup(_),
        reply_to=message.message_id,
    )
    raise ApplicationHandlerStop


def looks_like(message: Message, *, tr: Translate = render.ENGLISH) -> str | None:
    """What the message is, in a sentence for the offer (HTML); None when not an article."""
    document = message.document
    if document is not None:
        name = document.file_name or ""
        if PurePath(name).suffix.lower() not in DOCUMENT_FORMATS:
            return None  # a photo or an archive: the usual "I answer text" reply
        return tr("You sent <b>{name}</b> without /load.").format(name=render.esc(name))
    text = (message.text or "").strip()
    if admin.URL.match(text):
        return tr("That is a link.")
    words = len(text.split())
    if words < ARTICLE_WORDS:
        return None
    start = render.esc(render.shorten(text.splitlines()[0], SHOWN_CHARS))
    said = tr("That looks like an article, not a question ({words} words: “{start}”).")
    return said.format(words=words, start=start)


async def on_button(update: Update, context: TalksContext) -> None:
    """📥 Load as article: load the message the offer replies to; No: leave everything be."""
    query = update.callback_query
    if query is None or not isinstance(query.message, Message):
        return
    await query.answer()
    sender = context.services.sender
    _ = await translator_for(update, context)
    if query.data != buttons.IMPORT_YES:
        await sender.edit(query.message, _("Not loaded."))
        return
    original = query.message.reply_to_message
    if original is None:  # deleted since: Telegram sends the offer without it
        await sender.edit(query.message, _("That message is gone: send it again with /load."))
        return
    await sender.edit(query.message, _("Loading it as an article…"))  # and the buttons go
    await admin.load_message(update, context, original)
