"""A question "about this article" (a digest's button): the article as the previous turn.

The engine resolves a follow-up against the previous answer (``Engine.answer(context=...)``): a
pronoun stands for that answer's focus entities, and a question naming nobody leans on its fact.
So an article becomes context as an answer whose fact is the article's lead and whose focus is
its most mentioned person, place and organisation: "what did he say?" after the button asks about
the article's main person, "when is the vote?" leans on its lead.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from knowledge.models import Answer, Article, Entity, Fact, ScoredFact

# one focus per kind of thing a pronoun can stand for (he/she, there, they/it)
_KINDS = (frozenset({"PERSON"}), frozenset({"GPE", "LOC", "FAC"}), frozenset({"ORG", "NORP"}))


def article_context(
    article: Article,
    facts: Sequence[Fact],
    summary: Sequence[Fact],
    entities: Mapping[int, Entity],
) -> Answer:
    """The context for questions about ``article``: its summary as the answer's facts (the lead
    first), its most mentioned entity of each kind as the focus."""
    shown = list(summary) or sorted(facts, key=lambda f: f.position)[:1]
    counts = Counter(e for f in facts for e in set(f.entity_ids) if e in entities)
    focus: list[int] = []
    for labels in _KINDS:
        ranked = [e for e, _ in counts.most_common() if entities[e].label in labels]
        focus.extend(ranked[:1])
    return Answer(
        question=f"About article #{article.id}",
        answered=bool(shown),
        short=None,
        facts=tuple(ScoredFact(f, 1.0) for f in shown),
        confidence=1.0,
        reply=article.title,
        articles={article.id: article},
        focus_entity_ids=tuple(focus),
    )
