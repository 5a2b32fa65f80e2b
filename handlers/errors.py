"""The last resort: log what broke, tell the person and the admins' chat (``handlers.alerts``);
unknown commands, buttons and non-text messages."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Conflict, NetworkError

from handlers import alerts, render
from handlers.common import reply, translator_for
from handlers.context import TalksContext

log = logging.getLogger(__name__)

EXIT_STATUS = "exit_status"  # in bot_data: what ``talks-bot run`` exits with once stopped
EXIT_CONFLICT = 2


async def on_error(update: object, context: TalksContext) -> None:
    """Log the exception with its traceback and apologise in the chat it came from; a lost
    connection while polling is one line per attempt (PTB polls again, pausing longer)."""
    if update is None and isinstance(context.error, Conflict):
        _stop_for_conflict(context)
        return
    if update is None and isinstance(context.error, NetworkError):
        log.warning("Telegram is unreachable while polling (%s); trying again", context.error)
        return
    log.error("error while handling an update", exc_info=context.error)
    await _tell_admins(update, context)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            _ = await translator_for(update, context)
            await reply(update, context, _("Sorry, something went wrong on my side. Try again?"))
        except Exception:  # the apology must not raise in the error handler
            log.exception("could not apologise")


async def _tell_admins(update: object, context: TalksContext) -> None:
    """A short notice in the admins' chat, when one is set and the rate allows."""
    notices = context.services.error_notices
    held = notices.admit()
    if held is None or notices.chat_id is None:
        return
    text = alerts.notice_html(context.error, update, held=held)
    try:
        await context.services.sender.send(context.bot, notices.chat_id, [text])
    except Exception:  # the notice must not raise in the error handler
        log.exception("could not tell the admins' chat")


def _stop_for_conflict(context: TalksContext) -> None:
    """Telegram's 409 while polling: another process polls with this token (or a webhook is
    set). One line says so, and the bot stops with exit status 2 instead of fighting it."""
    if context.bot_data.get(EXIT_STATUS) == EXIT_CONFLICT:
        return  # said once; the polls already on their way fail the same way
    context.bot_data[EXIT_STATUS] = EXIT_CONFLICT
    log.error(
        "Telegram refused to serve this process updates (409 Conflict: %s). Another process is "
        "polling with this bot's token: polling mode runs one process. Stop the other one, or "
        "run several with --webhook behind one URL. Stopping.",
        context.error,
    )
    context.application.stop_running()


async def on_unknown_command(update: Update, context: TalksContext) -> None:
    """Any command no other handler took."""
    message = update.effective_message
    word = (message.text or "").split()[0] if message and message.text else "that"
    _, _, addressee = word.partition("@")
    if addressee and addressee.lower() != (context.bot.username or "").lower():
        return  # a command for another bot in the same group
    name = render.esc(word.split("@")[0])
    _ = await translator_for(update, context)
    await reply(
        update, context, _("I don't know {name}. Send /help for what I can do.").format(name=name)
    )


async def on_other(update: Update, context: TalksContext) -> None:
    """Stickers, photos, files without /load... in a private chat."""
    _ = await translator_for(update, context)
    await reply(update, context, _("I answer questions written as text. Send /help to see how."))


async def on_unknown_button(update: Update, context: TalksContext) -> None:
    """A button whose data no kind in ``handlers.buttons`` matches: one of an older version of
    the bot, or forged. Answered, so the client stops waiting."""
    query = update.callback_query
    if query is None:
        return
    log.info("unknown button %r", query.data)
    _ = await translator_for(update, context)
    await query.answer(_("That button no longer works."))
