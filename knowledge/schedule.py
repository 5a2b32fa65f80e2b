"""When a subscriber's next digest is due, pure: clock times, IANA zones and DST.

Times are stored in UTC; a subscriber's wish is a local clock time plus an IANA zone. The next due
time is computed from those with ``zoneinfo`` so that it stays at the same local time across DST
changes: a time that does not exist on a spring-forward day moves forward by the gap, and a time
that exists twice on a fall-back day is taken the first time (``fold=0``) only.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from knowledge.errors import KnowledgeError

Mode = Literal["daily", "instant"]

_TIME = re.compile(r"^([01]?\d|2[0-3])[:.h]([0-5]\d)$")


class ScheduleError(KnowledgeError):
    """A digest time or timezone that cannot be used."""


def parse_time(text: str) -> dt.time:
    """ "8:30", "08:30", "20.15", "7h05" → a clock time."""
    m = _TIME.match(text.strip())
    if not m:
        raise ScheduleError(f"{text!r} is not a time: write it as HH:MM, e.g. 08:30.")
    return dt.time(int(m.group(1)), int(m.group(2)))


def parse_zone(text: str) -> ZoneInfo:
    """An IANA timezone such as Europe/Berlin; case-insensitive, "UTC" included."""
    name = text.strip()
    if not name or ".." in name or name.startswith("/"):
        raise ScheduleError(f"{text!r} is not a timezone.")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        pass
    by_lower = {z.lower(): z for z in available_timezones()}
    if name.lower() in by_lower:
        return ZoneInfo(by_lower[name.lower()])
    raise ScheduleError(
        f"I don't know the timezone {text!r}: use an IANA name such as Europe/London "
        "or America/New_York."
    )


def parse_subscription(
    args: str, *, default_time: dt.time, default_tz: str
) -> tuple[Mode, dt.time, str]:
    """ "[HH:MM] [Area/City]" or "instant" → (mode, time, zone name); words in any order."""
    mode: Mode = "daily"
    at, zone = default_time, default_tz
    for word in args.split():
        if word.lower() in {"instant", "now", "live"}:
            mode = "instant"
        elif word[:1].isdigit():
            at = parse_time(word)
        else:
            zone = parse_zone(word).key
    return mode, at, zone


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
