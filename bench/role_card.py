"""The card against the reader for "what is X's job / role / title" questions: every unseen
written question (``fit_confidence.UNSEEN``) that the engine would answer with the person's
description where the rules answer (``Engine._role_of``), asked of its fold's store (as
``fit_confidence.written``) answered by the card and by the reader.

    PYTHONPATH=.:bench .venv/bin/python bench/role_card.py     # ~1 min
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from typing import Any

from fit_confidence import FIXED_NOW, UNSEEN
from news_questions import load_articles, load_questions, news_fold
from squad import shared_missing

from knowledge import DEFAULT_MODEL, Newsroom
from knowledge.errors import QuestionError
from knowledge.models import Answer
from knowledge.nlp.pipeline import load_pipeline
from knowledge.qa.evaluation import token_f1
from knowledge.storage.store import Store


def _f1(answer: Answer, answers: list[str]) -> float:
    if not answers or not answer.answered:
        return 0.0
    return max(token_f1(answer.short or "", a) for a in answers)


Row = tuple[str, list[str], Answer, Answer]  # question, answers, the card's, the reader's


def compare(nlp: Any) -> list[Row]:
    """Each such question with its answers, the card's answer and the reader's."""
    questions = load_questions(UNSEEN)
    out = []
    for fold in (0, 1):
        mine = [q for q in questions if news_fold(q["article"]) == fold]
        with tempfile.TemporaryDirectory(prefix="role-") as tmp:
            kb = Newsroom(Store(f"sqlite:///{tmp}/n.db"), nlp, clock=lambda: FIXED_NOW)
            loaded = set(load_articles(kb, sorted({q["article"] for q in mine})).values())
            engine = kb.engine
            for item in mine:
                if item["article"] not in loaded:
                    continue
                try:
                    q = engine.analyse(item["q"])
                except QuestionError:
                    continue
                person = engine._role_of(q)
                if person is None:
                    continue
                card = engine._card(item["q"], person)
                out.append((item["q"], item["answers"], card, kb.answer(item["q"])))
            kb.store.engine.dispose()
    return out


def main() -> int:
    if shared_missing():
        return 0
    rows = compare(load_pipeline(DEFAULT_MODEL))
    answerable = [r for r in rows if r[1]]
    unanswerable = [r for r in rows if not r[1]]
    n = max(1, len(answerable))
    print(f"{len(rows)} questions ask a person's job, role or title")
    picks: tuple[tuple[str, Callable[[Row], Answer]], ...] = (
        ("card", lambda r: r[2]),
        ("reader", lambda r: r[3]),
    )
    for name, pick in picks:
        f1 = sum(_f1(pick(r), r[1]) for r in answerable) / n
        right = sum(_f1(pick(r), r[1]) >= 0.5 for r in answerable)
        given = sum(pick(r).answered for r in unanswerable)
        print(
            f"{name}: F1 {f1:.3f}, right {right} of {len(answerable)}; "
            f"answers {given} of {len(unanswerable)} unanswerable"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
