"""Questions: plain text in private chats; /ask, a mention or a reply to the bot in groups; and
the buttons under an answer (their data: ``handlers.buttons``)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, MessageEntity, Update
from telegram.constants import ChatAction
from telegram.error import TelegramError

from handlers import buttons, render
from handlers.common import blocking, command_args, reply, topic_of, translator_for
from handlers.context import TalksContext
from handlers.i18n import N_, Translate
from knowledge import Answer, ChatReply, fact_ref

log = logging.getLogger(__name__)

LAST_ANSWER = "last_answer"
TYPING_AFTER_SECONDS = 0.4
"""Show "typing…" only for an answer not ready by then: most take under 0.1 s, and each chat
action is a request that counts against the bot's 30 a second (bench/throughput.py)."""
QUESTION_GONE = N_("That question is gone.")
ARTICLE_GONE = N_("That article has been removed.")
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
        _ = await translator_for(update, context)
        usage = _("Ask me like this: <code>/ask when is the next round?</code>")
        await reply(update, context, usage)
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
        _ = await translator_for(update, context)
        await reply(update, context, _("Ask me a question about the news, e.g. who is involved?"))
        return
    previous = context.chat_data.get(LAST_ANSWER) if context.chat_data is not None else None
    last = previous if isinstance(previous, Answer) else None
    said = await blocking(
        services.newsroom.converse,
        text,
        context=last,
        user_language=user.language_code if user else None,
    )
    if said is not None:  # not a question about the news: small talk, a summary, a language
        await chat_reply(update, context, said)
        return
    asking = asyncio.ensure_future(
        blocking(
            services.newsroom.ask,
            text,
            chat_id=chat.id,
            user_id=user.id if user else None,
            context=last,
        )
    )
    done, _ = await asyncio.wait({asking}, timeout=TYPING_AFTER_SECONDS)
    if not done:
        with contextlib.suppress(TelegramError):  # only a hint: the answer still goes out
            await context.bot.send_chat_action(
                chat.id, ChatAction.TYPING, message_thread_id=topic_of(update)
            )
    asked = await asking
    answer = asked.answer
    if answer.answered and context.chat_data is not None:
        context.chat_data[LAST_ANSWER] = answer
    _ = await translator_for(update, context)
    markup = keyboard(answer, asked.question_id, tr=_)
    await reply(update, context, render.answer_html(answer, tr=_), markup=markup)


async def chat_reply(update: Update, context: TalksContext, said: ChatReply) -> None:
    """A reply that is not an answer, with its example questions as buttons (questions: in
    English, the language the bot understands)."""
    _ = await translator_for(update, context)
    text = render.chat_html(said, tr=_)
    await reply(update, context, text, markup=examples_markup(said.examples))


def examples_markup(questions: Iterable[str]) -> InlineKeyboardMarkup | None:
    """Questions as buttons that ask them (one a row); one too long for a button is left out."""
    data = {q: buttons.question(q) for q in questions}
    rows = [[InlineKeyboardButton(q, callback_data=d)] for q, d in data.items() if d is not None]
    return InlineKeyboardMarkup(rows) if rows else None


def keyboard(
    answer: Answer, question_id: int, *, tr: Translate = render.ENGLISH
) -> InlineKeyboardMarkup | None:
    """Source, more and feedback under an answer; "did you mean" facts under a decline."""
    fact = answer.fact
    if answer.answered and fact is not None:
        return InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        tr("📄 Show source"), callback_data=buttons.source(fact_ref(fact))
                    ),
                    InlineKeyboardButton(
                        tr("➕ More answers"), callback_data=buttons.more(question_id)
                    ),
                ],
                [_feedback_button(question_id, 1), _feedback_button(question_id, -1)],
            ]
        )
    if answer.suggestions:
        by_text = {sf.fact.text: fact_ref(sf.fact) for sf in answer.facts}
        rows = [
            [
                InlineKeyboardButton(
                    render.shorten(s, _SUGGESTION_CHARS), callback_data=buttons.fact(by_text[s])
                )
            ]
            for s in answer.suggestions
            if s in by_text
        ]
        return InlineKeyboardMarkup(rows) if rows else None
    return None


async def on_example(update: Update, context: TalksContext) -> None:
    """An example question of /start, asked."""
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    await answer_question(update, context, buttons.decode_question(query.data))


_THUMBS = {1: "👍", -1: "👎"}
_CHOSEN = " ✓"


def _feedback_button(
    question_id: int, value: int, *, chosen: bool = False
) -> InlineKeyboardButton:
    label = _THUMBS[value] + (_CHOSEN if chosen else "")
    return InlineKeyboardButton(label, callback_data=buttons.feedback(question_id, value))


def mark_feedback(
    markup: InlineKeyboardMarkup, question_id: int, value: int
) -> InlineKeyboardMarkup:
    """The keyboard with the pressed thumb marked and the other not; other buttons as they are."""
    rows = []
    for row in markup.inline_keyboard:
        new_row = []
        for button in row:
            data = button.callback_data if isinstance(button.callback_data, str) else None
            found = buttons.FEEDBACK.match(data or "")
            if found is not None and int(found.group(1)) == question_id:
                pressed = int(found.group(2))
                new_row.append(_feedback_button(question_id, pressed, chosen=pressed == value))
            else:
                new_row.append(button)
        rows.append(new_row)
    return InlineKeyboardMarkup(rows)


async def on_feedback(update: Update, context: TalksContext) -> None:
    """👍 or 👎 under an answer: recorded (the last press counts) and marked on the message."""
    query, chat = update.callback_query, update.effective_chat
    if query is None:
        return
    question_id, value = buttons.decode_feedback(query.data)
    newsroom = context.services.newsroom
    ok = chat is not None and await blocking(
        newsroom.feedback, question_id, value, chat_id=chat.id
    )
    _ = await translator_for(update, context)
    await query.answer(_("Thanks for the feedback!") if ok else _(QUESTION_GONE))
    message = query.message
    if not ok or not isinstance(message, Message) or message.reply_markup is None:
        return
    marked = mark_feedback(message.reply_markup, question_id, value)
    if marked.to_dict() == message.reply_markup.to_dict():  # pressed again: nothing to change
        return
    try:
        await query.edit_message_reply_markup(marked)
    except TelegramError as e:  # recorded and thanked for already: the mark is a nicety
        log.info("feedback mark not shown in %s: %s", message.chat_id, e)


async def on_source(update: Update, context: TalksContext) -> None:
    """Show source: the paragraph the answer's fact stands in."""
    query = update.callback_query
    if query is None:
        return
    found = await blocking(context.services.newsroom.paragraph, buttons.decode_source(query.data))
    await query.answer()
    if found is None:
        _ = await translator_for(update, context)
        await reply(update, context, _(ARTICLE_GONE))
        return
    article, facts, shown = found
    await reply(update, context, render.paragraph_html(article, facts, shown.id))


async def on_fact(update: Update, context: TalksContext) -> None:
    """A "did you mean" fact under a decline: the decline becomes that fact."""
    query = update.callback_query
    if query is None:
        return
    newsroom = context.services.newsroom
    suggested = newsroom.fact(buttons.decode_fact(query.data))
    await query.answer()
    if suggested is None:
        _ = await translator_for(update, context)
        await reply(update, context, _(ARTICLE_GONE))
        return
    article = await blocking(newsroom.article, suggested.article_id)
    if isinstance(query.message, Message):
        await context.services.sender.edit(query.message, render.fact_html(suggested, article))


async def on_more(update: Update, context: TalksContext) -> None:
    """More answers: the logged question asked again, the facts after the first."""
    query = update.callback_query
    if query is None:
        return
    again = await blocking(context.services.newsroom.again, buttons.decode_more(query.data))
    await query.answer()
    _ = await translator_for(update, context)
    text = _(QUESTION_GONE) if again is None else render.more_html(again, tr=_)
    await reply(update, context, text)
