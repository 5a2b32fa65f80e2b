"""Running the real bot against the fake Bot API: settings, a movable clock, start and stop."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from spacy.language import Language

from bot.app import build_application, build_services, on_startup, on_stop
from bot.config import Settings
from bot.domain import newsroom_options
from handlers.context import TalksApp
from knowledge import Newsroom
from knowledge.storage.store import Store
from tests.fake_bot_api import FakeBotApi

ADMIN = 7001
USER = 1001


# The bot tests' "now": a Sunday, 06:00 UTC (07:00 in Berlin, 15:00 in Tokyo).
START = dt.datetime(2026, 3, 1, 6, 0, tzinfo=dt.UTC)


class Clock:
    """A clock the tests move by hand; the knowledge base and the digests read it. Like a real
    clock it never shows the same instant twice (each reading is a millisecond on)."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        self.now += dt.timedelta(milliseconds=1)
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


def settings_for(fake: FakeBotApi, db: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "bot_token": fake.token,
        "bot_api_base_url": fake.base_url,
        "bot_api_file_url": fake.base_file_url,
        "database_url": f"sqlite:///{db}",
        "admin_ids": frozenset({ADMIN}),
        "digest_tick_seconds": 0.2,
        "send_backoff_seconds": 0.05,
        # Telegram's pace in one chat (a second) would make each exchange a second long:
        # tests/test_send_pace.py checks the pace itself
        "send_chat_interval_seconds": 0.05,
        "default_tz": "UTC",
        "digest_time": "08:00",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def seeded_copy(template: Path, target: Path) -> Path:
    """A fresh copy of a seeded store (seeding runs spaCy over the article: do it once)."""
    shutil.copy(template, target)
    return target


def make_template(nlp: Language, path: Path, clock: Clock) -> Path:
    newsroom = Newsroom(Store(f"sqlite:///{path}"), nlp, clock=clock)
    newsroom.store.engine.dispose()  # checkpoints the WAL into the file we copy
    return path


@asynccontextmanager
async def running_bot(
    settings: Settings, nlp: Language, clock: Clock
) -> AsyncIterator[tuple[TalksApp, Newsroom]]:
    """The real Application polling the fake server; stopped in reverse order."""
    newsroom = Newsroom(
        Store(settings.database_url), nlp, clock=clock, seed=False, **newsroom_options(settings)
    )
    app = build_application(settings, build_services(settings, newsroom))
    async with app:
        await on_startup(app)  # post_init runs only under run_polling
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            yield app, newsroom
        finally:
            await app.updater.stop()
            await app.stop()
            await on_stop(app)  # post_stop runs only under run_polling too
    newsroom.store.close()
