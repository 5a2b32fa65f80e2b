"""What the CLI's logging keeps: the bot's own lines, not libraries' chatter."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from pathlib import Path

import pytest
from spacy.language import Language

from bot.logs import configure
from tests.botkit import Clock, make_template, running_bot, settings_for
from tests.conftest import DATA
from tests.fake_bot_api import FakeBotApi

START = dt.datetime(2026, 3, 1, 6, 0, tzinfo=dt.UTC)


def test_a_retry_after_handed_on_by_the_limiter_is_not_logged_as_an_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    configure("INFO")
    limiter = logging.getLogger("telegram.ext.AIORateLimiter")
    with caplog.at_level(logging.INFO):
        limiter.error("Rate limit hit after maximum of %d retries", 0)
        limiter.error("something else went wrong")
        logging.getLogger("alembic.runtime.migration").info("Context impl SQLiteImpl.")
    assert [r.getMessage() for r in caplog.records] == ["something else went wrong"]


def test_a_tick_skipped_while_the_last_round_still_sends_is_not_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    configure("INFO")
    scheduler = logging.getLogger("apscheduler.scheduler")
    with caplog.at_level(logging.INFO):
        scheduler.warning(
            'Execution of job "%s" skipped: maximum number of running instances reached (%d)',
            "digest-tick",
            1,
        )
        scheduler.warning("Run time of job %r was missed by %s", "feed-poll", "0:00:02")
    assert [r.getMessage() for r in caplog.records] == [
        "Run time of job 'feed-poll' was missed by 0:00:02"
    ]


async def test_a_job_cancelled_at_shutdown_is_one_info_line_not_an_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A real AsyncIOScheduler (PTB's JobQueue runs on one) shut down while a job runs: it
    cancels the job, and the line it logs says so at INFO, without a traceback."""
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    configure("INFO")
    started = asyncio.Event()

    async def long_round() -> None:
        started.set()
        await asyncio.sleep(30)

    async def failing_round() -> None:
        raise ValueError("a real failure")

    scheduler = AsyncIOScheduler(timezone=dt.UTC)
    scheduler.add_job(long_round, name="digest-tick")
    scheduler.add_job(failing_round, name="feed-poll")
    with caplog.at_level(logging.INFO):
        scheduler.start()
        await asyncio.wait_for(started.wait(), 5)
        await asyncio.sleep(0.1)  # the failing job has run and been logged
        scheduler.shutdown(wait=False)
        await asyncio.sleep(0.1)  # the cancelled job's done-callback logs
    executor = [r for r in caplog.records if r.name == "apscheduler.executors.default"]
    errors = [
        (r.getMessage().split(" (")[0], r.exc_info[0] if r.exc_info else None)
        for r in executor
        if r.levelno >= logging.ERROR
    ]
    assert errors == [('Job "feed-poll', ValueError)], "a real failure still is an error"
    cancelled = [r for r in executor if r.getMessage() == "job digest-tick cancelled at shutdown"]
    assert len(cancelled) == 1
    assert cancelled[0].levelno == logging.INFO
    assert cancelled[0].exc_info is None


async def quiet_for(caplog: pytest.LogCaptureFixture, seconds: float) -> list[str]:
    """What was logged during ``seconds`` of ticks (one every 0.2 s)."""
    before = len(caplog.records)
    await asyncio.sleep(seconds)
    return [f"{r.name}: {r.getMessage()}" for r in caplog.records[before:]]


async def test_ticks_log_what_a_digest_round_did_and_nothing_when_idle(
    nlp: Language, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """At INFO, as ``talks-bot run`` logs: no APScheduler line per run of a job, one line per
    digest round that sent or failed something, nothing for the idle ticks around it."""
    clock = Clock(START)
    db = make_template(nlp, tmp_path / "talks.db", clock)
    configure("INFO")
    async with FakeBotApi() as fake:
        settings = settings_for(fake, db, send_attempts=1)
        with caplog.at_level(logging.INFO):
            async with running_bot(settings, nlp, clock) as (_, newsroom):
                for chat in (5001, 5002, 5003):
                    newsroom.subscribe(chat, mode="daily", at=dt.time(6, 30), timezone="UTC")
                newsroom.load_text((DATA / "harbour_council.txt").read_text())
                fake.block(5003)
                await asyncio.sleep(0.5)  # started: the scheduler says so once
                assert await quiet_for(caplog, 1.5) == [], "idle ticks say nothing"
                beat = newsroom.store.get_meta("heartbeat")
                clock.advance(hours=1)  # 07:00: the three digests are due
                async with asyncio.timeout(10):
                    while not rounds(caplog):  # noqa: ASYNC110 - polling the log
                        await asyncio.sleep(0.05)
                await asyncio.sleep(0.3)
                assert await quiet_for(caplog, 1.5) == [], "nor do the ones after"
                assert newsroom.store.get_meta("heartbeat") != beat, "the ticks ran meanwhile"
    assert rounds(caplog) == ["digest round: 2 sent, 1 failed, 0 left"]
    # (A tick still running when the bot stops is cancelled, one INFO line (the test above):
    # on a loaded machine one can be; that is not a line per run.)
    scheduler = [
        r.getMessage()
        for r in caplog.records
        if r.name.startswith("apscheduler.executors")
        and r.levelno < logging.WARNING
        and not r.getMessage().endswith("cancelled at shutdown")
    ]
    assert scheduler == [], "no 'Running job' / 'executed successfully' lines"


def rounds(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith("digest round")]
