"""Digests and instant notices: build from the store, send, record — once per chat and article.

The deliveries and the next due time are committed right after each send, so a restart repeats
nothing that was recorded and loses nothing that was not sent. Several processes may share the
store: each takes (claims) the chats it sends to, so no chat gets the same digest from two.
"""

from __future__ import annotations

import dataclasses
import enum
import logging
from collections.abc import Callable

from telegram import Bot

from handlers import i18n, render
from handlers.common import blocking, username_of
from handlers.context import Services, TalksContext
from handlers.digests import digest_keyboard
from handlers.notices import deliver_notices
from handlers.send import Outcome

log = logging.getLogger(__name__)

CLAIM_BATCH = 50  # chats taken at once: under two seconds of sends at Telegram's pace


class Delivery(enum.Enum):
    SENT = "sent"
    NOTHING_NEW = "nothing new"
    FAILED = "failed"  # recorded; a daily digest is tried again later, a blocked chat dropped
    NOT_SUBSCRIBED = "not subscribed"  # unsubscribed or blocked while this waited
    PAUSED = "paused"  # paused while this waited: what is new waits for the pause's end
    BUSY = "busy"  # another process is sending this chat something right now


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
        if not await blocking(newsroom.claim_chat, chat_id):  # no row, or another's
            sub = await blocking(newsroom.subscriber, chat_id)
            return Delivery.BUSY if sub is not None and sub.active else Delivery.NOT_SUBSCRIBED
        try:
            return await _deliver(
                bot, services, chat_id, scheduled=scheduled, asked=asked, asked_in=asked_in
            )
        finally:  # a send's record has let the chat go already; otherwise it goes here
            await blocking(newsroom.release_chats, [chat_id])


async def _deliver(
    bot: Bot,
    services: Services,
    chat_id: int,
    *,
    scheduled: bool,
    asked: bool,
    asked_in: int | None,
) -> Delivery:
    """``deliver`` once the chat is this process's to send to."""
    newsroom = services.newsroom
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
    # no update here to read the user's language from: the chat's (see common.keep_language)
    language: str | None = await blocking(newsroom.languages.get, chat_id)
    _ = i18n.translator(language or i18n.DEFAULT)
    heading = _("Your daily digest") if scheduled else _("What's new")
    result = await services.sender.send(
        bot,
        chat_id,
        render.digest_blocks(digest, heading=heading, tr=_, bot_username=username_of(bot)),
        reply_markup=digest_keyboard(digest, tr=_),
        thread_id=asked_in if asked else await blocking(newsroom.topics.get, chat_id),
    )
    if result.topic_gone and not asked:  # the chat itself from now on, not a failed try each time
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
    """Every daily digest that is due, then every instant notice still owed, taken from the
    store a batch at a time (another process ticking meanwhile takes other chats). Stops
    between two chats once ``running()`` is false (the bot is shutting down): the chats taken
    and not sent to are let go, to be sent at the next start (or by another process), and a
    stop never cuts a send from its record."""
    newsroom = services.newsroom
    done = Round()
    seen: set[int] = set()  # a chat whose send changed nothing is not taken again this round
    while running():
        batch = await blocking(newsroom.claim_due_chats, limit=CLAIM_BATCH)
        fresh = [c for c in batch if c not in seen]
        if not fresh:
            await blocking(newsroom.release_chats, batch)
            break
        seen.update(fresh)
        for i, chat_id in enumerate(fresh):
            if not running():
                done.left = len(fresh) - i
                await blocking(newsroom.release_chats, fresh[i:])
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
    """Notices for instant subscribers with articles they have not had, taken a batch at a
    time in chat order, then the follow notices owed (counted in ``done`` when given, the
    round they are part of)."""
    done = done if done is not None else Round()
    newsroom = services.newsroom
    after: int | None = None
    while running():
        batch = await blocking(newsroom.claim_instant_chats, limit=CLAIM_BATCH, after=after)
        if not batch:
            break
        for i, chat_id in enumerate(batch):
            if not running():
                await blocking(newsroom.release_chats, batch[i:])
                return done
            done.count(await deliver(bot, services, chat_id, scheduled=False))
        after = batch[-1]
    # Follow notices are not claimed chat by chat as digests are: the leading process alone
    # sends them (right after its own loads, and each tick), so that two never send one twice.
    if running() and await blocking(newsroom.leads):
        sent, failed = await deliver_notices(bot, services, running=running)
        done.sent += sent
        done.failed += failed
    return done


async def tick(context: TalksContext) -> None:
    """The scheduler's job: send what is due (also what was missed while the bot was down),
    in the one process that leads (each tick, one that does not asks again: it takes over
    within a tick of the leader's death). One log line for a round that did something; an
    idle tick says nothing."""
    services = context.services
    await blocking(services.newsroom.heartbeat, replica=services.replica)  # this one serves
    if not await blocking(services.newsroom.leads):
        return  # another process sharing the store runs the scheduled work; this one answers
    app = context.application  # stop() clears ``running`` first, then waits for this job
    done = await deliver_due(context.bot, services, running=lambda: app.running)
    await blocking(services.newsroom.heartbeat)
    if done:
        log.info("digest round: %s", done)
