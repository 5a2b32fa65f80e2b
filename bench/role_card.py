"""The card against the reader for the questions the engine once answered with an entity's card
before reading anything: "what is X's job / role / title" (``Engine._role_of``) and "who is X?"
/ "what is X?" (``Question.card`` with a question word). Every such unseen written question
(``news_questions.unseen_questions``), asked of its fold's store (as
``fit_confidence.written``), answered by the card, by the reader past the card, and by the
engine as shipped. Both kinds are read now (the rules, ``TALKS_READER=off``, keep the card);
"who is X?" keeps the card's shape and, where the reader reads X's name, its answer
(bench/README.md, "A job asked of the reader").

    PYTHONPATH=.:bench .venv/bin/python bench/role_card.py     # ~2 min
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from news_questions import load_articles, news_fold, unseen_questions
from squad import scratch_newsroom, shared_missing

from knowledge import DEFAULT_MODEL
from knowledge.errors import QuestionError
from knowledge.models import Answer
from knowledge.nlp.pipeline import load_pipeline
from knowledge.qa.evaluation import token_f1

# which card, the question, its answers, the card's answer, the reader's, the engine's
Row = tuple[str, str, list[str], Answer, Answer, Answer]


def _f1(answer: Answer, answers: list[str]) -> float:
    if not answers or not answer.answered:
        return 0.0
    return max(token_f1(answer.short or "", a) for a in answers)


def read(engine: Any, text: str) -> Answer:
    """The reader's answer to a question, whatever card the engine would answer it with."""
    return engine._reader_answer(text, engine.analyse(text))


def compare(nlp: Any) -> list[Row]:
    """Each question a card would answer, with the card's answer and the reader's."""
    questions = unseen_questions()
    out: list[Row] = []
    for fold in (0, 1):
        mine = [q for q in questions if news_fold(q["article"]) == fold]
        with scratch_newsroom(nlp, prefix="role-", seed=True) as kb:
            loaded = set(load_articles(kb, sorted({q["article"] for q in mine})).values())
            engine = kb.engine
            for item in mine:
                if item["article"] not in loaded:
                    continue
                try:
                    q = engine.analyse(item["q"])
                except QuestionError:
                    continue
                if (person := engine._role_of(q)) is not None:
                    card, kind = engine._card(item["q"], person), "job, role or title"
                elif q.card and q.wh is not None:
                    entity = max(
                        (engine.index.entities[i] for i in q.entity_ids),
                        key=lambda e: engine._weight(e.id),
                    )
                    card = engine._card(item["q"], entity, by_description=q.card_by_description)
                    kind = "who / what is X" + (
                        " (by a description)" if q.card_by_description else ""
                    )
                else:
                    continue
                reader = read(engine, item["q"])
                out.append((kind, item["q"], item["answers"], card, reader, kb.answer(item["q"])))
    return out


def main() -> int:
    if shared_missing():
        return 0
    rows = compare(load_pipeline(DEFAULT_MODEL))
    picks: tuple[tuple[str, Callable[[Row], Answer]], ...] = (
        ("card", lambda r: r[3]),
        ("reader", lambda r: r[4]),
        ("engine", lambda r: r[5]),
    )
    for kind in sorted({r[0] for r in rows}):
        mine = [r for r in rows if r[0] == kind]
        answerable = [r for r in mine if r[2]]
        unanswerable = [r for r in mine if not r[2]]
        print(f"{kind}: {len(mine)} questions ({len(answerable)} answerable)")
        for name, pick in picks:
            f1 = sum(_f1(pick(r), r[2]) for r in answerable) / max(1, len(answerable))
            right = sum(_f1(pick(r), r[2]) >= 0.5 for r in answerable)
            given = sum(pick(r).answered for r in unanswerable)
            print(
                f"  {name}: F1 {f1:.3f}, right {right} of {len(answerable)}; "
                f"answers {given} of {len(unanswerable)} unanswerable"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
