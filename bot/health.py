"""``talks-bot health``: whether the bot's scheduler ran lately (Docker's and systemd's check).
Reads the store without opening it: no Telegram, no spaCy, no migration."""

from __future__ import annotations

import datetime as dt
from typing import TextIO

from knowledge import last_heartbeat

HEALTHY_WITHIN = dt.timedelta(minutes=3)


def health(database_url: str, out: TextIO) -> int:
    """0 when the store opens and the digest tick ran within three minutes."""
    beat = last_heartbeat(database_url)
    if beat is None:
        print("unhealthy: the scheduler has not run yet", file=out)
        return 1
    age = dt.datetime.now(dt.UTC) - beat
    if age > HEALTHY_WITHIN:
        print(f"unhealthy: the scheduler last ran {age} ago", file=out)
        return 1
    print(f"ok: the scheduler ran {int(age.total_seconds())} s ago", file=out)
    return 0
