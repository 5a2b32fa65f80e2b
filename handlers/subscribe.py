"""/subscribe, /unsubscribe, /settings and /digest."""

from __future__ import annotations

from telegram import Update

from handlers import render
from handlers.common import blocking, command_args, reply
from handlers.context import TalksContext
from handlers.delivery import Delivery, deliver
from knowledge import ScheduleError, parse_subscription

USAGE = (
    "Use <code>/subscribe 08:30 Europe/Berlin</code> for a daily digest "
    "(time and zone optional), or <code>/subscribe instant</code> for news as it comes."
)


async def on_subscribe(update: Update, context: TalksContext) -> None:
    """/subscribe [HH:MM] [Area/City] | instant."""
    chat, message = update.effective_chat, update.effective_message
    if chat is None or message is None:
        return
    services = context.services
    try:
        mode, at, zone = parse_subscription(
            command_args(message.text),
            default_time=services.default_time,
            default_tz=services.default_tz,
        )
    except ScheduleError as e:
        await reply(update, context, f"{render.esc(str(e))}\n{USAGE}")
        return
    newsroom = services.newsroom
    sub = await blocking(newsroom.subscribe, chat.id, mode=mode, at=at, timezone=zone)
    done = "Subscribed. " + render.subscription_html(sub, default_tz=services.default_tz)
    await reply(update, context, done)


async def on_unsubscribe(update: Update, context: TalksContext) -> None:
    """/unsubscribe: no more digests."""
    chat = update.effective_chat
    if chat is None:
        return
    stopped = await blocking(context.services.newsroom.unsubscribe, chat.id)
    text = "Unsubscribed: no more digests." if stopped else "You were not subscribed."
    await reply(update, context, text)


async def on_settings(update: Update, context: TalksContext) -> None:
    """/settings: the current subscription."""
    chat = update.effective_chat
    if chat is None:
        return
    sub = await blocking(context.services.newsroom.subscriber, chat.id)
    await reply(
        update, context, render.subscription_html(sub, default_tz=context.services.default_tz)
    )


async def on_digest(update: Update, context: TalksContext) -> None:
    """/digest: what is new for this chat now (recorded, so the daily digest won't repeat it)."""
    chat = update.effective_chat
    if chat is None:
        return
    newsroom = context.services.newsroom
    sub = await blocking(newsroom.subscriber, chat.id)
    if sub is None or not sub.active:
        digest = await blocking(newsroom.latest_digest)
        blocks = render.digest_blocks(digest, heading="Latest articles")
        note = "Subscribe with /subscribe to get what is new every day."
        await reply(update, context, [*blocks, note] if digest else "No articles yet.")
        return
    done = await deliver(context.bot, context.services, chat.id, scheduled=False)
    if done is Delivery.NOTHING_NEW:
        await reply(update, context, "Nothing new since your last digest.")
    elif done is Delivery.FAILED:  # Telegram refused it or could not be reached: say so
        await reply(update, context, "Your digest could not be sent just now: try /digest later.")
