"""Locks between processes that share one store.

On PostgreSQL they are advisory locks: session-level, held by a connection of their own, so
the server frees them the moment the process holding them dies (its connection closes). SQLite
has one writer at a time already (``BEGIN IMMEDIATE``), and one process per file is what it is
for: there these locks are always granted.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from knowledge.errors import StoreBusyError

log = logging.getLogger(__name__)

# Advisory lock keys: one bigint namespace per database, shared with whatever else uses it, so
# ours start from "talk" in ASCII to keep clear of small numbers.
_BASE = 0x74616C6B_00000000
MIGRATION_LOCK = _BASE + 1  # schema upgrades, re-extraction, the seed: one process at a time
LEADER_LOCK = _BASE + 2  # the process that runs the scheduled work (``Leadership``)

_POLL_SECONDS = 0.2


def _try_lock(conn: Connection, key: int) -> bool:
    return bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())


@contextmanager
def exclusive(engine: Engine, key: int, *, what: str, wait: float = 120.0) -> Iterator[None]:
    """Hold the lock ``key`` while the block runs, waiting up to ``wait`` seconds for another
    process to let it go (saying so once, in the log, naming ``what`` is waited for);
    ``StoreBusyError`` after that. Always granted on SQLite."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT")
        if not _try_lock(conn, key):
            log.warning(
                "another process holds the store's lock for %s: waiting up to %.0f s", what, wait
            )
            deadline = time.monotonic() + wait
            while not _try_lock(conn, key):
                if time.monotonic() > deadline:
                    raise StoreBusyError(
                        f"Another process has held the store's lock for {what} for over "
                        f"{wait:.0f} s (PostgreSQL advisory lock {key}). Let it finish (or stop "
                        "it), then start again."
                    )
                time.sleep(_POLL_SECONDS)
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})


class Leadership:
    """Which of the processes sharing a store runs the scheduled work (digests, notices, feed
    polls, clean-up): the one holding ``LEADER_LOCK`` on a connection kept for it alone. When
    that process dies its connection closes and the server frees the lock; the next ``check``
    of another process takes it. On SQLite the one process leads.

    ``check`` is cheap (one ``SELECT 1`` while leading) and thread-safe: the scheduler's jobs
    call it before each run."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._conn: Connection | None = None
        self._lock = threading.Lock()

    def check(self) -> bool:
        """Whether this process leads now, taking the lead when nobody has it."""
        if self.engine.dialect.name != "postgresql":
            return True
        with self._lock:
            if self._conn is not None:
                try:
                    self._conn.execute(text("SELECT 1"))
                    return True
                except DBAPIError as e:
                    log.warning(
                        "no longer leading the scheduled work: its connection broke (%s)", e
                    )
                    self._close()
            return self._take()

    def _take(self) -> bool:
        try:
            conn = self.engine.connect()
        except DBAPIError as e:
            log.warning("cannot reach the store to ask who leads (%s)", e)
            return False
        try:
            conn.execution_options(isolation_level="AUTOCOMMIT")
            if _try_lock(conn, LEADER_LOCK):
                self._conn = conn
                log.info("this process leads the scheduled work now")
                return True
        except DBAPIError as e:
            log.warning("cannot reach the store to ask who leads (%s)", e)
        conn.close()
        return False

    def resign(self) -> None:
        """Let another process lead (at shutdown; a dead process's lead goes by itself)."""
        with self._lock:
            if self._conn is not None:
                with suppress(DBAPIError):  # a connection gone took the lock with it
                    self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LEADER_LOCK})
                self._close()

    def _close(self) -> None:
        assert self._conn is not None
        try:
            self._conn.invalidate()  # not back to the pool: a session that held the lock
        finally:
            self._conn = None
