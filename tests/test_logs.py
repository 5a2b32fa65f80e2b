"""What the CLI's logging keeps: the bot's own lines, not libraries' chatter."""

from __future__ import annotations

import logging

import pytest

from bot.logs import configure


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
