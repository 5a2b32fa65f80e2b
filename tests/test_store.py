"""The store: one transaction per article, duplicates refused, removal complete, entities linked
across articles, the index rebuilt from the store equal to the one updated in place."""

from __future__ import annotations

from pathlib import Path

import pytest
from spacy.language import Language
from sqlalchemy import func, select

from knowledge.engine import KnowledgeBase
from knowledge.errors import DuplicateArticleError, NotAnArticleError, UnknownArticleError
from knowledge.store import ArticleRow, EntityRow, FactRow, MentionRow

from .conftest import DATA, make_kb

SECOND = """Ferry operators welcome Port Ellery decision

The mayor of Port Ellery, Ingrid Halvorsen, met ferry operators on Friday to discuss timetables for
the new terminal. Operators said they would add three daily crossings once the terminal opens.
Halvorsen said the town expected more visitors in the summer season and new jobs for local people.
"""


def _counts(kb: KnowledgeBase) -> tuple[int, int, int, int]:
    with kb.store.sessions() as s:
        return tuple(  # type: ignore[return-value]
            s.scalar(select(func.count()).select_from(t)) or 0
            for t in (ArticleRow, FactRow, EntityRow, MentionRow)
        )


def test_seed_loaded_once_on_first_use(nlp: Language, tmp_path: Path) -> None:
    kb = make_kb(nlp, tmp_path / "a.db")
    assert [a.source for a in kb.articles()] == ["Xinhua"]
    kb.remove(1)
    again = make_kb(nlp, tmp_path / "a.db")  # a removed seed is not brought back
    assert again.articles() == []


def test_duplicate_refused_and_nothing_changes(kb: KnowledgeBase) -> None:
    text = (DATA / "harbour_council.txt").read_text()
    kb.load_text(text)
    before = _counts(kb)
    with pytest.raises(DuplicateArticleError):
        kb.load_text(text.replace("\n\n", "\n\n\n"))  # whitespace does not make it new
    assert _counts(kb) == before


def test_failed_load_stores_nothing(kb: KnowledgeBase) -> None:
    before = _counts(kb)
    with pytest.raises(NotAnArticleError):
        kb.load_text("not an article")
    assert _counts(kb) == before


def test_remove_deletes_facts_mentions_and_orphan_entities(kb: KnowledgeBase) -> None:
    before = _counts(kb)
    article = kb.load_text((DATA / "harbour_council.txt").read_text())
    kb.remove(article.id)
    assert _counts(kb) == before
    assert not kb.find_entities("Ingrid Halvorsen")
    with pytest.raises(UnknownArticleError):
        kb.remove(article.id)


def test_entities_link_across_articles(kb: KnowledgeBase) -> None:
    kb.load_text((DATA / "harbour_council.txt").read_text())
    kb.load_text(SECOND)
    mayors = kb.find_entities("Ingrid Halvorsen")
    assert len(mayors) == 1
    facts = kb.index.entity_facts[mayors[0].id]
    assert len({kb.index.facts[f].article_id for f in facts}) == 2


def test_rebuilt_index_matches_incremental(kb: KnowledgeBase, nlp: Language) -> None:
    kb.load_text((DATA / "harbour_council.txt").read_text())
    reopened = KnowledgeBase(kb.store, nlp, seed=False)
    assert reopened.index.facts == kb.index.facts
    assert dict(reopened.index.postings) == {k: v for k, v in kb.index.postings.items() if v}
    assert reopened.index.entities == kb.index.entities
