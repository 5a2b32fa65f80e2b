"""Reading practice from questions written about BBC news (``bench/data/news_questions_*.jsonl``).

SQuAD's questions are about Wikipedia and written with the paragraph in view; people ask a news
bot in their own words, often about what the article does not say. So the reader also trains on
questions written the way our news question sets are (paraphrases, lowercase, typos, quotes,
numbers with units, about a fifth unanswerable), about 732 BBC articles that no question set of
ours asks about (``cloze.practice_articles``, sampled by category). Same format as
``tests/data/bbc_*.jsonl``, checked by ``tests/data/check_questions.py``.

Each answerable question gives the sentence holding its support fragment, labelled with its first
answer there, and that article's other sentence sharing most words with the question (no answer);
each unanswerable one gives the article's two sentences sharing most words with it (no answer).
With ``train_reader.py news --retrieved`` the negatives are instead the article's facts the
engine's retriever ranks highest (``retrieved_facts``; two per answerable question): tried on
the fold models, about as good (bench/README.md), not the shipped reader's training yet.
The rows are in two folds by article (``news_fold``), as SQuAD's are by title: the shipped model
trains on all of them, the fold-N model (``train_reader.py train --fold N``) on the other fold's,
so ``bench/fit_reader.py`` can fit the choice on written questions read by a model that never saw
their article. The SQuAD cross-validation stays by SQuAD article.

    PYTHONPATH=.:bench .venv/bin/python bench/train_reader.py news   # → /tmp/reader-news.jsonl
"""

from __future__ import annotations

import functools
import hashlib
import json
import random
import re
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cloze import body, headline, practice_articles
from reader_training import with_headline, with_neighbours
from renamed import names_of, pool_of
from renamed import swap_row as renamed_row
from squad import ROOT, SHARED

from knowledge.ingest.dedupe import fingerprint, nearest

QUESTIONS = sorted((ROOT / "bench" / "data").glob("news_questions_*.jsonl"))  # every batch
# The batches kept unseen to judge the shipped files (``fit_confidence.py``, ``written_eval.py``)
# and the ones those files were fitted on (the reader's news rows, the reading order, the
# choice): training scripts read ``TRAINING``, so that they reproduce the shipped files.
UNSEEN = sorted((ROOT / "bench" / "data").glob("news_questions_a[f-u].jsonl"))
TRAINING = [p for p in QUESTIONS if p not in UNSEEN]
_WORD = re.compile(r"\w+")


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def near_copies(names: Iterable[str], of: Iterable[str]) -> set[str]:
    """Those of the articles ``names`` (paths under the corpus) whose text nearly repeats one of
    ``of`` (another path): the store's own rule (``knowledge.ingest.dedupe``, containment of
    word 5-grams at least ``THRESHOLD``), which the SHA-1 of a file misses (the BBC set holds
    the same story under two numbers with a byte or a line changed)."""
    mine, others = set(names), sorted(set(of))
    bodies = {name: body(SHARED / "corpus" / name) for name in {*mine, *others}}
    index = {name: k for k, name in enumerate(others)}  # ``nearest`` knows articles by number
    keyed: dict[int, set[int]] = {}
    for name, k in index.items():
        for key in fingerprint(bodies[name]):
            keyed.setdefault(key, set()).add(k)

    def sharing(keys: Sequence[int]) -> set[int]:
        return {k for key in keys for k in keyed.get(key, ())}

    def body_of(k: int) -> str:
        return bodies[others[k]]

    return {
        name
        for name in mine
        if nearest(bodies[name], sharing, body_of, exclude=[index.get(name, -1)])
    }


@functools.cache
def _unseen_copies() -> frozenset[str]:
    """The ``UNSEEN`` questions' articles that nearly repeat one of ``TRAINING`` (once a
    process: ``fit_confidence.py`` asks the unseen questions twice)."""
    unseen = {q["article"] for q in load_questions(UNSEEN)}
    return frozenset(near_copies(unseen, {q["article"] for q in load_questions(TRAINING)}))


def unseen_questions() -> list[dict[str, Any]]:
    """The ``UNSEEN`` questions that judge the shipped files, less those about a near copy of an
    article of ``TRAINING``, which the reader, the order and the choice were fitted on (16 of
    the 462 articles, 224 of 6,468 questions; before 7 December they were judged as unseen)."""
    copies = _unseen_copies()
    return [q for q in load_questions(UNSEEN) if q["article"] not in copies]


def load_questions(paths: list[Path] = QUESTIONS) -> list[dict[str, Any]]:
    """The written questions, less any about an article (or an exact copy of one) that one of
    our evaluation sets asks about: those are never trained on."""
    allowed = {str(p.relative_to(SHARED / "corpus")) for p in practice_articles()}
    rows = [
        json.loads(line)
        for p in paths
        for line in p.read_text("utf-8").splitlines()
        if line.strip()
    ]
    return [r for r in rows if r["article"] in allowed]


def news_fold(article: str) -> int:
    """The article's fold (0 or 1): a stable hash of its path, so adding articles moves none."""
    return int(hashlib.sha1(article.encode("utf-8")).hexdigest(), 16) % 2


def news_rows(
    nlp: Any,
    questions: list[dict[str, Any]],
    retrieved: Mapping[str, list[str]] | None = None,
    negatives: int | None = None,
    *,
    renamed: bool = False,
    neighbours: bool = False,
) -> Iterator[dict[str, Any]]:
    """``train_reader`` rows (gold, negative, impossible) for the written questions. The
    negatives are the article's sentences sharing most words with the question or, given
    ``retrieved`` (``retrieved_facts``), those the engine's retriever ranks highest: up to
    ``negatives`` of them per answerable question (by default 1, or 2 retrieved). With
    ``renamed``, half the answerable questions also give a name swap (``renamed.py``); with
    ``neighbours``, each row holds the sentences either side of its own (before, after)."""
    n = negatives if negatives is not None else 2 if retrieved is not None else 1
    by_article: dict[str, list[dict[str, Any]]] = {}
    for q in questions:
        by_article.setdefault(q["article"], []).append(q)
    articles = sorted(by_article)
    bodies = (body(SHARED / "corpus" / name) for name in articles)
    read: dict[str, list[tuple[str, tuple[tuple[str, str], ...]]]] = {}
    skip = [] if renamed else ["ner"]  # names only for the swaps: no entities, no names
    for name, doc in zip(articles, nlp.pipe(bodies, disable=skip, batch_size=16), strict=True):
        read[name] = [(s.text, names_of(s)) for s in doc.sents if s.text.strip()]
    pool = pool_of(
        (name, *found) for name, sents in read.items() for _, names in sents for found in names
    )
    for name in articles:
        sents = [text for text, _ in read[name]]
        words = [set(_WORD.findall(s.lower())) for s in sents]
        renaming = Renaming(pool, [names for _, names in read[name]]) if renamed else None
        for q in by_article[name]:
            ranked = None if retrieved is None else retrieved.get(_key(q))
            rows = _rows(name, q, sents, words, ranked, negatives=n, renaming=renaming)
            rows = list(with_headline(rows, headline(SHARED / "corpus" / name)))
            yield from with_neighbours(rows, sents) if neighbours else rows


@dataclass(frozen=True, slots=True)
class Renaming:
    """What a name swap (``renamed.py``) of an article's questions draws on: the names of every
    article, and this article's sentences' names, in order."""

    pool: Mapping[str, Sequence[str]]
    names: list[tuple[tuple[str, str], ...]]


def _key(q: dict[str, Any]) -> str:
    return f"{q['article']}#{q['id']}"


def _rows(
    name: str,
    q: dict[str, Any],
    sents: list[str],
    words: list[set[str]],
    retrieved: list[str] | None = None,
    *,
    negatives: int = 1,
    renaming: Renaming | None = None,
) -> Iterator[dict[str, Any]]:
    base = {"article": name, "fold": news_fold(name), "id": q["id"], "question": q["q"]}
    asked = set(_WORD.findall(q["q"].lower()))
    answers: list[str] = q["answers"]
    ranked = sorted(range(len(sents)), key=lambda k: (-len(asked & words[k]), k))
    if not answers:
        texts = retrieved[:2] if retrieved else [sents[k] for k in ranked[:2]]
        for text in texts:
            yield {**base, "text": text, "answer": None, "answers": [], "kind": "impossible"}
        return
    support = _squash(q["support"][0])
    holder = next((k for k, s in enumerate(sents) if support in _squash(s)), None)
    if holder is None:
        return  # a support fragment across two of spaCy's sentences
    text = sents[holder]
    at = _find(text, support, answers[0])
    if at is None:
        return
    span = [at, at + len(answers[0])]
    yield {**base, "text": text, "answer": span, "answers": answers, "kind": "gold"}
    if renaming is not None:
        swap = renamed_row(
            base,
            q["q"],
            text,
            renaming.names[holder],
            answers,
            source=name,
            pool=renaming.pool,
            rng=random.Random(_key(q)),
        )
        if swap is not None:
            yield swap
    lowered = [a.lower() for a in answers]
    others = retrieved if retrieved else [sents[k] for k in ranked]
    hard = [
        t for t in others if support not in _squash(t) and not any(a in t.lower() for a in lowered)
    ]
    for t in hard[:negatives]:
        yield {**base, "text": t, "answer": None, "answers": answers, "kind": "negative"}


def load_articles(kb: Any, names: list[str]) -> dict[int, str]:
    """Load the BBC articles (paths under ``../shared/corpus``) into a newsroom; the stored
    article id → its path. One the store refuses (a copy of one loaded: it tells them apart
    more strictly than a file hash) is reported and left out."""
    from knowledge import decode
    from knowledge.errors import KnowledgeError

    ids: dict[int, str] = {}
    for name in names:
        try:
            article = kb.load_text(decode((SHARED / "corpus" / name).read_bytes()), source=name)
        except KnowledgeError as e:
            print(f"{name}: {e}", file=sys.stderr)
            continue
        ids[article.id] = name
    return ids


def retrieved_facts(nlp: Any, questions: list[dict[str, Any]]) -> dict[str, list[str]]:
    """For each question (by ``_key``), its own article's facts in the order the engine's
    retriever ranks them, from a store holding every article of its fold and the seed, as the
    bot holds many: the passages the reader will read first, so the ones it must learn to pass
    over. Only its own article's: another article's fact may answer it in other words."""
    from knowledge import Newsroom
    from knowledge.errors import QuestionError
    from knowledge.storage.store import Store

    out: dict[str, list[str]] = {}
    for fold in (0, 1):
        mine = [q for q in questions if news_fold(q["article"]) == fold]
        with tempfile.TemporaryDirectory(prefix="news-") as tmp:
            kb = Newsroom(Store(f"sqlite:///{tmp}/n.db"), nlp, reader=False)
            ids = load_articles(kb, sorted({q["article"] for q in mine}))
            for q in mine:
                try:
                    facts = kb.engine.ranked(q["q"])
                except QuestionError:
                    continue
                own = [f.text for f in facts if ids.get(f.article_id) == q["article"]]
                out[_key(q)] = own
            kb.store.engine.dispose()
        print(f"fold {fold}: {len(mine)} questions ranked", file=sys.stderr)
    return out


def _find(text: str, support: str, answer: str) -> int | None:
    """The answer's offset in the sentence: its occurrence inside the support fragment where
    the sentence's whitespace is the fragment's, else its first occurrence."""
    s = text.find(support)
    if s >= 0 and (a := text.find(answer, s, s + len(support))) >= 0:
        return a
    a = text.find(answer)
    return a if a >= 0 else None


def pick_articles(n: int, seed: int, min_words: int = 250, max_words: int = 550) -> list[Path]:
    """``n`` practice articles no written question asks about yet, of ``min_words``–``max_words``
    words, taken in turn from each BBC category (each category's order shuffled by ``seed``), so
    the next batch of questions covers the categories evenly."""
    used = {q["article"] for q in load_questions()}
    rng = random.Random(seed)
    by_category: dict[str, list[Path]] = {}
    for p in practice_articles():
        rel = str(p.relative_to(SHARED / "corpus"))
        if rel not in used and min_words <= len(body(p).split()) <= max_words:
            by_category.setdefault(p.parent.name, []).append(p)
    queues = [rng.sample(ps, len(ps)) for _, ps in sorted(by_category.items())]
    picked: list[Path] = []
    while len(picked) < n and any(queues):
        for q in queues:
            if q and len(picked) < n:
                picked.append(q.pop())
    return picked


if __name__ == "__main__":
    # PYTHONPATH=.:bench python bench/news_questions.py 200 20261204 → the next articles to write
    # questions about, one path (under ../shared/corpus) per line.
    import sys

    for p in pick_articles(int(sys.argv[1]), int(sys.argv[2])):
        print(p.relative_to(SHARED / "corpus"))
