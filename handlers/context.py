"""What every handler can reach: the domain facade and the bot's own settings, typed."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from handlers.alerts import ErrorNotices
from handlers.send import Sender
from knowledge import Newsroom


@dataclass
class Services:
    """Built once by ``bot.app`` and kept in ``bot_data``."""

    newsroom: Newsroom
    admin_ids: frozenset[int]
    default_time: dt.time
    default_tz: str
    sender: Sender = field(default_factory=Sender)
    chat_locks: defaultdict[int, asyncio.Lock] = field(
        default_factory=lambda: defaultdict(asyncio.Lock)
    )
    """One lock per chat, so a scheduled digest and /digest never send the same articles twice."""
    error_notices: ErrorNotices = field(default_factory=ErrorNotices)
    """Where unhandled errors are told (TALKS_ADMIN_CHAT_ID), and how often."""
    replica: str = "bot"  # this process's name among those sharing the store (its heartbeat)

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.admin_ids


class TalksContext(CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """The callback context with a typed ``services`` property (PTB's contexttypesbot pattern)."""

    @property
    def services(self) -> Services:
        services = self.bot_data.get("services")
        if not isinstance(services, Services):
            raise RuntimeError("the application was built without services (see bot.app)")
        return services


TalksApp = Application[
    ExtBot[Any], TalksContext, dict[Any, Any], dict[Any, Any], dict[Any, Any], Any
]
