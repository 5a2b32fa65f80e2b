"""``talks-bot health``: whether this bot process serves and the scheduled work runs (Docker's
and systemd's check). Reads the store without opening it: no Telegram, no spaCy, no migration.

A bot process ticks once its index is built and it serves updates; of the processes sharing a
store, the one that leads also runs the scheduled work (digests, feeds). Healthy: the store
opens, this process (``TALKS_REPLICA_NAME``, the host name by default) ticked lately, and so did
the leader, whichever it is."""

from __future__ import annotations

import datetime as dt
from typing import TextIO

from knowledge import last_heartbeat

HEALTHY_WITHIN = dt.timedelta(minutes=3)


def health(database_url: str, out: TextIO, *, replica: str | None = None) -> int:
    """0 when the store opens, the leader's tick ran within three minutes, and so did this
    process's (``replica``: its name; None checks the leader alone)."""
    beat = last_heartbeat(database_url)
    if beat is None:
        print("unhealthy: the scheduler has not run yet", file=out)
        return 1
    now = dt.datetime.now(dt.UTC)
    if now - beat > HEALTHY_WITHIN:
        print(f"unhealthy: the scheduler last ran {now - beat} ago", file=out)
        return 1
    if replica is not None:
        mine = last_heartbeat(database_url, replica=replica)
        if mine is None or now - mine > HEALTHY_WITHIN:
            when = "never" if mine is None else f"{now - mine} ago"
            print(
                f"unhealthy: this bot process ({replica}) last ticked {when}: not started, "
                "still building its index, or stuck",
                file=out,
            )
            return 1
    print(f"ok: the scheduler ran {int((now - beat).total_seconds())} s ago", file=out)
    return 0
