"""/stats' chart: the per-day counts from the store (in a zone, empty days as zeros), the PNG drawn
from them, and the photo the real bot sends an admin through the fake Bot API."""

from __future__ import annotations

import datetime as dt
import io
import struct
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from matplotlib.image import imread
from spacy.language import Language

from handlers import chart, i18n
from knowledge import Activity, Newsroom, ScheduleError, Window
from knowledge.storage.journal import Journal
from tests.botkit import ADMIN, USER, Clock, running_bot, settings_for
from tests.conftest import FIXED_NOW, make_newsroom
from tests.fake_bot_api import FakeBotApi, image_size
from tests.test_bot import ask, buttons, message_id

PNG = b"\x89PNG\r\n\x1a\n"
UTC = dt.UTC


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


@pytest.fixture(scope="module")
def logged(nlp: Language, tmp_path_factory: pytest.TempPathFactory) -> Newsroom:
    """An empty store (at ``FIXED_NOW``, 2026-11-24 12:00 UTC) with questions logged at known
    moments, two of them near midnight so that UTC and Berlin (UTC+1) put them on other days."""
    newsroom = make_newsroom(nlp, tmp_path_factory.mktemp("log") / "talks.db", seed=False)
    journal = Journal(newsroom.store)

    def log(when: dt.datetime, *, answered: bool, feedback: int | None = None) -> None:
        qid = journal.log(
            chat_id=USER, user_id=USER, text="q", answered=answered, confidence=0.5, now=when
        )
        if feedback is not None:
            journal.feedback(qid, feedback, chat_id=USER)

    log(at(2026, 11, 24, 10, 0), answered=True, feedback=1)
    log(at(2026, 11, 23, 23, 30), answered=False)  # Berlin: the 24th, 00:30
    log(at(2026, 11, 22, 12, 0), answered=True, feedback=-1)
    log(at(2026, 11, 22, 13, 0), answered=True)
    log(at(2026, 10, 25, 23, 30), answered=False)  # UTC: a day too old; Berlin: the 26th
    log(at(2026, 9, 1, 12, 0), answered=True)  # long before the 30 days
    return newsroom


def by_day(activity: Activity) -> dict[dt.date, Window]:
    """The days that have something."""
    return {d: w for d, w in zip(activity.days, activity.counts, strict=True) if w != Window()}


def test_activity_counts_each_day_in_utc(logged: Newsroom) -> None:
    activity = logged.activity(days=30, zone="UTC")
    assert activity.zone == "UTC"
    assert len(activity.days) == len(activity.counts) == 30
    assert activity.days[0] == dt.date(2026, 10, 26)
    assert activity.days[-1] == FIXED_NOW.date()
    assert all(
        b - a == dt.timedelta(days=1)
        for a, b in zip(activity.days, activity.days[1:], strict=False)
    )
    assert by_day(activity) == {
        dt.date(2026, 11, 22): Window(answered=2, thumbs_down=1),
        dt.date(2026, 11, 23): Window(declined=1),
        dt.date(2026, 11, 24): Window(answered=1, thumbs_up=1),
    }


def test_activity_counts_each_day_in_the_admins_zone(logged: Newsroom) -> None:
    activity = logged.activity(days=30, zone="europe/berlin")
    assert activity.zone == "Europe/Berlin"
    assert by_day(activity) == {
        dt.date(2026, 10, 26): Window(declined=1),
        dt.date(2026, 11, 22): Window(answered=2, thumbs_down=1),
        dt.date(2026, 11, 24): Window(answered=1, declined=1, thumbs_up=1),
    }
    week = logged.activity(days=7, zone="UTC")
    assert week.days[0] == dt.date(2026, 11, 18)
    assert sum(w.answered for w in week.counts) == 3
    with pytest.raises(ScheduleError):
        logged.activity(zone="Mars/Olympus")


def month(answered: list[int]) -> Activity:
    days = tuple(dt.date(2026, 3, 1) + dt.timedelta(days=i) for i in range(len(answered)))
    counts = tuple(
        Window(answered=a, declined=i % 3, thumbs_up=i % 2, thumbs_down=int(i % 4 == 0))
        for i, a in enumerate(answered)
    )
    return Activity("Asia/Tokyo", days, counts)


def pixels_of(png: bytes, colour: str) -> int:
    """How many pixels of the PNG are ``colour`` (#rrggbb): the legend's swatches, and bars."""
    rgb = (imread(io.BytesIO(png), format="png")[..., :3] * 255).round().astype(int)
    want = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
    return int((rgb == want).all(axis=-1).sum())


def test_the_chart_is_a_png_of_the_days_it_is_given() -> None:
    busy = month([i % 5 for i in range(30)])
    png = chart.activity_png(busy)
    assert png.startswith(PNG)
    assert image_size(png) == (800, 480)
    assert 5_000 < len(png) < 200_000

    quiet = chart.activity_png(Activity(busy.zone, busy.days, (Window(),) * 30))
    assert image_size(quiet) == (800, 480)
    swatch = pixels_of(quiet, chart.ANSWERED)  # the legend's alone
    assert 0 < swatch < 500
    assert pixels_of(png, chart.ANSWERED) > swatch + 2_000
    assert pixels_of(png, chart.THUMBS_DOWN) > pixels_of(quiet, chart.THUMBS_DOWN) + 100

    figure = chart.activity_figure(busy)
    questions, feedback = figure.axes
    answered_bars, declined_bars = questions.containers
    assert [bar.get_height() for bar in answered_bars] == [w.answered for w in busy.counts]
    assert [bar.get_height() for bar in declined_bars] == [w.declined for w in busy.counts]
    assert [bar.get_height() for bar in feedback.containers[1]] == [
        -w.thumbs_down for w in busy.counts
    ]
    assert "Asia/Tokyo" in questions.get_title()
    assert "Asia/Tokyo" in feedback.get_xlabel()
    assert "Asia/Tokyo" in chart.caption(busy)


def test_the_chart_speaks_the_admins_language() -> None:
    busy = month([i % 5 for i in range(30)])
    figure = chart.activity_figure(busy, tr=i18n.translator("ru"))
    questions, feedback = figure.axes
    assert questions.get_title() == "Вопросы по дням за последние 30 дней (время Asia/Tokyo)"
    legend = [t.get_text() for t in questions.get_legend().get_texts()]
    assert legend == ["с ответом (60)", "без ответа (30)"]
    assert feedback.get_ylabel() == "оценки"
    days = [t.get_text() for t in feedback.get_xticklabels()]
    assert days[0] == "1 мар.", "the day first, as Russian writes it"
    english = chart.activity_figure(busy).axes[1]
    assert english.get_ylabel() == "feedback"
    assert english.get_xticklabels()[0].get_text() == "Mar 1"
    assert chart.activity_png(busy, tr=i18n.translator("ru")).startswith(PNG)


async def test_stats_sends_an_admin_the_chart_in_their_zone(
    fake: FakeBotApi, db: Path, nlp: Language, clock: Clock
) -> None:
    async with running_bot(settings_for(fake, db), nlp, clock) as (_, newsroom):
        answered = await ask(fake, USER, "who is de mistura?")
        up = next(d for d in buttons(answered) if d.startswith("fb:") and d.endswith(":1"))
        await fake.user_presses(USER, message_id(answered), up)
        await fake.next_call("answerCallbackQuery")
        await ask(fake, USER, "what is the population of Peru?")
        await ask(fake, ADMIN, "/subscribe 07:30 Europe/Berlin")

        text = await ask(fake, ADMIN, "/stats")
        assert "answered 1 / 1" in text.params["text"]
        photo = await fake.next_call("sendPhoto", chat_id=ADMIN, ok=True, timeout=30)
        assert "Europe/Berlin" in photo.params["caption"]
        png = photo.params["photo"].content
        assert png.startswith(PNG)
        assert image_size(png) == (800, 480)

        shown = newsroom.activity(zone="Europe/Berlin")
        empty = chart.activity_png(Activity(shown.zone, shown.days, (Window(),) * 30))
        for colour in (chart.ANSWERED, chart.DECLINED, chart.THUMBS_UP):
            assert pixels_of(png, colour) > pixels_of(empty, colour) + 50, colour
        assert pixels_of(png, chart.THUMBS_DOWN) == pixels_of(empty, chart.THUMBS_DOWN)
        assert shown.days[-1] == clock.now.astimezone(ZoneInfo("Europe/Berlin")).date()
        assert shown.counts[-1] == Window(answered=1, declined=1, thumbs_up=1)
        assert sum(w.answered + w.declined for w in shown.counts) == 2

        refused = await ask(fake, USER, "/stats")
        assert "only the bot's admins" in refused.params["text"]
        assert fake.calls("sendPhoto", chat_id=USER) == []


def test_image_size_reads_png_headers() -> None:
    """The fake's reader of image sizes, on a header built by hand."""
    ihdr = struct.pack(">II", 3, 2) + bytes([8, 2, 0, 0, 0])
    assert image_size(PNG + struct.pack(">I", 13) + b"IHDR" + ihdr) == (3, 2)
    assert image_size(b"GIF89a") is None
