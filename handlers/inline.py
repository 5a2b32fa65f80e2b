"""Inline mode: ``@bot question`` in any chat answers as inline results.

The first result is the answer (title: the short answer; description: the sentence that
supports it; message: the answer as the bot renders it, its source included, under the
question), then the other facts found; a bare name gives its entity card; a decline is one
result saying the articles don't say. Inline questions are not logged: Telegram sends one per
pause in typing, and the journal holds questions people asked.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest

from handlers import i18n, links, render
from handlers.common import blocking, user_language
from handlers.context import TalksContext
from handlers.i18n import Translate
from knowledge import Answer, fact_ref

log = logging.getLogger(__name__)

CACHE_SECONDS = 30  # kept here and by Telegram (cache_time): a new article shows soon
SETTLE_SECONDS = 0.3  # a query the same user typed on within this is not answered
MAX_RESULTS = 3  # the answer and two more facts: more is a wall on a phone
_TITLE_CHARS = 100
_STATE = "inline"


class InlineState:
    """What inline mode keeps between queries: the results per query for ``seconds`` (the
    least recently used go first past ``size``; ``clock`` is injectable for tests) and each
    user's newest query, waiting to be answered."""

    def __init__(
        self,
        *,
        seconds: float = CACHE_SECONDS,
        size: int = 512,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.seconds, self.size, self.clock = seconds, size, clock
        self._items: OrderedDict[str, tuple[float, list[InlineQueryResultArticle]]]
        self._items = OrderedDict()
        self.latest: dict[int, str] = {}  # user id → their newest inline query's id

    def get(self, key: str) -> list[InlineQueryResultArticle] | None:
        found = self._items.get(key)
        if found is None or found[0] <= self.clock():
            self._items.pop(key, None)
            return None
        self._items.move_to_end(key)
        return found[1]

    def put(self, key: str, results: list[InlineQueryResultArticle]) -> None:
        self._items[key] = (self.clock() + self.seconds, results)
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)


def state_of(context: TalksContext) -> InlineState:
    """The application's inline state (made on first use)."""
    state = context.bot_data.setdefault(_STATE, InlineState())
    if not isinstance(state, InlineState):
        raise RuntimeError(f"bot_data[{_STATE!r}] is not an InlineState")
    return state


async def on_inline(update: Update, context: TalksContext) -> None:
    """An inline query: results from the cache, else answered once the user stops typing."""
    query = update.inline_query
    if query is None:
        return
    question = " ".join(query.query.split())
    state = state_of(context)
    # marked on arrival, before any await: a query typed on arrives later and wins
    state.latest[query.from_user.id] = query.id
    _ = i18n.translator(await user_language(query.from_user, context))
    if not question:  # "@bot" alone: a way to the private chat, nothing to answer yet
        await query.answer([], cache_time=CACHE_SECONDS, button=private_button("", tr=_))
        return
    key = f"{_.language}:{question}"  # the frame is in the user's language
    results = state.get(key)
    if results is None:
        if not await settled(state, query.from_user.id, query.id):
            return  # typed on: the newer query is answered instead
        answer = await blocking(context.services.newsroom.answer, question)
        results = inline_results(answer, question, bot_username=context.bot.username, tr=_)
        state.put(key, results)
    try:
        # personal: Telegram would otherwise hand one user's results, in their language, to
        # anyone typing the same query (our own cache still answers each language once)
        await query.answer(
            results,
            cache_time=CACHE_SECONDS,
            is_personal=True,
            button=private_button(question, tr=_),
        )
    except BadRequest as e:  # past Telegram's 10 s (a busy engine): the user has moved on
        if "too old" not in str(e).lower():
            raise
        log.info("inline query answered too late: %s", e)


async def settled(state: InlineState, user_id: int, query_id: str) -> bool:
    """Whether the user's query (marked as their newest when it came) still is after a pause
    (Telegram sends one per pause in typing: the engine answers the question, not each prefix
    of it)."""
    await asyncio.sleep(SETTLE_SECONDS)
    if state.latest.get(user_id) != query_id:
        return False
    del state.latest[user_id]
    return True


def inline_results(
    answer: Answer,
    question: str,
    *,
    bot_username: str | None = None,
    tr: Translate = render.ENGLISH,
) -> list[InlineQueryResultArticle]:
    """The answer and the other facts found as results; a decline as one result. ``tr``
    translates the bot's own words (the decline, "Also:", the buttons), never the articles'."""
    fact = answer.fact
    if not answer.answered or fact is None:
        declined = tr(render.DECLINE_MSGID)
        nothing = tr("Nothing I have read answers “{question}”")
        return [
            _result(
                "declined",
                declined,
                description=nothing.format(question=render.shorten(question, 80)),
                blocks=[render.esc(declined)],
                question=question,
            )
        ]
    if answer.entity is not None:
        title = answer.entity.name + (f": {answer.short}" if answer.short else "")
    else:
        title = answer.short or fact.text
    doubt = f"{tr(render.UNSURE_MSGID)} " if answer.tentative else ""
    first = _result(
        "answer",
        title,
        description=doubt + fact.text,
        blocks=[render.answer_html(answer, tr=tr)],
        question=question,
        markup=_article_link(bot_username, fact.article_id, tr=tr),
    )
    more = [
        _result(
            f"fact:{fact_ref(sf.fact)}",
            sf.fact.text,
            description=render.plain_ref(answer.articles[sf.fact.article_id]),
            blocks=[render.fact_html(sf.fact, answer.articles[sf.fact.article_id])],
            question=question,
            markup=_article_link(bot_username, sf.fact.article_id, tr=tr),
        )
        for sf in answer.facts[1:MAX_RESULTS]
        if sf.fact.article_id in answer.articles
    ]
    return [first, *more]


def _result(
    result_id: str,
    title: str,
    *,
    description: str,
    blocks: Sequence[str],
    question: str,
    markup: InlineKeyboardMarkup | None = None,
) -> InlineQueryResultArticle:
    """One result; its message is the question in italics over the blocks, cut to one
    message (the chat it lands in never saw the question)."""
    asked = f"❓ <i>{render.esc(render.shorten(question, 300))}</i>"
    text = render.pack([asked, *blocks])[0]
    return InlineQueryResultArticle(
        id=result_id,
        title=render.shorten(title, _TITLE_CHARS),
        description=description,
        input_message_content=InputTextMessageContent(
            text,
            parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        ),
        reply_markup=markup,
    )


def _article_link(
    bot_username: str | None, article_id: int, *, tr: Translate = render.ENGLISH
) -> InlineKeyboardMarkup | None:
    """A button opening the bot's private chat on the article (a ``/start`` deep link)."""
    if not bot_username:
        return None
    url = links.link(bot_username, links.article_payload(article_id))
    return InlineKeyboardMarkup([[InlineKeyboardButton(tr("❓ Ask more about it"), url=url)]])


def private_button(question: str, *, tr: Translate = render.ENGLISH) -> InlineQueryResultsButton:
    """Above the results: the question asked in the private chat, where it gets buttons
    (source, more, "did you mean"); only "open the chat" when it does not fit a link."""
    payload = links.ask_payload(question) if question else None
    return InlineQueryResultsButton(
        tr("Ask me in a private chat"), start_parameter=payload or "inline"
    )
