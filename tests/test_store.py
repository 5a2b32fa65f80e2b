"""The store: one transaction per article, duplicates refused, removal complete, entities linked
across articles, the index rebuilt from the store equal to the one updated in place. Every test
runs on both dialects: a SQLite file and a PostgreSQL database (``store_url``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

import pytest
from spacy.language import Language
from sqlalchemy import func, select

from knowledge import Newsroom, fact_ref
from knowledge.errors import DuplicateArticleError, NotAnArticleError, UnknownArticleError
from knowledge.ingest.reading import read_article
from knowledge.models import Article, Entity
from knowledge.nlp.version import EXTRACTOR_VERSION
from knowledge.qa.index import Index
from knowledge.storage.journal import Journal
from knowledge.storage.schema import ArticleRow, EntityRow, FactRow, MentionRow
from knowledge.storage.subscribers import Subscribers

from .conftest import DATA, make_newsroom


@pytest.fixture
def newsroom(dialect_newsroom: Newsroom) -> Newsroom:
    return dialect_newsroom


SECOND = """Ferry operators welcome Port Ellery decision

The mayor of Port Ellery, Ingrid Halvorsen, met ferry operators on Friday to discuss timetables for
the new terminal. Operators said they would add three daily crossings once the terminal opens.
Halvorsen said the town expected more visitors in the summer season and new jobs for local people.
"""


def _counts(newsroom: Newsroom) -> tuple[int, int, int, int]:
    with newsroom.store.sessions() as s:
        return tuple(  # type: ignore[return-value]
            s.scalar(select(func.count()).select_from(t)) or 0
            for t in (ArticleRow, FactRow, EntityRow, MentionRow)
        )


def test_seed_loaded_once_on_first_use(newsroom: Newsroom, nlp: Language) -> None:
    assert [a.source for a in newsroom.articles()] == ["Xinhua"]
    newsroom.remove(1)
    again = make_newsroom(nlp, newsroom.store.url)  # a removed seed is not brought back
    assert again.articles() == []
    again.store.engine.dispose()


def test_duplicate_refused_and_nothing_changes(newsroom: Newsroom) -> None:
    text = (DATA / "harbour_council.txt").read_text()
    newsroom.load_text(text)
    before = _counts(newsroom)
    with pytest.raises(DuplicateArticleError):
        newsroom.load_text(text.replace("\n\n", "\n\n\n"))  # whitespace does not make it new
    assert _counts(newsroom) == before


def test_failed_load_stores_nothing(newsroom: Newsroom) -> None:
    before = _counts(newsroom)
    with pytest.raises(NotAnArticleError):
        newsroom.load_text("not an article")
    assert _counts(newsroom) == before


def test_remove_deletes_facts_mentions_and_orphan_entities(newsroom: Newsroom) -> None:
    before = _counts(newsroom)
    article = newsroom.load_text((DATA / "harbour_council.txt").read_text())
    newsroom.remove(article.id)
    assert _counts(newsroom) == before
    assert not newsroom.find_entities("Ingrid Halvorsen")
    with pytest.raises(UnknownArticleError):
        newsroom.remove(article.id)


def test_entities_link_across_articles(newsroom: Newsroom) -> None:
    newsroom.load_text((DATA / "harbour_council.txt").read_text())
    newsroom.load_text(SECOND)
    mayors = newsroom.find_entities("Ingrid Halvorsen")
    assert len(mayors) == 1
    facts = newsroom.index.entity_facts[mayors[0].id]
    assert len({newsroom.index.facts[f].article_id for f in facts}) == 2


def _tables(index: Index) -> dict[str, object]:
    """What a question can read from an index (empty entries a reader left in a defaultdict do
    not count)."""
    return {
        "facts": index.facts,
        "articles": index.articles,
        "entities": index.entities,
        "postings": {k: v for k, v in index.postings.items() if v},
        "entity_facts": {k: v for k, v in index.entity_facts.items() if v},
        "article_facts": {k: v for k, v in index.article_facts.items() if v},
        "aliases": {k: v for k, v in index.aliases.items() if v},
        "descriptions": {k: v for k, v in index.descriptions.items() if v},
        "vocabulary": index.vocabulary,
        "max_alias_len": index.max_alias_len,
    }


def test_rebuilt_index_matches_incremental(newsroom: Newsroom, nlp: Language) -> None:
    newsroom.load_text((DATA / "harbour_council.txt").read_text())
    reopened = Newsroom(newsroom.store, nlp, seed=False)
    assert _tables(reopened.index) == _tables(newsroom.index)


def test_index_updated_in_place_equals_rebuilt_after_a_removal(
    newsroom: Newsroom, nlp: Language
) -> None:
    first = newsroom.load_text((DATA / "harbour_council.txt").read_text())
    second = newsroom.load_text(SECOND)
    (mayor,) = newsroom.find_entities("Ingrid Halvorsen")
    newsroom.remove(first.id)
    reopened = Newsroom(newsroom.store, nlp, seed=False)
    assert _tables(newsroom.index) == _tables(reopened.index)
    # The mayor stays (the second article names her) with only the second article's facts.
    assert newsroom.find_entities("Ingrid Halvorsen") == [newsroom.index.entities[mayor.id]]
    assert {newsroom.index.facts[f].article_id for f in newsroom.index.entity_facts[mayor.id]} == {
        second.id
    }


def test_a_load_updates_only_the_entities_it_touched(
    newsroom: Newsroom, monkeypatch: pytest.MonkeyPatch
) -> None:
    newsroom.load_text((DATA / "harbour_council.txt").read_text())
    updated: set[int] = set()
    update = Index.update_entities

    def spy(index: Index, ids: Iterable[int], entities: Iterable[Entity]) -> None:
        entities = list(entities)
        updated.update(ids, (e.id for e in entities))
        update(index, ids, entities)

    monkeypatch.setattr(Index, "update_entities", spy)
    article = newsroom.load_text(SECOND)
    named = {eid for f in newsroom.facts_of(article.id) for eid in f.entity_ids}
    assert named <= updated
    assert len(updated) < len(newsroom.index.entities)
    (mayor,) = newsroom.find_entities("Ingrid Halvorsen")  # linked to the first article's entity
    assert mayor.id in updated
    assert newsroom.store.entities([mayor.id]) == [
        mayor
    ]  # as the store now has her, both articles


def test_load_many_stores_each_article_as_load_text_does(
    newsroom: Newsroom, nlp: Language, tmp_path: Path
) -> None:
    texts = [(DATA / "harbour_council.txt").read_text(), SECOND]
    drafts = [read_article(t) for t in texts]
    results = newsroom.load_many([drafts[0], drafts[1], drafts[0]])
    assert [type(r) for r in results[:2]] == [Article, Article]
    assert isinstance(results[2], DuplicateArticleError)
    assert results[2].existing_id == results[0].id
    one_by_one = make_newsroom(nlp, tmp_path / "one.db")  # SQLite: the dialects agree too
    for text in texts:
        one_by_one.load_text(text)
    assert _tables(one_by_one.index) == _tables(newsroom.index)
    assert _tables(Newsroom(newsroom.store, nlp, seed=False).index) == _tables(newsroom.index)


def test_a_new_version_from_the_same_url_replaces_the_article(
    newsroom: Newsroom, nlp: Language
) -> None:
    url = "https://news.example/port-ellery"
    first = newsroom.load_draft(read_article(SECOND, url=url))
    assert newsroom.find_entities("Ingrid Halvorsen")
    before = first.loaded_at - dt.timedelta(seconds=1)
    subscribers = Subscribers(newsroom.store)
    subscribers.subscribe(5, mode="instant", at=dt.time(8), timezone="UTC", now=before)
    subscribers.record_sent(5, [first.id], now=first.loaded_at, advance=False)
    updated = (
        SECOND.replace("Ingrid Halvorsen", "Mona Strand")
        .replace("three daily crossings", "four daily crossings")
        .replace("Halvorsen said", "Strand said")
    )
    second = newsroom.load_draft(read_article(updated, url=url))
    assert second.id == first.id
    assert len(newsroom.articles()) == 2  # the seed and this one, not a copy
    assert any("four daily crossings" in f.text for f in newsroom.facts_of(first.id))
    assert not any("three daily" in f.text for f in newsroom.facts_of(first.id))
    assert newsroom.find_entities("Ingrid Halvorsen") == []  # named only by the old version
    assert newsroom.find_entities("Mona Strand")
    assert subscribers.delivered(5) == {first.id}  # nobody gets it twice
    assert first.id not in subscribers.pending(5)
    reopened = Newsroom(newsroom.store, nlp, seed=False)
    assert _tables(newsroom.index) == _tables(reopened.index)
    with pytest.raises(DuplicateArticleError):
        newsroom.load_draft(read_article(updated, url=url))


def test_a_store_from_an_older_extractor_is_re_extracted_when_opened(
    newsroom: Newsroom, nlp: Language
) -> None:
    second = newsroom.load_draft(read_article(SECOND, url="https://news.example/port-ellery"))
    before = {
        a.id: [(f.text, f.terms) for f in newsroom.facts_of(a.id)] for a in newsroom.articles()
    }
    # What an older extractor left: the version mark and facts indexed under other terms.
    newsroom.store.set_meta("extractor", "1")
    with newsroom.store.session() as s:
        for row in s.scalars(select(FactRow)):
            row.terms = "stale"
    button = fact_ref(newsroom.facts_of(second.id)[2])  # a "Show source" button sent before
    old_ids = {f.id for a in newsroom.articles() for f in newsroom.facts_of(a.id)}
    reopened = Newsroom(newsroom.store, nlp, seed=False)
    assert newsroom.store.get_meta("extractor") == str(EXTRACTOR_VERSION)
    # the facts have new ids, and the button still shows the same sentence
    assert old_ids.isdisjoint(f.id for a in reopened.articles() for f in reopened.facts_of(a.id))
    shown = reopened.fact(button)
    assert shown is not None
    assert shown.text == before[second.id][2][0]
    after = {
        a.id: [(f.text, f.terms) for f in reopened.facts_of(a.id)] for a in reopened.articles()
    }
    assert after == before  # the same facts, indexed as the current extractor indexes them
    assert _tables(Newsroom(newsroom.store, nlp, seed=False).index) == _tables(reopened.index)
    assert reopened.articles()[-1] == newsroom.articles()[-1]  # same id, title and date
    assert reopened.find_entities("Ingrid Halvorsen")
    assert second.id in before


def test_clean_up_forgets_old_questions_and_sends_and_keeps_what_stats_reports(
    newsroom: Newsroom,
) -> None:
    now = newsroom.now()
    journal, subs = Journal(newsroom.store), Subscribers(newsroom.store)
    for age in (dt.timedelta(days=100), dt.timedelta(days=8), dt.timedelta(hours=1)):
        journal.log(chat_id=1, user_id=1, text="q", answered=False, confidence=0, now=now - age)
        subs.record_failed(1, now=now - age, error="e")
    newsroom.heartbeat(replica="gone")
    newsroom.clock = lambda: now + dt.timedelta(days=2)
    newsroom.heartbeat(replica="here")
    newsroom.heartbeat()
    newsroom.clock = lambda: now
    before = newsroom.stats()
    version = newsroom.store.version()
    newsroom.clock = lambda: now + dt.timedelta(days=2)
    assert newsroom.clean_up(keep=dt.timedelta(days=92)) == {
        "questions": 1,
        "digest_sends": 1,
        "store_changes": 0,  # a day's are kept: every replica's index has read them
        "heartbeats": 1,  # a process not heard of for a day
    }
    assert newsroom.store.meta_with_prefix("heartbeat:") == {
        "heartbeat:here": (now + dt.timedelta(days=2)).isoformat()
    }
    newsroom.clock = lambda: now
    # Asked for less than the week /stats reports: a week is kept.
    assert newsroom.clean_up(keep=dt.timedelta(days=1))["questions"] == 1
    after = newsroom.stats()
    assert (after.day, after.week, after.sends_day, after.sends_week) == (
        before.day,
        before.week,
        before.sends_day,
        before.sends_week,
    )
    assert after.week.declined == 1
    assert newsroom.store.version() == version
