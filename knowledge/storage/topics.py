"""Where a group's digests go in a forum: the topic it last subscribed in (none: the chat
itself, or its General topic)."""

from __future__ import annotations

from knowledge.storage.schema import TopicRow
from knowledge.storage.store import Store


class Topics:
    """One row per forum group that subscribed in a topic; each method one transaction."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def set(self, chat_id: int, thread_id: int | None) -> None:
        """The topic the chat's digests go to from now on (None: no topic)."""
        with self.store.sessions.begin() as s:
            row = s.get(TopicRow, chat_id)
            if thread_id is None:
                if row is not None:
                    s.delete(row)
            elif row is None:
                s.add(TopicRow(chat_id=chat_id, thread_id=thread_id))
            else:
                row.thread_id = thread_id

    def get(self, chat_id: int) -> int | None:
        with self.store.sessions() as s:
            row = s.get(TopicRow, chat_id)
            return None if row is None else row.thread_id
