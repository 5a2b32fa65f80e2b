"""Reaching Telegram before the bot starts, as a service should.

A token Telegram refuses is a mistake of the person starting the bot: it gets one line saying so
and what to do, and the exit status 2, before spaCy is loaded. An unreachable Telegram (no network
yet, a proxy down, Telegram's own trouble) is waited for: ``getMe`` is tried again with a doubling
pause, one log line per failed attempt, until it answers or SIGINT/SIGTERM stops the wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import signal
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlsplit

from telegram import Bot
from telegram.error import InvalidToken, NetworkError, RetryAfter, TelegramError

from bot.config import Settings

log = logging.getLogger(__name__)

T = TypeVar("T")

BAD_TOKEN = (
    "Telegram refused the bot token (TALKS_BOT_TOKEN): it is mistyped or was revoked. "
    "Copy the token @BotFather gives for your bot (/mybots → API Token) into TALKS_BOT_TOKEN."
)


@dataclass(frozen=True, slots=True)
class Halt:
    """Why the bot does not start: the exit status and what to tell the person (None when a
    stop signal ended the wait; nothing went wrong)."""

    status: int
    message: str | None = None


class _Stopped(Exception):
    pass


def reach_telegram(settings: Settings) -> Halt | None:
    """Ask Telegram who the bot is until it answers: None then, else why not to start."""
    return asyncio.run(_reach(settings))


async def _reach(settings: Settings) -> Halt | None:
    assert settings.bot_token is not None  # checked by run_problem
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM)
    for sig in signals:
        loop.add_signal_handler(sig, stop.set)
    bot = Bot(
        settings.bot_token.get_secret_value(),
        base_url=settings.bot_api_base_url,
        base_file_url=settings.bot_api_file_url,
    )
    host = urlsplit(settings.bot_api_base_url).netloc or settings.bot_api_base_url
    pause = settings.connect_retry_seconds
    attempt = 0
    try:
        while True:
            attempt += 1
            try:
                await _unless(stop, bot.initialize())  # getMe
            except InvalidToken:
                return Halt(2, BAD_TOKEN)
            except RetryAfter as e:  # Telegram asks for a pause of its choosing
                after = e.retry_after
                wait = after.total_seconds() if isinstance(after, dt.timedelta) else after
                why = "flood control"
            except NetworkError as e:  # refused, timed out, DNS, 5xx: all worth another try
                wait, why = pause, str(e) or type(e).__name__
                pause = min(pause * 2, settings.connect_retry_max_seconds)
            except TelegramError as e:  # an answer that another try will not change
                return Halt(1, f"Telegram answered getMe with an error: {e}")
            else:
                if attempt > 1:
                    log.info("reached Telegram after %d attempts", attempt)
                return None
            log.warning(
                "Telegram is unreachable at %s (attempt %d: %s); trying again in %g s",
                host,
                attempt,
                why,
                wait,
            )
            await _unless(stop, asyncio.sleep(wait))
    except _Stopped:
        log.info("stopped while waiting for Telegram")
        return Halt(0)
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)
        await bot.shutdown()


async def _unless(stop: asyncio.Event, work: Awaitable[T]) -> T:
    """``work``'s result, or ``_Stopped`` as soon as ``stop`` is set (``work`` is cancelled)."""
    task = asyncio.ensure_future(work)
    stopping = asyncio.ensure_future(stop.wait())
    await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):  # it was given up
            await task
        raise _Stopped
    return task.result()
