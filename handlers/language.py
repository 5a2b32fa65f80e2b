"""/language: the bot's own texts in English or Russian for this chat, whatever the user's
Telegram language says. Answers and facts stay in the articles' language."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from handlers import buttons, i18n
from handlers.common import blocking, chat_language, command_args, reply
from handlers.context import TalksContext


def language_markup() -> InlineKeyboardMarkup:
    """One button per language, each named in itself."""
    row = [
        InlineKeyboardButton(name, callback_data=buttons.language(code))
        for code, name in i18n.LANGUAGES.items()
    ]
    return InlineKeyboardMarkup([row])


def chosen_text(language: str) -> str:
    """The confirmation, in the language just chosen."""
    _ = i18n.translator(language)
    return _("I will speak English here. /language changes it.")


async def on_language(update: Update, context: TalksContext) -> None:
    """/language: the choice as buttons; ``/language ru`` or ``/language en`` sets it."""
    chat = update.effective_chat
    message = update.effective_message
    if chat is None:
        return
    wanted = command_args(message.text if message else None).lower()
    if wanted in i18n.LANGUAGES:
        await blocking(context.services.newsroom.languages.set, chat.id, wanted)
        await reply(update, context, chosen_text(wanted))
        return
    _ = i18n.translator(await chat_language(update, context))
    await reply(
        update, context, _("Choose the language of my messages:"), markup=language_markup()
    )


async def on_language_button(update: Update, context: TalksContext) -> None:
    """English / Русский: store the choice and say so, in it."""
    query, chat = update.callback_query, update.effective_chat
    if query is None or chat is None:
        return
    code = buttons.decode_language(query.data)
    if code not in i18n.LANGUAGES:
        await query.answer()
        return
    await blocking(context.services.newsroom.languages.set, chat.id, code)
    await query.answer()
    await query.edit_message_text(chosen_text(code))
