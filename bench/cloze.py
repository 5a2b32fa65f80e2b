"""Synthetic reading practice from news text: cloze questions made from BBC sentences.

The reader has only SQuAD's ~7,000 DEV_ARTICLES questions to learn from, all about Wikipedia.
Before that, it can practise on news (unsupervised QA by cloze translation, Lewis et al. 2019):
take a sentence of a BBC article, pick a named entity, date or number in it, and turn the sentence
into a question by putting the wh-word of the entity's kind in its place ("Mr Blair said the vote
would be held on Monday." → "when mr blair said the vote would be held?"). The answer is the
entity; the sentence is the passage. A second, no-answer example pairs the question with the
article's sentence sharing most words with it that does not hold the answer, so the no-answer
score practises too. Questions are noised as people's are: words dropped, often all lowercase.

A third kind of example is a *type swap*: the same question asked with the wh-word of a kind the
sentence names nothing of ("when mr blair said the vote would be held?" → "where mr blair said
the vote would be held?" against a sentence naming no place), labelled no answer. It is what the
unanswerable questions people ask about news look like (an age, a price or a place the article
does not give), and the reader otherwise answers them with the nearest span of any kind.

Articles that any question set of ours asks about (``tests/data/*.jsonl``, the frozen set
included) are left out, as are their exact duplicates, so no evaluation article is practised on.

    PYTHONPATH=.:bench .venv/bin/python bench/train_reader.py cloze   # → /tmp/reader-cloze.jsonl
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from reader_training import with_headline, with_neighbours
from squad import ROOT, SHARED

BBC = SHARED / "corpus" / "bbc"
QUESTION_SETS = ROOT / "tests" / "data"

# The wh-word a question about an entity of each spaCy label would start with.
WH = {
    "PERSON": "who",
    "ORG": "what",
    "GPE": "where",
    "LOC": "where",
    "FAC": "where",
    "NORP": "what",
    "DATE": "when",
    "TIME": "when",
    "MONEY": "how much",
    "CARDINAL": "how many",
    "QUANTITY": "how much",
    "PERCENT": "what percentage",
    "EVENT": "what",
    "WORK_OF_ART": "what",
    "PRODUCT": "what",
    "LAW": "what",
}
_WORD = re.compile(r"\w+")
WINDOW = 10

# For a type swap: the labels that could answer a question of each wh-word (a sentence naming
# none of them, nor any number for "how many/much", cannot answer it). "what" could ask anything.
ANSWERED_BY = {
    "who": frozenset({"PERSON", "ORG", "NORP", "GPE"}),
    "when": frozenset({"DATE", "TIME"}),
    "where": frozenset({"GPE", "LOC", "FAC"}),
    "how many": frozenset({"CARDINAL", "QUANTITY", "MONEY", "PERCENT"}),
    "how much": frozenset({"CARDINAL", "QUANTITY", "MONEY", "PERCENT"}),
}


def evaluation_articles() -> set[str]:
    """Hashes of the texts that our question sets ask about."""
    paths: set[str] = set()
    for f in QUESTION_SETS.glob("*.jsonl"):
        for line in f.read_text("utf-8").splitlines():
            if line.strip() and (a := json.loads(line).get("article")):
                paths.add(a)
    return {_digest(SHARED / "corpus" / p) for p in paths if (SHARED / "corpus" / p).exists()}


def _digest(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()


def practice_articles() -> list[Path]:
    banned = evaluation_articles()
    seen: set[str] = set()
    out = []
    for p in sorted(BBC.glob("*/*.txt")):
        d = _digest(p)
        if d in banned or d in seen:
            continue
        seen.add(d)
        out.append(p)
    return out


def _lines(path: Path) -> list[str]:
    return path.read_bytes().decode("utf-8", errors="replace").splitlines()


def headline(path: Path) -> str:
    """A BBC file's headline (its first line), the article's title once loaded."""
    lines = _lines(path)
    return lines[0].strip() if lines else ""


def body(path: Path) -> str:
    lines = _lines(path)
    return "\n".join(ln for ln in lines[1:] if ln.strip())  # line 1 is the headline


def _question(sent: Any, ent: Any, rng: random.Random) -> str | None:
    """The entity's clause with the entity replaced by its wh-word, moved to the front, noised.

    Questions are short, so only the clause around the entity is kept (the subtree of its
    nearest verb, at most ``WINDOW`` words either side of it)."""
    verb = ent.root
    while verb.head.i != verb.i and verb.pos_ not in ("VERB", "AUX"):
        verb = verb.head
    clause = [t for t in verb.subtree if sent.start <= t.i < sent.end]
    lo, hi = ent.start, ent.end
    if lo > sent.start and sent.doc[lo - 1].pos_ == "ADP":  # "on [Monday]": the phrase goes
        lo -= 1
    rest = [
        t
        for t in clause
        if not lo <= t.i < hi
        and not t.is_punct
        and not t.is_space
        and ent.start - WINDOW <= t.i < ent.end + WINDOW
    ]
    if len(rest) < 3:
        return None
    words = [t.text for t in rest]
    keep = [w for w in words if rng.random() > 0.1] or words
    q = " ".join([WH[ent.label_], *keep]) + "?"
    if rng.random() < 0.5:
        q = q.lower()
    return q


def absent_kinds(sent: Any) -> list[str]:
    """The wh-words (of ``ANSWERED_BY``) that nothing in a spaCy sentence could answer."""
    labels = {e.label_ for e in sent.ents}
    has_number = any(t.like_num for t in sent)
    has_person_pronoun = any(t.pos_ == "PRON" and t.lower_ in _PEOPLE_PRONOUNS for t in sent)
    out = []
    for wh, kinds in ANSWERED_BY.items():
        if labels & kinds:
            continue
        if wh.startswith("how") and has_number:
            continue
        if wh == "who" and has_person_pronoun:
            continue
        out.append(wh)
    return out


_PEOPLE_PRONOUNS = frozenset({"he", "she", "they", "him", "her", "them", "i", "we", "you"})


def swapped(question: str, wh: str, rng: random.Random, absent: list[str]) -> str | None:
    """The question with its leading wh-word ``wh`` replaced by one of ``absent``."""
    options = [w for w in absent if w != wh]
    if not options or not question.lower().startswith(wh + " "):
        return None
    other = rng.choice(options)
    if question[:1].isupper():
        other = other.capitalize()
    return other + question[len(wh) :]


def swap_row(base: dict[str, Any], question: str, text: str) -> dict[str, Any]:
    """A type swap's row in the ``train_reader`` format: the swapped question against its own
    sentence, no answer."""
    return {
        **base,
        "question": question,
        "text": text,
        "answer": None,
        "answers": [],
        "kind": "swapped",
    }


def cloze_rows(
    nlp: Any, paths: list[Path], per_article: int, seed: int, *, neighbours: bool = False
) -> Iterator[dict[str, Any]]:
    """Positive and no-answer examples, in the ``train_reader`` row format; with
    ``neighbours``, each holds the sentences either side of its own (before, after)."""
    rng = random.Random(seed)
    texts = (body(p) for p in paths)
    for path, doc in zip(paths, nlp.pipe(texts, batch_size=32), strict=True):
        rows = list(_article_rows(doc, str(path.relative_to(BBC.parent)), per_article, rng))
        rows = list(with_headline(rows, headline(path)))
        if neighbours:
            rows = list(with_neighbours(rows, [s.text for s in doc.sents if s.text.strip()]))
        yield from rows


def _article_rows(
    doc: Any, name: str, per_article: int, rng: random.Random
) -> Iterator[dict[str, Any]]:
    sents = [s for s in doc.sents if 6 <= len(s) <= 60]
    words = [set(_WORD.findall(s.text.lower())) for s in sents]
    picks = [
        (s, e)
        for s in sents
        for e in s.ents
        if e.label_ in WH and e[0].pos_ not in ("PRON", "DET") and "\n" not in e.text
    ]
    rng.shuffle(picks)
    for n, (sent, ent) in enumerate(picks[:per_article]):
        q = _question(sent, ent, rng)
        if q is None:
            continue
        base = {"article": name, "fold": -1, "id": f"{name}#{n}", "question": q}
        a = ent.start_char - sent.start_char
        yield {
            **base,
            "text": sent.text,
            "answer": [a, a + len(ent.text)],
            "answers": [ent.text],
            "kind": "gold",
        }
        if n % 2:  # one hard negative for every two questions, a type swap for the others
            other = swapped(q, WH[ent.label_], rng, absent_kinds(sent))
            if other is not None:
                yield swap_row(base, other, sent.text)
            continue
        asked = set(_WORD.findall(q.lower()))
        others = [
            (len(asked & w), k)
            for k, (s, w) in enumerate(zip(sents, words, strict=True))
            if s != sent and ent.text.lower() not in s.text.lower()
        ]
        if others:
            _, k = max(others)
            yield {
                **base,
                "text": sents[k].text,
                "answer": None,
                "answers": [ent.text],
                "kind": "negative",
            }
