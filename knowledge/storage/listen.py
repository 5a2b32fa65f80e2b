"""Hearing of other processes' writes: PostgreSQL's LISTEN on a connection kept for it; SQLite
has no notifications, and a listener there only waits (the caller then checks the version)."""

from __future__ import annotations

import logging
import time
from typing import Any

from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)


class ChangeListener:
    """Waits for a NOTIFY on ``channel`` (PostgreSQL) or for the timeout (SQLite)."""

    def __init__(self, engine: Engine, channel: str) -> None:
        self.engine = engine
        self.channel = channel
        self._raw: Any = None  # the pooled DBAPI connection, kept for LISTEN

    def wait(self, timeout: float) -> bool:
        """True as soon as a change is announced; False after ``timeout`` s without one. A lost
        connection is opened again at the next wait (True then: something may have been
        missed meanwhile)."""
        if self.engine.dialect.name != "postgresql":
            time.sleep(timeout)
            return False
        fresh = self._raw is None
        if fresh:
            self._listen()
        try:
            heard = False
            for _ in self._raw.driver_connection.notifies(timeout=timeout, stop_after=1):
                heard = True
            return heard or fresh
        except Exception as e:  # psycopg's OperationalError: the server or network went away
            log.warning("listening for store changes failed (%s); listening again", e)
            self.close()
            time.sleep(min(timeout, 1.0))
            return True

    def _listen(self) -> None:
        raw = self.engine.raw_connection()
        conn = raw.driver_connection
        assert conn is not None
        conn.autocommit = True
        conn.execute(f'LISTEN "{self.channel}"')
        self._raw = raw

    def close(self) -> None:
        if self._raw is not None:
            raw, self._raw = self._raw, None
            try:
                raw.invalidate()  # not back to the pool: it is LISTENing
            except Exception:  # already broken: nothing left to close
                log.debug("closing the listener's connection", exc_info=True)
