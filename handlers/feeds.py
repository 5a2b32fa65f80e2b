"""/feeds (admins): list, add and remove RSS/Atom feeds; and the job that polls them."""

from __future__ import annotations

import logging

from telegram import Update

from handlers import domain_texts, render
from handlers.common import blocking, command_args, reply, translator_for
from handlers.context import TalksContext
from handlers.delivery import deliver_instant
from handlers.i18n import N_
from knowledge import KnowledgeError

log = logging.getLogger(__name__)

USAGE = N_(
    "<code>/feeds</code> lists the feeds, <code>/feeds add URL</code> adds one, "
    "<code>/feeds remove ID</code> removes one."
)


async def on_feeds(update: Update, context: TalksContext) -> None:
    """/feeds, /feeds add URL, /feeds remove ID."""
    message = update.effective_message
    words = command_args(message.text if message else None).split()
    newsroom = context.services.newsroom
    _ = await translator_for(update, context)
    try:
        if not words:
            feeds = await blocking(newsroom.feeds)
            await reply(update, context, render.feeds_html(feeds, tr=_))
        elif words[0].lower() == "add" and len(words) == 2:
            feed = await blocking(newsroom.add_feed, words[1])
            title = render.esc(feed.title or feed.url)
            # Only the process that leads the scheduled work polls; another replica's admin is
            # told the feed waits for that process's next look for due feeds.
            leads = await blocking(newsroom.leads)
            if leads:
                added = _("Added feed #{id} <b>{title}</b>; polling it now.")
            else:
                added = _("Added feed #{id} <b>{title}</b>; it is polled at the next round.")
            await reply(update, context, added.format(id=feed.id, title=title))
            if leads:
                context.application.create_task(poll_feeds(context), name=f"poll:{feed.id}")
        elif words[0].lower() == "remove" and len(words) == 2 and words[1].lstrip("#").isdigit():
            feed = await blocking(newsroom.remove_feed, int(words[1].lstrip("#")))
            removed = _("Removed feed #{id} ({url}).")
            await reply(update, context, removed.format(id=feed.id, url=render.esc(feed.url)))
        else:
            await reply(update, context, _(USAGE))
    except KnowledgeError as e:
        await reply(update, context, render.esc(domain_texts.error_text(e, tr=_)))


async def poll_feeds(context: TalksContext) -> None:
    """The scheduler's feed job: poll the feeds that are due, then tell instant subscribers
    (in the process that leads the scheduled work only)."""
    if not await blocking(context.services.newsroom.leads):
        return
    results = await blocking(context.services.newsroom.poll_feeds)
    loaded = sum(len(r.loaded) for r in results)
    if loaded:
        log.info("feeds: %d new articles", loaded)
        await deliver_instant(context.bot, context.services)
