"""The language each chat chose for the bot's own texts with /language. Only the choice is
kept: a chat that never chose follows its user's Telegram language, which the bot reads from
each update rather than storing."""

from __future__ import annotations

from knowledge.storage.schema import ChatLanguageRow
from knowledge.storage.store import Store


class ChatLanguages:
    """One row per chat that chose; each method one transaction."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def set(self, chat_id: int, language: str | None) -> None:
        """The chat's language from now on (None: back to the user's Telegram language)."""
        with self.store.sessions.begin() as s:
            row = s.get(ChatLanguageRow, chat_id)
            if language is None:
                if row is not None:
                    s.delete(row)
            elif row is None:
                s.add(ChatLanguageRow(chat_id=chat_id, language=language))
            else:
                row.language = language

    def get(self, chat_id: int) -> str | None:
        with self.store.sessions() as s:
            row = s.get(ChatLanguageRow, chat_id)
            return None if row is None else row.language
