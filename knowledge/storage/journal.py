"""The question log: what people asked, whether the bot answered, and their 👍/👎."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import delete, select

from knowledge.storage.schema import QuestionRow
from knowledge.storage.store import Store
from knowledge.text import normalise


@dataclass(frozen=True, slots=True)
class Window:
    """Question counts over one period."""

    answered: int = 0
    declined: int = 0
    thumbs_up: int = 0
    thumbs_down: int = 0


@dataclass(frozen=True, slots=True)
class LoggedQuestion:
    id: int
    chat_id: int
    text: str
    answered: bool


class Journal:
    """Logs questions and feedback; each method is one transaction."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def log(
        self,
        *,
        chat_id: int,
        user_id: int | None,
        text: str,
        answered: bool,
        confidence: float,
        now: dt.datetime,
    ) -> int:
        with self.store.sessions.begin() as s:
            row = QuestionRow(
                chat_id=chat_id,
                user_id=user_id,
                text=text[:1000],
                answered=answered,
                confidence=confidence,
                asked_at=now,
            )
            s.add(row)
            s.flush()
            return row.id

    def question(self, question_id: int) -> LoggedQuestion | None:
        with self.store.sessions.begin() as s:
            row = s.get(QuestionRow, question_id)
            if row is None:
                return None
            return LoggedQuestion(row.id, row.chat_id, row.text, row.answered)

    def feedback(self, question_id: int, value: int, *, chat_id: int) -> bool:
        """Record 👍 (+1) or 👎 (-1) on a question asked in that chat; the last press counts."""
        if value not in (1, -1):
            raise ValueError("feedback is +1 or -1")
        with self.store.sessions.begin() as s:
            row = s.get(QuestionRow, question_id)
            if row is None or row.chat_id != chat_id:
                return False
            row.feedback = value
            return True

    def window(self, since: dt.datetime) -> Window:
        with self.store.sessions.begin() as s:
            rows = s.execute(
                select(QuestionRow.answered, QuestionRow.feedback).where(
                    QuestionRow.asked_at >= since
                )
            ).all()
        return _count([(a, f) for a, f in rows])

    def by_day(
        self, since: dt.datetime, until: dt.datetime, zone: dt.tzinfo
    ) -> dict[dt.date, Window]:
        """Questions asked in [since, until) counted per calendar day in ``zone``; a day with
        none is absent. 👍/👎 count on the day of the question (a press has no time of its own).

        Grouped here rather than in SQL: day boundaries in a zone with DST are not something
        SQLite and PostgreSQL compute alike, and a month of questions is a small read."""
        with self.store.sessions.begin() as s:
            rows = s.execute(
                select(QuestionRow.asked_at, QuestionRow.answered, QuestionRow.feedback).where(
                    QuestionRow.asked_at >= since, QuestionRow.asked_at < until
                )
            ).all()
        days: dict[dt.date, list[tuple[bool, int | None]]] = {}
        for asked_at, answered, feedback in rows:
            days.setdefault(asked_at.astimezone(zone).date(), []).append((answered, feedback))
        return {day: _count(marks) for day, marks in days.items()}

    def top_unanswered(self, since: dt.datetime, *, limit: int = 5) -> list[tuple[str, int]]:
        """The most frequent declined questions (the same words count as one question)."""
        with self.store.sessions.begin() as s:
            texts = s.scalars(
                select(QuestionRow.text).where(
                    QuestionRow.asked_at >= since, QuestionRow.answered.is_(False)
                )
            ).all()
        counts: Counter[str] = Counter()
        shown: dict[str, str] = {}
        for text in texts:
            key = normalise(text)
            if not key:
                continue
            counts[key] += 1
            shown.setdefault(key, text.strip())
        return [(shown[k], n) for k, n in counts.most_common(limit)]

    def prune(self, before: dt.datetime) -> int:
        """Forget the questions asked before a moment (their buttons then say so); how many."""
        with self.store.sessions.begin() as s:
            result = s.execute(delete(QuestionRow).where(QuestionRow.asked_at < before))
            return int(result.rowcount)  # type: ignore[attr-defined]


def _count(marks: list[tuple[bool, int | None]]) -> Window:
    """(answered, feedback) pairs → their counts."""
    return Window(
        answered=sum(1 for a, _ in marks if a),
        declined=sum(1 for a, _ in marks if not a),
        thumbs_up=sum(1 for _, f in marks if f == 1),
        thumbs_down=sum(1 for _, f in marks if f == -1),
    )
