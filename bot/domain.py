"""The domain half of the composition root: the newsroom the settings describe. No Telegram
here: ``talks-bot ask`` or ``load`` builds a newsroom without importing the bot's libraries."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from bot.config import Settings
from knowledge import WebOptions, no_progress, open_newsroom

if TYPE_CHECKING:
    from knowledge import Newsroom, Progress


def newsroom_options(settings: Settings) -> dict[str, Any]:
    """The newsroom's keyword arguments the settings decide: fetch limits, feed interval and
    the question limit, and whether the learned reader answers."""
    web = WebOptions(
        allow_hosts=settings.fetch_allow_hosts,
        timeout=settings.fetch_timeout_seconds,
        max_bytes=settings.fetch_max_bytes,
        max_redirects=settings.fetch_max_redirects,
    )
    return {
        "web": web,
        "feed_interval": dt.timedelta(minutes=settings.feed_poll_minutes),
        "max_question_chars": settings.max_question_chars,
        "reader": settings.reader,
        "claim_lease": dt.timedelta(seconds=settings.claim_seconds),
        "name": settings.replica_name,
    }


def build_newsroom(
    settings: Settings,
    database_url: str,
    *,
    model: str,
    seed: bool,
    progress: Progress = no_progress,
) -> Newsroom:
    """The domain facade over a store, with the settings' fetch limits, feed interval and
    question limit; ``progress`` shows a stale store's re-extraction."""
    return open_newsroom(
        database_url, model=model, seed=seed, progress=progress, **newsroom_options(settings)
    )
