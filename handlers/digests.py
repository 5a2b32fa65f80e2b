"""The buttons under a digest or an instant notice: ❓ ask about an article, 🔗 its source,
🕗 change time (``handlers.subscribe``'s picker) and 🔕 unsubscribe."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from handlers import buttons, render
from handlers.ask import LAST_ANSWER
from handlers.common import blocking, reply, translator_for
from handlers.context import TalksContext
from handlers.i18n import Translate
from knowledge import Digest, UnknownArticleError

MAX_ARTICLE_ROWS = 8  # a keyboard past this is a wall: the rest are reached by /article
_TITLE_CHARS = 28


def digest_keyboard(digest: Digest, *, tr: Translate = render.ENGLISH) -> InlineKeyboardMarkup:
    """Per article (the first ``MAX_ARTICLE_ROWS``) ❓ and, where it has a web address, 🔗;
    then 🕗 and 🔕."""
    rows = []
    for item in digest.items[:MAX_ARTICLE_ROWS]:
        article = item.article
        row = [
            InlineKeyboardButton(
                f"❓ {render.shorten(article.title, _TITLE_CHARS)}",
                callback_data=buttons.about(article.id),
            )
        ]
        if article.url and article.url.startswith(("http://", "https://")):
            row.append(InlineKeyboardButton(tr("🔗 Source"), url=article.url))
        rows.append(row)
    rows.append(
        [
            InlineKeyboardButton(tr("🕗 Change time"), callback_data=buttons.MENU_DATA),
            InlineKeyboardButton(tr("🔕 Unsubscribe"), callback_data=buttons.UNSUBSCRIBE_DATA),
        ]
    )
    return InlineKeyboardMarkup(rows)


async def on_about(update: Update, context: TalksContext) -> None:
    """❓ under a digest: the article becomes the conversation's context, so the next question
    ("what did he say?", "when is the vote?") is about it."""
    query = update.callback_query
    if query is None:
        return
    _ = await translator_for(update, context)
    text = await article_prompt(context, buttons.decode_about(query.data), tr=_)
    await query.answer(None if text else _("That article has been removed."))
    if text:
        await reply(update, context, text)


async def article_prompt(
    context: TalksContext, article_id: int, *, tr: Translate = render.ENGLISH
) -> str | None:
    """Make the article the chat's context and say so, naming what it is about; None when
    there is no such article (removed since)."""
    newsroom = context.services.newsroom
    try:
        turn = await blocking(newsroom.article_context, article_id)
    except UnknownArticleError:
        return None
    if context.chat_data is not None:
        context.chat_data[LAST_ANSWER] = turn
    article = next(iter(turn.articles.values()))
    named = (await blocking(newsroom.entity_names, article.id))[:3]
    what = tr("What would you like to know about <i>{title}</i> (#{id})?").format(
        title=render.esc(article.title), id=article.id
    )
    names = tr("It names {names}.").format(names=render.esc(", ".join(named)))
    return " ".join([what, *([names] if named else []), tr("Just write your question.")])


async def on_unsubscribe_button(update: Update, context: TalksContext) -> None:
    """🔕 under a digest: unsubscribed at once; the digest stays, its buttons go."""
    query, chat = update.callback_query, update.effective_chat
    if query is None or chat is None:
        return
    stopped = await blocking(context.services.newsroom.unsubscribe, chat.id)
    _ = await translator_for(update, context)
    await query.answer(_("Unsubscribed.") if stopped else _("You were not subscribed."))
    if isinstance(query.message, Message) and query.message.reply_markup is not None:
        await query.message.edit_reply_markup(None)
    if stopped:
        await reply(update, context, _("Unsubscribed: no more digests. /subscribe to come back."))
