"""Logging, configured once by the CLI."""

from __future__ import annotations

import asyncio
import logging
import sys


def configure(level: str) -> None:
    logging.basicConfig(
        level=level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs every Bot API request (token in the URL) at INFO
    logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.getLogger().level))
    # Alembic logs two lines each time a store is opened, and one per revision applied; the
    # store's own line says what an upgrade did (knowledge.storage.migrate)
    logging.getLogger("alembic").setLevel(max(logging.WARNING, logging.getLogger().level))
    # APScheduler logs two lines per run of every job ("Running job", "executed successfully"):
    # eight a minute saying nothing; the jobs log what their rounds did (handlers.delivery)
    logging.getLogger("apscheduler.executors").setLevel(
        max(logging.WARNING, logging.getLogger().level)
    )
    # A tick that finds the last round still sending (a long digest round, or a busy machine)
    # is skipped, as it should be: the round's own line says what it did, one warning per
    # skipped tick would only be noise
    logging.getLogger("apscheduler.scheduler").addFilter(_not_a_tick_still_running)
    # A tick still running when the bot stops is cancelled by APScheduler's shutdown, which
    # logs that as an error with a traceback: on a clean stop, one line at INFO says it
    # (what a cancelled round had claimed is released at the next start). A filter acts only
    # on records of its own logger, so it goes on the executor's, not its parent's.
    logging.getLogger("apscheduler.executors.default").addFilter(_cancelled_at_shutdown)
    # The limiter only paces (max_retries=0): a RetryAfter it passes on is the Sender's to retry
    # and log, not the error with a traceback PTB reports for it
    logging.getLogger("telegram.ext.AIORateLimiter").addFilter(_not_a_handed_on_retry)
    # A 409 Conflict while polling is one line of ours (handlers.errors), then a stop: the last
    # getUpdates PTB makes on its way out conflicts too, and its traceback would add nothing
    logging.getLogger("telegram.ext.Updater").addFilter(_not_a_conflict)


def _not_a_tick_still_running(record: logging.LogRecord) -> bool:
    return "maximum number of running instances reached" not in record.getMessage()


def _cancelled_at_shutdown(record: logging.LogRecord) -> bool:
    error = record.exc_info[1] if record.exc_info else None
    if isinstance(error, asyncio.CancelledError):
        record.levelno, record.levelname = logging.INFO, logging.getLevelName(logging.INFO)
        job = record.args[0] if isinstance(record.args, tuple) and record.args else "?"
        record.msg, record.args = "job %s cancelled at shutdown", (getattr(job, "name", job),)
        record.exc_info, record.exc_text = None, None
        return logging.getLogger().isEnabledFor(logging.INFO)
    return True


def _not_a_handed_on_retry(record: logging.LogRecord) -> bool:
    return not str(record.msg).startswith("Rate limit hit after maximum of")


def _not_a_conflict(record: logging.LogRecord) -> bool:
    from telegram.error import Conflict  # only the bot's commands log through PTB

    error = record.exc_info[1] if record.exc_info else None
    return not isinstance(error, Conflict)
