"""Follow notices: for each chat, each new article about what it follows, sent and recorded one
at a time, as digests are (``handlers.delivery`` runs this in every round)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from telegram import Bot

from handlers import i18n
from handlers.common import blocking
from handlers.context import Services
from handlers.follow import notice_html, notice_keyboard
from handlers.send import Outcome

log = logging.getLogger(__name__)


async def deliver_notices(
    bot: Bot, services: Services, *, running: Callable[[], bool] = lambda: True
) -> tuple[int, int]:
    """Every follow notice owed: (sent, failed). A failed one stays owed (the next round tries
    it again) and holds back that chat's others, so they keep their order."""
    follows = services.newsroom.follows
    sent = failed = 0
    for chat_id in await blocking(follows.chats_owed):
        if not running():
            break
        try:
            n, ok = await deliver_to(bot, services, chat_id)
        except Exception:  # one chat's trouble must not hold up everyone else's notices
            log.exception("follow notices for chat %s failed", chat_id)
            n, ok = 0, False
        sent += n
        failed += not ok
    return sent, failed


async def deliver_to(bot: Bot, services: Services, chat_id: int) -> tuple[int, bool]:
    """The notices one chat is owed, each recorded right after its send (under the chat's lock:
    two rounds never send the same one): (how many were sent, whether none failed)."""
    follows = services.newsroom.follows
    language: str | None = await blocking(services.newsroom.languages.get, chat_id)
    _ = i18n.translator(language or i18n.DEFAULT)  # the chat's (see common.keep_language)
    sent = 0
    async with services.chat_locks[chat_id]:
        for notice in await blocking(follows.owed, chat_id):
            result = await services.sender.send(
                bot,
                chat_id,
                [notice_html(notice, tr=_)],
                reply_markup=notice_keyboard(notice, tr=_),
                thread_id=notice.follows[0].thread_id,  # the topic of the first follow it is for
            )
            if result.topic_gone:
                await blocking(follows.forget_topic, chat_id, notice.follows[0].thread_id)
            if not result.sent:
                blocked = result.outcome is Outcome.BLOCKED
                error = result.error or result.outcome.value
                await blocking(follows.notice_failed, chat_id, error, blocked=blocked)
                return sent, False
            await blocking(follows.notice_sent, chat_id, notice.article.id)
            sent += 1
    return sent, True
