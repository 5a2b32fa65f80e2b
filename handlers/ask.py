"""Questions: plain text in private chats; /ask, a mention or a reply to the bot in groups; and
the buttons under an answer."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, MessageEntity, Update
from telegram.constants import ChatAction

from handlers import render
from handlers.common import blocking, command_args, reply
from handlers.context import TalksContext
from handlers.send import edit
from knowledge.models import Answer
from knowledge.newsroom import fact_ref

log = logging.getLogger(__name__)

LAST_ANSWER = "last_answer"
_SUGGESTION_CHARS = 60


async def on_private_text(update: Update, context: TalksContext) -> None:
    """Plain text in a private chat is a question."""
    message = update.effective_message
    if message is not None and message.text:
        await answer_question(update, context, message.text)


async def on_ask(update: Update, context: TalksContext) -> None:
    """/ask QUESTION, in groups and in private."""
    message = update.effective_message
    question = command_args(message.text if message else None)
    if not question:
        await reply(update, context, "Ask me like this: <code>/ask when is the next round?</code>")
        return
    await answer_question(update, context, question)


async def on_group_text(update: Update, context: TalksContext) -> None:
    """In a group, answer only when mentioned or replied to."""
    message = update.effective_message
    if message is None or not message.text:
        return
    me = context.bot.username
    to_bot = (
        message.reply_to_message is not None
        and message.reply_to_message.from_user is not None
        and message.reply_to_message.from_user.id == context.bot.id
    )
    mention = f"@{me}".lower()
    mentioned = any(
        text.lower() == mention
        for text in message.parse_entities([MessageEntity.MENTION]).values()
    )
    if not (to_bot or mentioned):
        return
    question = message.text
    if mentioned:
        question = " ".join(w for w in question.split() if w.lower() != mention)
    await answer_question(update, context, question)


async def answer_question(update: Update, context: TalksContext, text: str) -> None:
    """Guard → answer off the event loop (logged; the newsroom refuses a question over
    TALKS_MAX_QUESTION_CHARS) → render with buttons → send."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None:
        return
    services = context.services
    text = text.strip()
    if not text:
        await reply(update, context, "Ask me a question about the news, e.g. who is involved?")
        return
    await context.bot.send_chat_action(chat.id, ChatAction.TYPING)
    previous = context.chat_data.get(LAST_ANSWER) if context.chat_data is not None else None
    asked = await blocking(
        services.newsroom.ask,
        text,
        chat_id=chat.id,
        user_id=user.id if user else None,
        context=previous if isinstance(previous, Answer) else None,
    )
    answer = asked.answer
    if answer.answered and context.chat_data is not None:
        context.chat_data[LAST_ANSWER] = answer
    markup = keyboard(answer, asked.question_id)
    await reply(update, context, render.answer_html(answer), markup=markup)


def keyboard(answer: Answer, question_id: int) -> InlineKeyboardMarkup | None:
    """Source, more and feedback under an answer; "did you mean" facts under a decline."""
    fact = answer.fact
    if answer.answered and fact is not None:
        return InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton("📄 Show source", callback_data=f"src:{fact_ref(fact)}"),
                    InlineKeyboardButton("➕ More answers", callback_data=f"more:{question_id}"),
                ],
                [
                    InlineKeyboardButton("👍", callback_data=f"fb:{question_id}:1"),
                    InlineKeyboardButton("👎", callback_data=f"fb:{question_id}:-1"),
                ],
            ]
        )
    if answer.suggestions:
        by_text = {sf.fact.text: fact_ref(sf.fact) for sf in answer.facts}
        rows = [
            [InlineKeyboardButton(_short(s), callback_data=f"fact:{by_text[s]}")]
            for s in answer.suggestions
            if s in by_text
        ]
        return InlineKeyboardMarkup(rows) if rows else None
    return None


def _short(text: str) -> str:
    return text if len(text) <= _SUGGESTION_CHARS else text[: _SUGGESTION_CHARS - 1] + "…"


async def on_button(update: Update, context: TalksContext) -> None:
    """The buttons under answers: show source, more answers, feedback, a suggested fact, and the
    example questions of /start."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    kind, _, arg = query.data.partition(":")
    try:
        await _press(update, context, kind, arg)
    except ValueError:  # not one of our buttons
        await query.answer("That button no longer works.")


async def _press(update: Update, context: TalksContext, kind: str, arg: str) -> None:
    query = update.callback_query
    assert query is not None  # checked by on_button
    newsroom = context.services.newsroom
    chat = update.effective_chat
    if kind == "q":
        await query.answer()
        await answer_question(update, context, arg)
        return
    if kind == "fb":
        qid, _, value = arg.partition(":")
        ok = chat is not None and await blocking(
            newsroom.journal.feedback, int(qid), int(value), chat_id=chat.id
        )
        await query.answer("Thanks for the feedback!" if ok else "That question is gone.")
        return
    if kind == "src":
        found = await blocking(newsroom.paragraph, arg)
        await query.answer()
        if found is None:
            await reply(update, context, "That article has been removed.")
            return
        article, facts, shown = found
        await reply(update, context, render.paragraph_html(article, facts, shown.id))
        return
    if kind == "fact":
        suggested = newsroom.fact(arg)
        await query.answer()
        if suggested is None:
            await reply(update, context, "That article has been removed.")
            return
        article = await blocking(newsroom.kb.article, suggested.article_id)
        if isinstance(query.message, Message):
            await edit(query.message, render.fact_html(suggested, article))
        return
    if kind == "more":
        again = await blocking(newsroom.again, int(arg))
        await query.answer()
        text = "That question is gone." if again is None else render.more_html(again)
        await reply(update, context, text)
        return
    await query.answer()
    log.info("unknown button %r", query.data)
