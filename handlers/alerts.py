"""Unhandled errors told to the admins' chat (``TALKS_ADMIN_CHAT_ID``), a short notice each, at
most one per ``TALKS_ERROR_NOTICE_MINUTES``: a failure that repeats on every update must not
flood the chat (or spend the bot's send rate); the errors held back are counted in the next
notice. The log keeps every traceback; the notice says what and where, so someone looks."""

from __future__ import annotations

import datetime as dt
import traceback
from collections.abc import Callable

from telegram import Update

from handlers import render

MESSAGE_CHARS = 300  # of the exception's message
QUOTED_CHARS = 80  # of the text that was being handled


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class ErrorNotices:
    """Whether an error may be told now: one notice per ``every``, the rest counted."""

    def __init__(
        self,
        chat_id: int | None = None,
        *,
        every: dt.timedelta = dt.timedelta(minutes=10),
        clock: Callable[[], dt.datetime] = _utc_now,
    ) -> None:
        self.chat_id = chat_id
        self.every = every
        self.clock = clock
        self._last: dt.datetime | None = None
        self._held = 0

    def admit(self) -> int | None:
        """The number of errors held back since the last notice when one may be sent now
        (the window starts again); None when this error is only counted."""
        if self.chat_id is None:
            return None
        now = self.clock()
        if self._last is not None and now - self._last < self.every:
            self._held += 1
            return None
        held, self._held, self._last = self._held, 0, now
        return held


def notice_html(error: BaseException | None, update: object, *, held: int) -> str:
    """⚠️ what failed, where in our code, on which update; and how many were held back."""
    if error is None:
        what = "an unknown error"
    else:
        said = render.shorten(str(error).strip(), MESSAGE_CHARS)
        what = f"<code>{render.esc(type(error).__name__)}</code>" + (
            f": {render.esc(said)}" if said else ""
        )
    lines = [f"⚠️ <b>Unhandled error</b>: {what}"]
    frames = traceback.extract_tb(error.__traceback__) if error is not None else []
    if frames:
        last = frames[-1]
        lines.append(f"at <code>{render.esc(_short_path(last.filename))}:{last.lineno}</code>")
    if isinstance(update, Update):
        chat, message = update.effective_chat, update.effective_message
        place = f"chat {chat.id}" if chat is not None else "no chat"
        text = (message.text or message.caption or "") if message is not None else ""
        if update.callback_query is not None:
            text = f"button {update.callback_query.data or ''}"
        quoted = f": “{render.esc(render.shorten(text, QUOTED_CHARS))}”" if text else ""
        lines.append(f"while handling update {update.update_id} in {place}{quoted}")
    elif update is None:
        lines.append("outside any update (a job or the poller)")
    if held:
        lines.append(f"(and {held} more since the last notice; see the log)")
    return "\n".join(lines)


def _short_path(filename: str) -> str:
    """From the package folder on (handlers/admin.py), not the whole install path."""
    parts = filename.replace("\\", "/").split("/")
    for i, part in enumerate(parts):
        if part in {"bot", "handlers", "knowledge", "telegram", "sqlalchemy"}:
            return "/".join(parts[i:])
    return parts[-1]
