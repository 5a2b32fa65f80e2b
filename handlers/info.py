"""/start, /help, /who, /articles and /article."""

from __future__ import annotations

from telegram import Update

from handlers import domain_texts, i18n, links, render
from handlers.ask import answer_question, examples_markup
from handlers.common import blocking, chat_language, command_args, reply, translator_for
from handlers.context import TalksContext
from handlers.digests import article_prompt
from handlers.i18n import N_
from knowledge import UnknownArticleError

HELP = N_("""<b>Ask me about the news I have read.</b>
Write a question, e.g. <i>when is the next round?</i> or <i>who is the UN envoy?</i>; \
follow-ups like <i>what did he say?</i> work too, and <i>summarise #1</i> or <i>what is this \
article about?</i> gives an article's summary. In groups use /ask, mention me, or reply to me.
In any chat, type my @username and a question: the answer goes into that chat.

/who NAME · who or what someone or something is
/articles · what I have read · /article ID · its summary
/subscribe 8am London · a daily digest at your time · /subscribe instant · news as it comes
/settings · your subscription · /digest · what is new now · /pause 7d · /resume · /unsubscribe
/follow NAME · each new article about them, with what it says · /following · /unfollow NAME
/timeline NAME · what the articles say about them, oldest first
/language · English or Russian""")

ADMIN_HELP = N_("""<b>Admin</b>
/load URL, /load TEXT, or /load as a reply to a message or a document (.txt .md .html .pdf)
/feeds · /feeds add URL · /feeds remove ID · RSS and Atom feeds
/remove ID · remove an article · /stats · usage""")


async def on_start(update: Update, context: TalksContext) -> None:
    """A deep link's article or question (``handlers.links``); else welcome, what the bot
    knows, and three example questions as buttons."""
    message = update.effective_message
    payload = command_args(message.text if message else None)
    if (article_id := links.decode_article(payload)) is not None:
        await open_article(update, context, article_id)
        return
    if question := links.decode_ask(payload):
        await answer_question(update, context, question)
        return
    newsroom = context.services.newsroom
    articles = await blocking(newsroom.articles)
    examples = await blocking(newsroom.examples)
    latest = ", ".join(f"<i>{render.esc(a.title)}</i>" for a in articles[-3:])
    language = await chat_language(update, context)
    _ = i18n.translator(language)
    n = len(articles)
    known = i18n.ngettext(language, "I have read {n} article", "I have read {n} articles", n)
    text = "\n".join(
        [
            _(
                "Hello! I answer questions about news articles, quoting the sentence that says "
                "so, and I tell you plainly when the articles don't say."
            ),
            known.format(n=n) + (": " + latest if latest else "."),
            _("Try one of these, or /help for everything I can do."),
        ]
    )
    await reply(update, context, text, markup=examples_markup(examples))


async def open_article(update: Update, context: TalksContext, article_id: int) -> None:
    """A deep link's article: its card (summary, key facts), and the next question is about
    it."""
    _ = await translator_for(update, context)
    prompt = await article_prompt(context, article_id, tr=_)
    if prompt is None:
        await reply(update, context, _("That article has been removed. See /articles."))
        return
    digest = await blocking(context.services.newsroom.digest, [article_id])
    await reply(update, context, [*(render.item_html(i, tr=_) for i in digest.items), prompt])


async def on_help(update: Update, context: TalksContext) -> None:
    """What the bot can do (admins see their commands too)."""
    user = update.effective_user
    admin = context.services.is_admin(user.id if user else None)
    _ = await translator_for(update, context)
    await reply(update, context, [_(HELP), _(ADMIN_HELP)] if admin else [_(HELP)])


async def on_who(update: Update, context: TalksContext) -> None:
    """/who NAME: an entity card."""
    message = update.effective_message
    name = command_args(message.text if message else None)
    if not name:
        _ = await translator_for(update, context)
        await reply(update, context, _("Tell me whom: <code>/who de Mistura</code>"))
        return
    answer = await blocking(context.services.newsroom.who, name[:200])
    await reply(
        update, context, render.answer_html(answer, tr=await translator_for(update, context))
    )


async def on_articles(update: Update, context: TalksContext) -> None:
    """/articles: ids, titles and dates."""
    articles = await blocking(context.services.newsroom.articles)
    _ = await translator_for(update, context)
    await reply(update, context, render.articles_html(articles, tr=_))


async def on_article(update: Update, context: TalksContext) -> None:
    """/article ID: the summary and key facts of one article."""
    message = update.effective_message
    arg = command_args(message.text if message else None).lstrip("#")
    _ = await translator_for(update, context)
    if not arg.isdigit():
        await reply(update, context, _("Which one? <code>/article 1</code> (see /articles)"))
        return
    newsroom = context.services.newsroom
    try:
        newsroom.article(int(arg))
    except UnknownArticleError as e:
        said = render.esc(domain_texts.error_text(e, tr=_))
        await reply(update, context, _("{error} See /articles.").format(error=said))
        return
    digest = await blocking(newsroom.digest, [int(arg)])
    cards = [render.item_html(i, tr=_) for i in digest.items]
    await reply(update, context, cards or _("No facts."))
