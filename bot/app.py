"""The composition root: settings + knowledge → a python-telegram-bot Application."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any

from telegram import BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, ApplicationBuilder, ContextTypes, Defaults

import handlers
from bot.config import Settings
from bot.follow import Follower
from bot.scheduling import RETENTION, schedule_clean_up, schedule_feed_polls, schedule_ticks
from handlers import i18n
from handlers.alerts import ErrorNotices
from handlers.context import Services, TalksApp, TalksContext
from handlers.send import Sender
from knowledge import Newsroom, parse_time

log = logging.getLogger(__name__)

CLEAN_UP_SECONDS = 3600.0
FOLLOWER = "follower"  # in bot_data: the thread keeping the index in step with the store


def build_services(settings: Settings, newsroom: Newsroom) -> Services:
    return Services(
        newsroom=newsroom,
        admin_ids=settings.admin_ids,
        default_time=parse_time(settings.digest_time),
        default_tz=settings.default_tz,
        sender=Sender(
            attempts=settings.send_attempts,
            backoff=settings.send_backoff_seconds,
            chat_interval=settings.send_chat_interval_seconds,
        ),
        error_notices=ErrorNotices(
            settings.admin_chat_id,
            every=dt.timedelta(minutes=settings.error_notice_minutes),
            clock=newsroom.now,
        ),
        replica=settings.replica_name,
    )


def build_application(settings: Settings, services: Services) -> TalksApp:
    """One builder chain: token, Bot API URLs, typed context, rate limiter, start-up hook."""
    if settings.bot_token is None:
        raise ValueError("TALKS_BOT_TOKEN is not set")
    # The overall limit as one message every 1/rate s: a burst-free bucket never exceeds
    # Telegram's 30 messages in any one second. The limiter only paces: the Sender is the one
    # layer that retries a message (TALKS_SEND_ATTEMPTS tries in all); retries here too would
    # multiply them.
    limiter = AIORateLimiter(
        overall_max_rate=1,
        overall_time_period=1 / settings.send_rate,
        max_retries=0,
    )
    context_types: ContextTypes[TalksContext, dict[Any, Any], dict[Any, Any], dict[Any, Any]]
    context_types = ContextTypes(context=TalksContext)
    app: TalksApp = (
        ApplicationBuilder()
        .token(settings.bot_token.get_secret_value())
        .base_url(settings.bot_api_base_url)
        .base_file_url(settings.bot_api_file_url)
        .context_types(context_types)
        .rate_limiter(limiter)
        .defaults(Defaults(tzinfo=dt.UTC))
        .concurrent_updates(True)
        .post_init(on_startup)
        .post_stop(on_stop)
        .build()
    )
    app.bot_data["services"] = services
    app.bot_data["tick_seconds"] = settings.digest_tick_seconds
    app.bot_data[RETENTION] = dt.timedelta(days=settings.retention_days)
    handlers.register(app)
    return app


async def on_startup(app: TalksApp) -> None:
    """Publish the command menu (admins see theirs too), start following the store's changes
    and start the digest tick."""
    services: Services = app.bot_data["services"]
    # one menu per language: Telegram shows a user the one of their app's language, the
    # default (English) to the others
    for language in i18n.LANGUAGES:
        code = None if language == i18n.DEFAULT else language
        menu = handlers.commands(language)
        await app.bot.set_my_commands(menu, scope=BotCommandScopeDefault(), language_code=code)
        for admin_id in sorted(services.admin_ids):
            try:
                await app.bot.set_my_commands(
                    handlers.commands(language, admin=True),
                    scope=BotCommandScopeChat(admin_id),
                    language_code=code,
                )
            except TelegramError as e:  # the admin has not started a chat with the bot yet
                log.warning("admin menu for %s not set: %s", admin_id, e)
    await asyncio.to_thread(services.newsroom.release_previous_claims)  # after a crash
    follower = Follower(services.newsroom)
    follower.start()
    app.bot_data[FOLLOWER] = follower
    schedule_ticks(app, seconds=app.bot_data["tick_seconds"])
    schedule_feed_polls(app, seconds=app.bot_data["tick_seconds"])
    schedule_clean_up(app, seconds=CLEAN_UP_SECONDS, keep=app.bot_data[RETENTION])


async def on_stop(app: TalksApp) -> None:
    """Stop following the store, and hand the scheduled work to another process sharing it
    at once (the jobs have stopped: nothing of this process's is under way)."""
    services: Services = app.bot_data["services"]
    follower: Follower | None = app.bot_data.pop(FOLLOWER, None)
    if follower is not None:
        await asyncio.to_thread(follower.stop)
    await asyncio.to_thread(services.newsroom.resign)
