"""The facade: ``Newsroom`` and what it hands out (``facade``, ``values``), and the loading
chores it runs (``loading``)."""

from knowledge.newsroom.facade import Newsroom, last_heartbeat, open_newsroom
from knowledge.newsroom.values import Asked, Stats, WebOptions, default_clock, fact_ref

__all__ = [
    "Asked",
    "Newsroom",
    "Stats",
    "WebOptions",
    "default_clock",
    "fact_ref",
    "last_heartbeat",
    "open_newsroom",
]
