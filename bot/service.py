"""``talks-bot run``: the bot as a long-running service."""

from __future__ import annotations

import secrets

from telegram import Update

from bot.app import build_application, build_services
from bot.config import Settings
from handlers.errors import EXIT_STATUS
from knowledge import Newsroom


def run_problem(settings: Settings, *, webhook: bool) -> str | None:
    """Why the bot cannot start with these settings, or None."""
    if settings.bot_token is None or not settings.bot_token.get_secret_value().strip():
        return "TALKS_BOT_TOKEN is not set: get a token from @BotFather and set it."
    if webhook and not settings.webhook_url:
        return "--webhook needs TALKS_WEBHOOK_URL, the public https URL Telegram posts to."
    if webhook and not settings.webhook_secret and settings.database_url.startswith("postgres"):
        # Each replica would tell Telegram a random secret of its own, and refuse the updates
        # sent with the last one told: every replica but one would drop its share.
        return (
            "--webhook on a shared (PostgreSQL) store needs TALKS_WEBHOOK_SECRET: every replica "
            "must check the same secret token."
        )
    return None


def serve(newsroom: Newsroom, settings: Settings, *, webhook: bool) -> int:
    """Run until SIGINT/SIGTERM (PTB stops polling, the jobs and the application cleanly);
    the exit status: 0, or 2 when Telegram said another process polls with the token."""
    app = build_application(settings, build_services(settings, newsroom))
    if webhook:
        assert settings.webhook_url is not None  # checked by run_problem
        path = settings.webhook_path.strip("/")
        secret = (
            settings.webhook_secret.get_secret_value()
            if settings.webhook_secret
            else secrets.token_urlsafe(32)
        )
        app.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path=path,
            webhook_url=f"{settings.webhook_url.rstrip('/')}/{path}",
            secret_token=secret,  # PTB refuses updates without Telegram's secret-token header
            allowed_updates=Update.ALL_TYPES,
            bootstrap_retries=-1,  # Telegram answered a moment ago (bot.connect): a blip
        )
    else:
        app.run_polling(allowed_updates=Update.ALL_TYPES, bootstrap_retries=-1)
    status: int = app.bot_data.get(EXIT_STATUS, 0)
    return status
