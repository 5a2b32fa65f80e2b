"""Locks between processes that share one store.

On PostgreSQL they are advisory locks: session-level, held by a connection of their own, so
the server frees them the moment the process holding them dies (its connection closes). SQLite
has one writer at a time already (``BEGIN IMMEDIATE``), and one process per file is what it is
for: there these locks are always granted.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

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
