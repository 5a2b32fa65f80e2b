"""/pause [LENGTH] and /resume: a quiet break from digests; nothing new is lost meanwhile."""

from __future__ import annotations

from telegram import Update

from handlers import domain_texts, render
from handlers.common import blocking, command_args, reply, translator_for
from handlers.context import TalksContext
from handlers.i18n import N_
from knowledge import ScheduleError, parse_pause

USAGE = N_(
    "<code>/pause 7d</code> (or 12h, 2w, 1 month) for a break, <code>/pause</code> alone "
    "until you /resume."
)


async def on_pause(update: Update, context: TalksContext) -> None:
    """/pause [7d|2w|12h]: no digest until then (alone: until /resume)."""
    chat, message = update.effective_chat, update.effective_message
    if chat is None or message is None:
        return
    _ = await translator_for(update, context)
    try:
        length = parse_pause(command_args(message.text))
    except ScheduleError as e:
        said = render.esc(domain_texts.error_text(e, tr=_))
        await reply(update, context, f"{said}\n{_(USAGE)}")
        return
    newsroom = context.services.newsroom
    sub = await blocking(newsroom.pause, chat.id, length)
    if sub is None:
        await reply(update, context, _("You are not subscribed: there is nothing to pause."))
        return
    kept = _("What comes meanwhile is kept for your first digest after the pause.")
    text = f"{render.pause_html(sub, now=newsroom.now(), tr=_)}\n{kept}"
    await reply(update, context, text)


async def on_resume(update: Update, context: TalksContext) -> None:
    """/resume: digests again, from the next digest time."""
    chat = update.effective_chat
    if chat is None:
        return
    newsroom = context.services.newsroom
    sub, was_paused = await blocking(newsroom.resume, chat.id)
    _ = await translator_for(update, context)
    if sub is None:
        await reply(update, context, _("You are not subscribed. /subscribe 8am London, say."))
        return
    schedule = render.schedule_html(sub, now=newsroom.now(), tr=_)
    if not was_paused:
        text = _("Your digests are not paused: you get {schedule}")
        await reply(update, context, text.format(schedule=schedule))
        return
    await reply(update, context, _("Resumed: you get {schedule}").format(schedule=schedule))
