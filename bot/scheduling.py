"""Digest scheduling: one repeating job that sends whatever the store says is due.

Per-subscriber jobs would have to be rebuilt from the store at every start and kept in step with
it; one tick over the store's due times cannot lose or duplicate a job, and it catches up on
digests missed while the bot was down at its first run.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from handlers.context import TalksApp, TalksContext
from handlers.delivery import tick
from handlers.feeds import poll_feeds

TICK_JOB = "digest-tick"
FEED_JOB = "feed-poll"
CLEAN_UP_JOB = "clean-up"
RETENTION = "retention"  # in bot_data: how long the question log and send records are kept

log = logging.getLogger(__name__)


def schedule_ticks(app: TalksApp, *, seconds: float) -> None:
    """Run ``tick`` now and every ``seconds``; never two at once, never a backlog of runs."""
    _repeat(app, tick, TICK_JOB, seconds, first=0.5)


def schedule_feed_polls(app: TalksApp, *, seconds: float) -> None:
    """Look for feeds that are due every ``seconds`` (each feed has its own interval)."""
    _repeat(app, poll_feeds, FEED_JOB, seconds, first=1.0)


def schedule_clean_up(app: TalksApp, *, seconds: float, keep: dt.timedelta) -> None:
    """Forget old questions and send records every ``seconds`` (in the process that leads)."""
    app.bot_data[RETENTION] = keep
    _repeat(app, clean_up, CLEAN_UP_JOB, seconds, first=60.0)


async def clean_up(context: TalksContext) -> None:
    """The retention job: the question log and digest send records past the retention."""
    newsroom = context.services.newsroom
    if not await asyncio.to_thread(newsroom.leads):
        return
    keep: dt.timedelta = context.bot_data[RETENTION]
    gone = await asyncio.to_thread(newsroom.clean_up, keep=keep)
    if any(gone.values()):
        log.info("clean-up: %s", ", ".join(f"{n} {table}" for table, n in gone.items()))


def _repeat(
    app: TalksApp,
    callback: Callable[[TalksContext], Coroutine[Any, Any, None]],
    name: str,
    seconds: float,
    *,
    first: float,
) -> None:
    if app.job_queue is None:
        raise RuntimeError("python-telegram-bot was installed without the job-queue extra")
    for job in app.job_queue.get_jobs_by_name(name):  # replace, never duplicate
        job.schedule_removal()
    app.job_queue.run_repeating(
        callback,
        interval=seconds,
        first=first,
        name=name,
        job_kwargs={
            "max_instances": 1,  # a long fan-out is not joined by a second tick
            "coalesce": True,  # ticks missed meanwhile run once, not many times
            "misfire_grace_time": max(1, int(seconds)),  # a late tick still runs
        },
    )
