"""Digest summaries and key facts, on articles read and extracted by the real pipeline (spaCy)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge import Newsroom
from knowledge.digests.summary import FEATURES, features, key_facts, summarise
from knowledge.models import Article, Fact

from .conftest import DATA

SHORT = """Bridge reopens in Port Ellery

The old swing bridge over the Ellery river reopened to traffic on Monday after eight months of
repairs costing 3 million euros. Council engineers said the bridge would be inspected again in the
spring before the summer tourist season begins.
"""

CAPTIONED = """Mayor Ingrid Halvorsen

Port Ellery will spend 2 million euros on new street lights, the council decided on Tuesday.
The lights will use a third of the power of the old ones, the council's engineer Anna Berg said.
Work will start in January and take about six months, she added.
The council expects to save about 150,000 euros a year on electricity.
Residents of the old town have asked for warmer light colours near their homes.
"""


def _load(newsroom: Newsroom, text: str) -> tuple[Article, list[Fact]]:
    article = newsroom.load_text(text)
    return article, newsroom.facts_of(article.id)


@pytest.fixture(scope="module")
def harbour(seeded_newsroom: Newsroom) -> tuple[Article, list[Fact]]:
    return _load(seeded_newsroom, (DATA / "harbour_council.txt").read_text("utf-8"))


def _check_summary(summary: Sequence[Fact], facts: Sequence[Fact], *, asked: int) -> None:
    assert 1 <= len(summary) <= asked
    assert all(f in facts for f in summary)
    positions = [f.position for f in summary]
    assert positions == sorted(positions)
    assert len({f.text for f in summary}) == len(summary)


@pytest.mark.parametrize("sentences", [2, 3])
def test_harbour_summary_opens_with_the_lead_in_article_order(
    harbour: tuple[Article, list[Fact]], sentences: int
) -> None:
    article, facts = harbour
    summary = summarise(facts, sentences=sentences, title=article.title)
    _check_summary(summary, facts, asked=sentences)
    assert len(summary) == sentences
    assert summary[0].text.startswith("Councillors in Port Ellery voted on Thursday")


def test_summary_without_lead_still_picks_central_sentences(
    harbour: tuple[Article, list[Fact]],
) -> None:
    article, facts = harbour
    summary = summarise(facts, title=article.title, lead=False)
    _check_summary(summary, facts, asked=3)
    assert len(summary) == 3
    # The closing line ("Work on the site is due to begin next month") is about nothing else.
    assert facts[-1] not in summary


def test_seed_summary_never_holds_the_caption(seeded_newsroom: Newsroom) -> None:
    seed = seeded_newsroom.articles()[0]
    facts = seeded_newsroom.facts_of(seed.id)
    assert seed.caption == "Russian President Vladimir Putin"
    summary = summarise(facts, title=seed.title)
    _check_summary(summary, facts, asked=3)
    assert len(summary) == 3
    assert all(seed.caption not in f.text for f in summary)
    assert summary[0].text.startswith("A new round of talks will be convened")


def test_caption_line_of_a_new_article_is_not_summarised(seeded_newsroom: Newsroom) -> None:
    article, facts = _load(seeded_newsroom, CAPTIONED)
    assert article.caption == "Mayor Ingrid Halvorsen"
    summary = summarise(facts, title=article.title)
    _check_summary(summary, facts, asked=3)
    assert summary[0].text.startswith("Port Ellery will spend 2 million euros")
    assert all(f.text != article.caption for f in summary + key_facts(facts, summary=summary))


def test_short_article_gives_all_its_sentences(seeded_newsroom: Newsroom) -> None:
    article, facts = _load(seeded_newsroom, SHORT)
    assert len(facts) == 2
    summary = summarise(facts, sentences=3, title=article.title)
    assert summary == facts
    assert key_facts(facts, seeded_newsroom.index.entities, summary=summary) == []


def test_fragments_are_left_out(harbour: tuple[Article, list[Fact]]) -> None:
    article, facts = harbour
    dateline = _fact(-1, "(Reuters) —", (), ())
    subheading = _fact(99, "The vote", ("vote",), ())
    summary = summarise([dateline, *facts, subheading], title=article.title)
    assert summary[0] == facts[0]
    assert dateline not in summary
    assert subheading not in summary
    assert subheading not in key_facts([dateline, *facts, subheading], summary=summary, limit=9)


def test_no_facts_no_summary() -> None:
    assert summarise([]) == []
    assert key_facts([]) == []
    assert features([]).shape == (0, len(FEATURES))


def test_key_facts_add_what_the_summary_does_not_say(
    seeded_newsroom: Newsroom, harbour: tuple[Article, list[Fact]]
) -> None:
    article, facts = harbour
    summary = summarise(facts, title=article.title)
    keys = key_facts(facts, seeded_newsroom.index.entities, summary=summary, limit=2)
    assert 1 <= len(keys) <= 2
    assert not set(keys) & set(summary)
    assert [f.position for f in keys] == sorted(f.position for f in keys)
    # The cost is the article's one money amount: a fact a reader should not miss.
    everything = key_facts(facts, seeded_newsroom.index.entities, summary=summary, limit=5)
    assert any("45 million euros" in f.text for f in everything)
    assert not set(everything) & set(summary)


def _fact(i: int, text: str, terms: tuple[str, ...], entity_ids: tuple[int, ...]) -> Fact:
    return Fact(
        id=100 + i,
        article_id=1,
        position=i,
        paragraph=i,
        text=text,
        terms=terms,
        spans=(),
        entity_ids=entity_ids,
    )


_WORDS = st.sampled_from(["port", "ferry", "council", "vote", "mayor", "jobs", "court", "euro"])
_FACT = st.tuples(
    st.lists(_WORDS, min_size=1, max_size=12),
    st.lists(st.integers(1, 4), max_size=3),
)


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(_FACT, max_size=12),
    sentences=st.integers(1, 4),
    lead=st.booleans(),
    limit=st.integers(0, 4),
)
def test_summary_and_key_facts_properties(
    rows: list[tuple[list[str], list[int]]], sentences: int, lead: bool, limit: int
) -> None:
    facts = [
        _fact(i, " ".join(ws).capitalize() + ".", tuple(ws), tuple(dict.fromkeys(es)))
        for i, (ws, es) in enumerate(rows)
    ]
    summary = summarise(list(reversed(facts)), sentences=sentences, lead=lead)
    # Fragments (under five words) only when there is nothing else.
    full = [f for f in facts if len(f.text.split()) >= 5] or facts
    assert len(summary) == min(sentences, len({f.text for f in full}))
    assert all(f in full for f in summary)
    assert [f.position for f in summary] == sorted(f.position for f in summary)
    assert len({f.text for f in summary}) == len(summary)
    if lead and facts:
        assert summary[0] == full[0]
    keys = key_facts(facts, summary=summary, limit=limit)
    assert len(keys) <= limit
    assert all(len(f.text.split()) >= 5 for f in keys)
    assert not {f.text for f in keys} & {f.text for f in summary}
    assert len({f.text for f in keys}) == len(keys)
    assert [f.position for f in keys] == sorted(f.position for f in keys)
