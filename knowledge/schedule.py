"""When a subscriber's next digest is due, pure: clock times, IANA zones and DST.

Times are stored in UTC; a subscriber's wish is a local clock time plus an IANA zone. The next due
time is computed from those with ``zoneinfo`` so that it stays at the same local time across DST
changes: a time that does not exist on a spring-forward day moves forward by the gap, and a time
that exists twice on a fall-back day is taken the first time (``fold=0``) only.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Literal, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from knowledge.errors import KnowledgeError
from knowledge.places import OFFSET, Place, resolve_place, suggest_places

Mode = Literal["daily", "instant"]

_TIME = re.compile(r"^([01]?\d|2[0-3])[:.h]([0-5]\d)$")


class ScheduleError(KnowledgeError):
    """A digest time or timezone that cannot be used."""


NOT_HH_MM = "{text} is not a time: write it as HH:MM, e.g. 08:30."
NOT_A_CLOCK = "{text} is not a time: write it as 8am, 7:30pm or 20:00."


def parse_time(text: str) -> dt.time:
    """ "8:30", "08:30", "20.15", "7h05" → a clock time."""
    m = _TIME.match(text.strip())
    if not m:
        raise ScheduleError(NOT_HH_MM, text=repr(text))
    return dt.time(int(m.group(1)), int(m.group(2)))


def parse_zone(text: str) -> ZoneInfo:
    """An IANA timezone such as Europe/Berlin; case-insensitive, "UTC" included."""
    name = text.strip()
    if not name or ".." in name or name.startswith("/"):
        raise ScheduleError("{text} is not a timezone.", text=repr(text))
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        pass
    by_lower = {z.lower(): z for z in available_timezones()}
    if name.lower() in by_lower:
        return ZoneInfo(by_lower[name.lower()])
    raise ScheduleError(
        "I don't know the timezone {text}: use an IANA name such as Europe/London "
        "or America/New_York.",
        text=repr(text),
    )


class UnknownPlaceError(ScheduleError):
    """A place neither the zone keys nor GeoNames know; ``suggestions`` are the nearest names,
    ``wish`` what the rest of the request said (so a suggestion can complete it)."""

    def __init__(self, text: str, suggestions: Sequence[Place], wish: Wish) -> None:
        super().__init__("I don't know the place {text}.", text=repr(text))
        self.text = text
        self.suggestions = tuple(suggestions)
        self.wish = wish


class Wish(NamedTuple):
    """What a /subscribe asked for: the mode, the local clock time, the IANA zone, and the place
    as the user named it ("London"; None where no place was said and none was known)."""

    mode: Mode
    at: dt.time
    zone: str
    place: str | None = None


# 8am, 8 a.m., 7:30pm, 20:00, 20.00, 7h05, 7h, a bare hour (9), noon, midnight
_CLOCK = re.compile(
    r"""(?<![\w:.+\-])(?:
        (?P<h12>\d{1,2})(?:[:.](?P<m12>\d{2}))?\s*(?P<ap>[ap])\.?\s?m\b\.?
      | (?P<h24>\d{1,2})(?:[:.h](?P<m24>\d{2})|h)(?![\w:.])
      | (?P<hour>\d{1,2})(?![\w:.])
      | (?P<word>noon|midday|midnight)\b
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_INSTANT = frozenset({"instant", "instantly", "now", "live"})
_FILLER = frozenset({"at", "in", "every", "each", "day", "daily", "time", "o'clock", "oclock"})


def parse_clock(text: str) -> dt.time:
    """A clock time as people write it, 12- or 24-hour: "8am", "7:30 pm", "20:00", "7h05", "9",
    "noon"."""
    m = _CLOCK.fullmatch(text.strip())
    if m is None:
        raise ScheduleError(NOT_A_CLOCK, text=repr(text))
    return _clock(m)


def _clock(m: re.Match[str]) -> dt.time:
    said = m.group(0).strip()
    if m["word"]:
        return dt.time(0) if m["word"].lower() == "midnight" else dt.time(12)
    if m["h12"]:
        hour, minute = int(m["h12"]), int(m["m12"] or 0)
        if not 1 <= hour <= 12 or minute > 59:
            raise ScheduleError(
                "{text} is not a time: a 12-hour clock goes from 1 to 12.", text=repr(said)
            )
        pm = m["ap"].lower() == "p"
        return dt.time(hour % 12 + (12 if pm else 0), minute)
    hour, minute = int(m["h24"] or m["hour"]), int(m["m24"] or 0)
    if hour > 23 or minute > 59:
        raise ScheduleError(NOT_HH_MM, text=repr(said))
    return dt.time(hour, minute)


def parse_subscription(
    args: str,
    *,
    default_time: dt.time,
    default_tz: str,
    default_place: str | None = None,
) -> Wish:
    """ "8am London", "7:30 Paris", "20:00 New York", "tokyo 9", "08:30 Europe/Berlin",
    "instant" → a ``Wish``; parts in any order, each optional (the defaults fill in: the
    caller's current time and zone). A place is a city or an IANA zone key
    (``knowledge.places``); one nobody knows raises ``UnknownPlaceError`` with suggestions."""
    times = list(_CLOCK.finditer(args))
    if len(times) > 1:
        raise ScheduleError("Give one time, e.g. 8am or 20:00.")
    at = _clock(times[0]) if times else default_time
    rest = args[: times[0].start()] + " " + args[times[0].end() :] if times else args
    mode: Mode = "daily"
    words: list[str] = []
    for word in rest.replace(",", " ").split():
        if word.lower() in _INSTANT:
            mode = "instant"
        elif any(c.isdigit() for c in word) and "/" not in word and not OFFSET.match(word):
            raise ScheduleError(NOT_A_CLOCK, text=repr(word))
        elif word.lower() not in _FILLER:
            words.append(word)
    if not words:
        return Wish(mode, at, parse_zone(default_tz).key, default_place)
    said = " ".join(words)
    place = resolve_place(said)
    if place is None:
        wish = Wish(mode, at, parse_zone(default_tz).key, default_place)
        raise UnknownPlaceError(said, suggest_places(said), wish)
    return Wish(mode, at, place.zone, place.name)


_PAUSE = re.compile(
    r"^(?P<n>\d{1,3})\s*(?P<unit>h|hrs?|hours?|d|days?|w|wks?|weeks?|mo|months?)$", re.IGNORECASE
)
_UNIT_HOURS = {"h": 1, "d": 24, "w": 24 * 7, "m": 24 * 30}
MAX_PAUSE = dt.timedelta(days=365)


def parse_pause(text: str) -> dt.timedelta | None:
    """ "7d", "2w", "12h", "1 month" → how long; "" → None (until resumed)."""
    said = text.strip()
    if not said:
        return None
    m = _PAUSE.match(said)
    if m is None:
        raise ScheduleError(
            "{text} is not a length of time: write it as 7d, 2w or 12h.", text=repr(said)
        )
    hours = int(m["n"]) * _UNIT_HOURS[m["unit"][0].lower()]
    length = dt.timedelta(hours=hours)
    if not dt.timedelta(hours=1) <= length <= MAX_PAUSE:
        raise ScheduleError("A pause lasts from an hour to a year.")
    return length


def local_day(moment: dt.datetime, zone: str, *, now: dt.datetime) -> str:
    """When ``moment`` falls as the user says it in ``zone``: "today", "tomorrow", or
    "Mon 14 Dec" (with the year when it is not this one)."""
    tz = parse_zone(zone)
    day, today = moment.astimezone(tz).date(), now.astimezone(tz).date()
    if day == today:
        return "today"
    if day == today + dt.timedelta(days=1):
        return "tomorrow"
    shown = f"{day:%a} {day.day} {day:%b}"
    return shown if day.year == today.year else f"{shown} {day.year}"


def next_due(at: dt.time, zone: ZoneInfo, *, after: dt.datetime) -> dt.datetime:
    """The first moment strictly after ``after`` when the local clock in ``zone`` shows ``at``,
    in UTC."""
    if after.tzinfo is None:
        raise ValueError("after must be timezone-aware")
    local_day = after.astimezone(zone).date()
    for offset in range(3):  # today, tomorrow, or (past a gap at midnight) the day after
        day = local_day + dt.timedelta(days=offset)
        candidate = dt.datetime.combine(day, at, tzinfo=zone).astimezone(dt.UTC)
        if candidate > after:
            return candidate
    raise AssertionError("unreachable: a local time recurs within three days")
