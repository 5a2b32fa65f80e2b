"""Every process's index follows the store: a thread that waits for another process's write
(PostgreSQL's NOTIFY, or a second's pause on SQLite) and has the newsroom catch up with it.
Loads, replacements and removals through any replica (or ``talks-bot load`` on a shared
SQLite file) are answered by every replica within a second or two."""

from __future__ import annotations

import logging
import threading

from knowledge import Newsroom

log = logging.getLogger(__name__)


class Follower:
    """Runs ``newsroom.catch_up`` whenever the store may have changed, until ``stop``."""

    def __init__(self, newsroom: Newsroom, *, every: float = 1.0) -> None:
        self.newsroom = newsroom
        self.every = every  # the longest wait between two version checks
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="index-follower", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self.every + 5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.newsroom.wait_for_changes(self.every)
                if not self._stop.is_set():
                    self.newsroom.catch_up()
            except Exception:  # the store away a moment: try again, never stop following
                log.exception("following the store's changes failed; trying again")
                self._stop.wait(self.every)
