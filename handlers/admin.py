"""Admin commands: /load (text, a reply, a document), /remove with a confirm button, /stats
(the numbers, then a chart of the last 30 days).

The gate runs before every other handler (group -1): a non-admin gets a polite refusal and the
update stops there, so nothing changes.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from functools import partial
from pathlib import PurePath

from telegram import Document, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import ApplicationHandlerStop

from handlers import buttons, chart, domain_texts, i18n, render
from handlers.common import blocking, command_args, is_group, reply, translator_for
from handlers.context import TalksContext
from handlers.delivery import deliver_instant
from handlers.i18n import N_, Translate
from knowledge import DOCUMENT_FORMATS, Article, KnowledgeError, ScheduleError

log = logging.getLogger(__name__)

ADMIN_COMMAND = re.compile(r"^/(?:load|remove|stats|feeds)(?:@\w+)?(?:\s|$)", re.IGNORECASE)
URL = re.compile(r"^https?://\S+$", re.IGNORECASE)
MAX_FILE_BYTES = 20 * 1024 * 1024  # what Telegram lets a bot download
CHART_DAYS = 30
REFUSAL = N_("Sorry, only the bot's admins can do that.")


async def gate(update: Update, context: TalksContext) -> None:
    """Stop admin commands and buttons from anyone not in TALKS_ADMIN_IDS."""
    user = update.effective_user
    if context.services.is_admin(user.id if user else None):
        return
    _ = await translator_for(update, context)
    query = update.callback_query
    if query is not None:
        await query.answer(_(REFUSAL), show_alert=True)
    else:
        await reply(update, context, _(REFUSAL))
    log.info("refused an admin action from user %s", user.id if user else None)
    raise ApplicationHandlerStop


async def on_load(update: Update, context: TalksContext) -> None:
    """/load: the text after the command, the message it replies to, or an attached document."""
    message = update.effective_message
    if message is None:
        return
    newsroom = context.services.newsroom
    args = command_args(message.text or message.caption)
    replied = message.reply_to_message
    document = message.document or (replied.document if replied else None)
    if document is not None:
        await _load_document(update, context, document)
        return
    if URL.match(args):
        await _store(update, context, partial(newsroom.load_url, args))
        return
    text = args or (replied.text or replied.caption or "" if replied is not None else "")
    if not text:
        _ = await translator_for(update, context)
        usage = _(
            "Send <code>/load</code> followed by a link or the article's text, as a reply to a "
            "message holding it, or as the caption of a .txt, .md, .html or .pdf file."
        )
        await reply(update, context, usage)
        return
    await _store(update, context, partial(newsroom.load_text, text))


async def load_message(update: Update, context: TalksContext, message: Message) -> None:
    """Load what an admin's message holds as an article: its document, the page of its lone
    link, or its text (the "Load it as an article?" button)."""
    newsroom = context.services.newsroom
    if message.document is not None:
        await _load_document(update, context, message.document)
        return
    text = (message.text or message.caption or "").strip()
    if URL.match(text):
        await _store(update, context, partial(newsroom.load_url, text))
    else:
        await _store(update, context, partial(newsroom.load_text, text))


async def _load_document(update: Update, context: TalksContext, document: Document) -> None:
    data = await _download(update, context, document)
    if data is not None:
        name = document.file_name or ""
        load = partial(context.services.newsroom.load_document, data, filename=name)
        await _store(update, context, load)


async def _download(update: Update, context: TalksContext, document: Document) -> bytes | None:
    name = document.file_name or ""
    _ = await translator_for(update, context)
    if PurePath(name).suffix.lower() not in DOCUMENT_FORMATS:
        kinds = ", ".join(sorted(DOCUMENT_FORMATS))
        shown = render.esc(name) if name else _("that file")
        said = _("I can't read {name}: send one of {kinds}.")
        await reply(update, context, said.format(name=shown, kinds=kinds))
        return None
    if document.file_size and document.file_size > MAX_FILE_BYTES:
        await reply(update, context, _("That file is over Telegram's 20 MB limit for bots."))
        return None
    file = await context.bot.get_file(document.file_id)
    return bytes(await file.download_as_bytearray())


async def _store(update: Update, context: TalksContext, load: Callable[[], Article]) -> None:
    """Run one of the newsroom's loads off the event loop, reply, and notify instant readers."""
    newsroom = context.services.newsroom
    _ = await translator_for(update, context)
    try:
        article = await blocking(load)
    except KnowledgeError as e:
        said = render.esc(domain_texts.error_text(e, tr=_))
        await reply(update, context, _("Not loaded: {error}").format(error=said))
        return
    counts = await blocking(newsroom.subscriber_counts)
    names = newsroom.entity_names(article.id)
    await reply(update, context, loaded_html(article, names, counts, tr=_))
    # instant subscribers hear of it now; a crash before they do is caught up by the next tick
    context.application.create_task(
        deliver_instant(context.bot, context.services), name=f"notify:{article.id}"
    )


def loaded_html(
    article: Article,
    names: list[str],
    counts: dict[str, int],
    *,
    tr: Translate = render.ENGLISH,
) -> str:
    """What was loaded: its facts and names, and who hears of it when."""
    shown = ", ".join(render.esc(n) for n in names[:8]) + (" …" if len(names) > 8 else "")
    instant, daily = counts.get("instant", 0), counts.get("daily", 0)
    language = tr.language
    facts = i18n.ngettext(language, "{n} fact", "{n} facts", article.fact_count)
    entities = i18n.ngettext(language, "{n} entity", "{n} entities", len(names))
    loaded = tr("Loaded #{id} <b>{title}</b>: {facts}, {entities}{names}.").format(
        id=article.id,
        title=render.esc(article.title),
        facts=facts.format(n=article.fact_count),
        entities=entities.format(n=len(names)),
        names=f": {shown}" if shown else "",
    )
    told = i18n.ngettext(
        language,
        "{n} instant subscriber will be notified now, {daily} in their next daily digest.",
        "{n} instant subscribers will be notified now, {daily} in their next daily digest.",
        instant,
    )
    return f"{loaded}\n{told.format(n=instant, daily=daily)}"


async def on_remove(update: Update, context: TalksContext) -> None:
    """/remove ID: asks for confirmation with a button."""
    message = update.effective_message
    arg = command_args(message.text if message else None).lstrip("#")
    _ = await translator_for(update, context)
    if not arg.isdigit():
        await reply(update, context, _("Which article? <code>/remove 3</code> (see /articles)"))
        return
    try:
        article = context.services.newsroom.article(int(arg))
    except KnowledgeError as e:
        await reply(update, context, render.esc(domain_texts.error_text(e, tr=_)))
        return
    yes = _("Yes, remove #{id}").format(id=article.id)
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(yes, callback_data=buttons.remove(article.id)),
                InlineKeyboardButton(_("Cancel"), callback_data=buttons.REMOVE_CANCEL),
            ]
        ]
    )
    ask = _("Remove #{id} <b>{title}</b>?").format(id=article.id, title=render.esc(article.title))
    await reply(update, context, ask, markup=markup)


async def on_remove_button(update: Update, context: TalksContext) -> None:
    """The confirm or cancel button of /remove."""
    query = update.callback_query
    if query is None or not isinstance(query.message, Message):
        return
    article_id = buttons.decode_remove(query.data)
    await query.answer()
    _ = await translator_for(update, context)
    if article_id is None:
        await context.services.sender.edit(query.message, _("Nothing removed."))
        return
    try:
        article = await blocking(context.services.newsroom.remove, article_id)
    except KnowledgeError as e:
        said = render.esc(domain_texts.error_text(e, tr=_))
        await context.services.sender.edit(query.message, said)
        return
    removed = _("Removed #{id} <b>{title}</b>.")
    await context.services.sender.edit(
        query.message, removed.format(id=article.id, title=render.esc(article.title))
    )


async def on_stats(update: Update, context: TalksContext) -> None:
    """/stats: the store, questions, feedback and digests; then the last 30 days as a chart."""
    newsroom = context.services.newsroom
    stats = await blocking(newsroom.stats)
    _ = await translator_for(update, context)
    await reply(update, context, render.stats_html(stats, tr=_))
    chat, user = update.effective_chat, update.effective_user
    if chat is None:
        return
    # the admin's days: their digest's zone when they subscribe, else the bot's default
    subscriber = await blocking(newsroom.subscriber, user.id) if user else None
    zone = subscriber.timezone if subscriber else context.services.default_tz
    try:
        activity = await blocking(newsroom.activity, days=CHART_DAYS, zone=zone)
    except ScheduleError:  # a TALKS_DEFAULT_TZ zoneinfo does not know
        activity = await blocking(newsroom.activity, days=CHART_DAYS, zone="UTC")
    png = await blocking(chart.activity_png, activity, tr=_)
    message = update.effective_message
    await context.services.sender.send_photo(
        context.bot,
        chat.id,
        png,
        caption=render.esc(chart.caption(activity, tr=_)),
        reply_to=message.message_id if message and is_group(update) else None,
    )
