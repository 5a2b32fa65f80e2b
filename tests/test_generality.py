"""Generality: text no one on the team wrote, in one store with the seed article.

BBC News articles (read from ../shared at test time, never copied here) and SQuAD v1.1 dev
paragraphs (DEV_ARTICLES only; "SQuAD, Rajpurkar et al., Wikipedia", CC BY-SA 4.0) share one
store with the bundled Xinhua article. Questions about one text must be answered from that text:
SQuAD questions from their paragraph (and with a reference answer in the top fact), the seed's
questions from the seed, a BBC headline turned into a question from that BBC article.

Thresholds sit a little below what the engine measured when this was written (noted at each).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from spacy.language import Language

from knowledge import Newsroom
from knowledge.models import Article
from knowledge.qa.evaluation import normalize_answer, read_items

from .conftest import make_newsroom, shared_path

# Five categories; file numbers picked before looking at the answers.
BBC_FILES = (
    "business/010.txt",
    "entertainment/020.txt",
    "politics/030.txt",
    "sport/020.txt",
    "tech/010.txt",
    "tech/030.txt",
)
# (DEV article, paragraph index): six subjects, two of which the engine finds hard at the time
# of writing (Rhine #2 and Pharmacy #1 lose questions to other articles' sentences).
SQUAD_PARAGRAPHS = (
    ("Warsaw", 1),
    ("Nikola_Tesla", 2),
    ("Oxygen", 3),
    ("Rhine", 2),
    ("Economic_inequality", 2),
    ("Pharmacy", 1),
)


@dataclass(frozen=True)
class SquadText:
    article: Article
    title: str
    index: int
    context: str
    questions: tuple[tuple[str, tuple[str, ...]], ...]  # (question, reference answers)


@dataclass(frozen=True)
class Corpus:
    newsroom: Newsroom
    seed: Article
    bbc: dict[str, tuple[Article, str]]  # file → (article, its headline)
    squad: tuple[SquadText, ...]


def dev_paragraphs(wanted: tuple[tuple[str, int], ...]) -> list[tuple[str, int, dict]]:
    """The wanted paragraphs of SQuAD v1.1 dev; only DEV_ARTICLES (the rest is held out)."""
    squad = shared_path("corpus", "squad")
    dev = set((squad / "DEV_ARTICLES.txt").read_text("utf-8").split())
    assert {t for t, _ in wanted} <= dev, "only DEV_ARTICLES may be used"
    data = json.loads((squad / "dev-v1.1.json").read_text("utf-8"))["data"]
    by_title = {a["title"]: a for a in data if a["title"] in dev}
    return [(t, i, by_title[t]["paragraphs"][i]) for t, i in wanted]


def contains_answer(text: str, answers: tuple[str, ...]) -> bool:
    hay = f" {normalize_answer(text)} "
    return any(f" {normalize_answer(a)} " in hay for a in answers)


@pytest.fixture(scope="module")
def corpus(nlp: Language, tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    bbc_dir = shared_path("corpus", "bbc")
    paragraphs = dev_paragraphs(SQUAD_PARAGRAPHS)
    newsroom = make_newsroom(nlp, tmp_path_factory.mktemp("generality") / "x.db")
    (seed,) = newsroom.articles()
    bbc = {}
    for name in BBC_FILES:
        raw = (bbc_dir / name).read_text("utf-8")
        bbc[name] = (newsroom.load_text(raw, source="BBC News"), raw.splitlines()[0].strip())
    squad = []
    for title, index, p in paragraphs:
        article = newsroom.load_text(p["context"], title=f"{title} #{index}", fmt="txt")
        questions = tuple(
            (q["question"], tuple(a["text"] for a in q["answers"])) for q in p["qas"]
        )
        squad.append(SquadText(article, title, index, p["context"], questions))
    return Corpus(newsroom, seed, bbc, tuple(squad))


def squash(text: str) -> str:
    return " ".join(text.split())


def test_everything_loads_as_its_own_article(corpus: Corpus) -> None:
    articles = corpus.newsroom.articles()
    assert len(articles) == 1 + len(BBC_FILES) + len(SQUAD_PARAGRAPHS)
    bbc_dir = shared_path("corpus", "bbc")
    for name, (article, headline) in corpus.bbc.items():
        assert article.title == headline  # the headline is the title, not a fact
        assert article.fact_count >= 5
        body = squash((bbc_dir / name).read_text("utf-8").split("\n", 1)[1])
        assert all(squash(f.text) in body for f in corpus.newsroom.facts_of(article.id))
    for s in corpus.squad:
        facts = corpus.newsroom.facts_of(s.article.id)
        assert facts
        assert all(squash(f.text) in squash(s.context) for f in facts)


def test_squad_questions_are_answered_from_their_paragraph(corpus: Corpus) -> None:
    right_article, with_answer, misses = 0, 0, []
    total = sum(len(s.questions) for s in corpus.squad)
    for s in corpus.squad:
        for question, answers in s.questions:
            a = corpus.newsroom.answer(question)
            top = a.facts[0].fact if a.facts else None
            here = top is not None and top.article_id == s.article.id
            right_article += here
            if here and top is not None and contains_answer(top.text, answers):
                with_answer += 1
            else:
                misses.append(f"{s.title} #{s.index}: {question!r} -> {top and top.text[:60]!r}")
    # measured: 43 / 46 from the right paragraph, 38 / 46 with a reference answer in the top fact
    assert right_article >= 0.85 * total, misses
    assert with_answer >= 0.75 * total, misses


def test_seed_questions_stay_with_the_seed(corpus: Corpus) -> None:
    items = [i for i in read_items(shared_path("eval", "dev_questions.jsonl")) if i.answers]
    assert len(items) >= 10
    elsewhere = []
    for item in items:
        a = corpus.newsroom.answer(item.question)
        if not a.facts or a.facts[0].fact.article_id != corpus.seed.id:
            elsewhere.append(item.question)
    # measured: none of the 15 answerable questions drawn to another article
    assert len(elsewhere) <= 1, elsewhere


def test_a_bbc_headline_asked_back_finds_its_article(corpus: Corpus) -> None:
    found, misses = 0, []
    for name, (article, headline) in corpus.bbc.items():
        a = corpus.newsroom.answer(f"What about {headline}?")
        if a.facts and a.facts[0].fact.article_id == article.id:
            found += 1
        else:
            misses.append(name)
    # measured: all six
    assert found >= len(BBC_FILES) - 1, misses


def test_name_variants_that_normalise_alike_load(nlp: Language, tmp_path: Path) -> None:
    """'Amazônia', 'Amazonía' and 'Amazonia' are three entities to spaCy and one name to the
    store (as are 'Charles V' / 'Charles V,'): loading once failed on a duplicate alias row."""
    ((_, _, p),) = dev_paragraphs((("Amazon_rainforest", 0),))
    newsroom = make_newsroom(nlp, tmp_path / "x.db", seed=False)
    article = newsroom.load_text(p["context"], title="Amazon rainforest #0", fmt="txt")
    assert article.fact_count >= 3
