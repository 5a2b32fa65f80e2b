"""Digests and instant notices: build from the store, send, record — once per chat and article.

The deliveries and the next due time are committed right after each send, so a restart repeats
nothing that was recorded and loses nothing that was not sent.
"""

from __future__ import annotations

import dataclasses
import enum
import logging
from collections.abc import Callable

from telegram import Bot

from handlers import render
from handlers.common import blocking
from handlers.context import Services, TalksContext
from handlers.digests import digest_keyboard
from handlers.notices import deliver_notices
from handlers.send import Outcome

log = logging.getLogger(__name__)


class Delivery(enum.Enum):
    SENT = "sent"
    NOTHING_NEW = "nothing new"
    FAILED = "failed"  # recorded; a daily digest is tried again later, a blocked chat dropped
    NOT_SUBSCRIBED = "not subscribed"  # unsubscribed or blocked while this waited
    PAUSED = "paused"  # paused while this waited: what is new waits for the pause's end


async def deliver(
    bot: Bot,
    services: Services,
    chat_id: int,
    *,
    scheduled: bool,
    asked: bool = False,
    asked_in: int | None = None,
) -> Delivery:
    """Send a chat what it has not had yet, with its buttons. A scheduled digest with nothing
    new moves its due time on silently; only one ``asked`` for (/digest) goes out in a
    pause, and in the forum topic it was asked in (``asked_in``), not the group's own."""
    newsroom = services.newsroom
    async with services.chat_locks[chat_id]:
        sub = await blocking(newsroom.subscriber, chat_id)
        if sub is None or not sub.active:
            return Delivery.NOT_SUBSCRIBED
        if not asked and sub.paused(newsroom.now()):
            return Delivery.PAUSED
        digest = await blocking(newsroom.pending_digest, chat_id)
        if not digest:
            if scheduled:
                await blocking(newsroom.digest_skipped, chat_id)
            return Delivery.NOTHING_NEW
        heading = "Your daily digest" if scheduled else "What's new"
        result = await services.sender.send(
            bot,
            chat_id,
            render.digest_blocks(digest, heading=heading),
            reply_markup=digest_keyboard(digest),
            thread_id=asked_in if asked else await blocking(newsroom.topics.get, chat_id),
        )
        if (
            result.topic_gone and not asked
        ):  # the chat itself from now on, not a failed try each time
            await blocking(newsroom.topics.set, chat_id, None)
        if result.sent:
            await blocking(newsroom.digest_sent, chat_id, digest.article_ids, scheduled=scheduled)
            return Delivery.SENT
        await blocking(
            newsroom.digest_failed,
            chat_id,
            result.error or result.outcome.value,
            blocked=result.outcome is Outcome.BLOCKED,
            retry=scheduled,
        )
        return Delivery.FAILED


@dataclasses.dataclass
class Round:
    """What one round of deliveries did: the tick logs it when it did anything."""

    sent: int = 0
    failed: int = 0  # recorded as failed; a daily digest is tried again later
    left: int = 0  # still due when a shutdown ended the round: sent at the next start

    def count(self, outcome: Delivery) -> None:
        self.sent += outcome is Delivery.SENT
        self.failed += outcome is Delivery.FAILED

    def __bool__(self) -> bool:
        return bool(self.sent or self.failed or self.left)

    def __str__(self) -> str:
        return f"{self.sent} sent, {self.failed} failed, {self.left} left"


async def deliver_due(
    bot: Bot, services: Services, *, running: Callable[[], bool] = lambda: True
) -> Round:
    """Every daily digest that is due, then every instant notice still owed. Stops between two
    chats once ``running()`` is false (the bot is shutting down): the rest stay due for the
    next start, and a stop never cuts a send from its record."""
    newsroom = services.newsroom
    done = Round()
    while running():
        due = await blocking(newsroom.due_chats, limit=500)
        if not due:
            break
        for i, chat_id in enumerate(due):
            if not running():
                done.left = len(due) - i
                log.info("shutting down: the digests still due go out at the next start")
                return done
            try:
                done.count(await deliver(bot, services, chat_id, scheduled=True))
            except Exception:  # one chat's trouble must not hold up everyone else's digest
                log.exception("digest for chat %s failed", chat_id)
                await blocking(newsroom.retry_digest_later, chat_id)
                done.failed += 1
    return await deliver_instant(bot, services, running=running, done=done)


async def deliver_instant(
    bot: Bot,
    services: Services,
    *,
    running: Callable[[], bool] = lambda: True,
    done: Round | None = None,
) -> Round:
    """Notices for instant subscribers with articles they have not had, then the follow
    notices owed (counted in ``done`` when given, the round they are part of)."""
    done = done if done is not None else Round()
    for chat_id in await blocking(services.newsroom.instant_chats):
        if not running():
            break
        done.count(await deliver(bot, services, chat_id, scheduled=False))
    sent, failed = await deliver_notices(bot, services, running=running)
    done.sent += sent
    done.failed += failed
    return done


async def tick(context: TalksContext) -> None:
    """The scheduler's job: send what is due (also what was missed while the bot was down).
    One log line for a round that did something; an idle tick says nothing."""
    services = context.services
    app = context.application  # stop() clears ``running`` first, then waits for this job
    done = await deliver_due(context.bot, services, running=lambda: app.running)
    await blocking(services.newsroom.heartbeat)
    if done:
        log.info("digest round: %s", done)
