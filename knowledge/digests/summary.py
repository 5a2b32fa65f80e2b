"""Extractive summaries and key facts of one article, for digests and ``/article``.

``summarise`` opens with the article's first sentence (the lead), then adds the best-scored others
by a few unsupervised signals, skipping sentences that repeat one already picked (MMR):

- centrality: TextRank over tf-idf cosine similarity of the sentences' content words (the
  strongest signal by far);
- frequency: how many of the article's most used words a sentence holds;
- position, headline overlap, entity salience (how often the article mentions the entities a
  sentence names);
- length: long sentences rarely summarise; one opening with a pronoun or "But" reads badly alone.

The weights were fitted on half of the BBC News Summary articles (``bench/summaries.py`` reports
both halves). ``key_facts`` then picks the sentences a reader should not miss that the summary
does not already say: those with numbers, dates, quotes of named people and the main entities.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from knowledge.content_words import is_content
from knowledge.models import Entity, Fact
from knowledge.text import words

__all__ = ["DEFAULT_WEIGHTS", "FEATURES", "Weights", "features", "key_facts", "summarise"]


@dataclass(frozen=True, slots=True)
class Weights:
    """How much each signal counts in a sentence's score (each feature is scaled to 0..1).

    The defaults were fitted on the dev half of the BBC News Summary articles with ``lead=True``
    (coordinate search on the kept share; ``bench/summaries.py``)."""

    position: float = 0.2
    centrality: float = 1.0
    salience: float = 0.1
    headline: float = 0.1
    frequency: float = 0.6
    short: float = 0.1
    long: float = -0.7
    opener: float = -0.1  # a readability choice: costs 0.001 of the kept share on dev
    redundancy: float = 0.1  # MMR: score lost per unit of cosine similarity to a chosen sentence


DEFAULT_WEIGHTS = Weights()
FEATURES = (
    "position",
    "centrality",
    "salience",
    "headline",
    "frequency",
    "short",
    "long",
    "opener",
)
# A sentence opening with a pronoun or a connective leans on the one before it: out of context it
# reads badly.
_OPENER = re.compile(
    r"^[\"“‘']?(?:he|she|it|its|they|their|them|this|these|those|that|but|however|also|and|so|"
    r"yet|meanwhile|instead|still|there|here|such|both)\b",
    re.IGNORECASE,
)
_MIN_WORDS = 5  # below this a "sentence" is a dateline, a byline or a subheading
_SHORT_WORDS = 12  # sentences shorter than this are penalised in proportion
_LONG_WORDS = 35  # ... and those longer than this


def summarise(
    facts: Sequence[Fact],
    *,
    sentences: int = 3,
    title: str | None = None,
    lead: bool = True,
    weights: Weights = DEFAULT_WEIGHTS,
) -> list[Fact]:
    """The ``sentences`` facts that best sum up one article, in article order (all of them when
    the article has no more). ``title`` (the headline) helps when given. With ``lead`` the
    summary opens with the article's first sentence: news leads are written to summarise, and
    they introduce the names the other sentences use. Fragments (a dateline, a subheading) are
    left out unless the article has nothing else."""
    facts = _ordered(facts)
    full = [f for f in facts if not _is_fragment(f)] or facts
    if len(full) <= sentences:
        return _unique(full)
    feats, sim = _analyse(facts, title)
    chosen = _select(facts, feats, sim, sentences=sentences, lead=lead, weights=weights)
    return [facts[i] for i in chosen]


def _select(
    facts: Sequence[Fact],
    feats: np.ndarray,
    sim: np.ndarray,
    *,
    sentences: int,
    lead: bool,
    weights: Weights,
) -> list[int]:
    """The chosen facts' indices in article order (``bench/summaries.py --fit`` re-uses this)."""
    score = feats @ np.array([getattr(weights, n) for n in FEATURES])
    eligible = [not _is_fragment(f) for f in facts]
    if not any(eligible):
        eligible = [True] * len(facts)
    chosen: list[int] = [eligible.index(True)] if lead and sentences > 0 and facts else []
    texts = {facts[i].text for i in chosen}
    while len(chosen) < sentences:
        mmr = score - weights.redundancy * (sim[:, chosen].max(axis=1) if chosen else 0.0)
        for i, f in enumerate(facts):
            if i in chosen or f.text in texts or not eligible[i]:
                mmr[i] = -np.inf
        if not len(mmr) or not np.isfinite(mmr.max()):
            break
        best = int(np.argmax(mmr))
        chosen.append(best)
        texts.add(facts[best].text)
    return sorted(chosen)


def key_facts(
    facts: Sequence[Fact],
    entities: Iterable[Entity] | Mapping[int, Entity] = (),
    *,
    summary: Sequence[Fact] = (),
    limit: int = 3,
    title: str | None = None,
) -> list[Fact]:
    """Up to ``limit`` facts not in ``summary`` that a reader should not miss, in article order:
    the most central sentences with numbers, dates and quotes of named people, about the
    article's main entities, each adding something the summary and the facts chosen before it do
    not cover. ``entities`` (by id) lets people, organisations and places count more."""
    facts = _ordered(facts)
    if not facts or limit <= 0:
        return []
    feats, _ = _analyse(facts, title)
    score = feats @ np.array([getattr(DEFAULT_WEIGHTS, n) for n in FEATURES])
    score = (score - score.min()) / (np.ptp(score) or 1.0)
    importance = {f.id: float(v) for f, v in zip(facts, score, strict=True)}
    known = {f.id for f in summary} | {f.text for f in summary}
    by_id = entities if isinstance(entities, Mapping) else {e.id: e for e in entities}
    mentions = _entity_counts(facts)
    covered = {eid for f in summary for eid in f.entity_ids}
    covered_spans = {_norm_span(s.text) for f in summary for s in f.spans}
    picked: list[Fact] = []
    candidates = [
        f
        for f in _unique(facts)
        if f.id not in known and f.text not in known and not _is_fragment(f)
    ]
    while len(picked) < limit and candidates:
        values = {
            f.id: IMPORTANCE * importance[f.id]
            + _fact_value(f, mentions, by_id, covered, covered_spans)
            for f in candidates
        }
        best = max(candidates, key=lambda f: (values[f.id], -f.position))
        if values[best.id] <= 0:
            break
        picked.append(best)
        candidates.remove(best)
        covered.update(best.entity_ids)
        covered_spans.update(_norm_span(s.text) for s in best.spans)
    return sorted(picked, key=lambda f: f.position)


# --- features ------------------------------------------------------------------------------------


def features(facts: Sequence[Fact], *, title: str | None = None) -> np.ndarray:
    """One row per fact (in the order given), one column per name in ``FEATURES``, each in 0..1."""
    return _analyse(facts, title)[0]


def _analyse(facts: Sequence[Fact], title: str | None) -> tuple[np.ndarray, np.ndarray]:
    """The features and the sentences' cosine similarities."""
    n = len(facts)
    out = np.zeros((n, len(FEATURES)))
    sim = _similarity(_vectors(facts))
    if n == 0:
        return out, sim
    counts = _entity_counts(facts)
    freq = Counter(t for f in facts for t in _terms(f))
    total = sum(freq.values()) or 1
    title_terms = {w for w in words(title or "") if is_content(w)}
    for i, f in enumerate(facts):
        terms = set(_terms(f))
        n_words = len(f.text.split())
        out[i] = (
            1.0 / math.sqrt(i + 1),
            0.0,  # centrality: TextRank over all sentences, below
            sum(math.log1p(counts[e] - 1) for e in set(f.entity_ids)),
            len(terms & title_terms) / len(title_terms) if title_terms else 0.0,
            sum(freq[t] for t in terms) / total / math.sqrt(max(len(terms), 1)),
            max(0.0, 1 - n_words / _SHORT_WORDS),
            min(1.0, max(0.0, (n_words - _LONG_WORDS) / _LONG_WORDS)),
            1.0 if _OPENER.match(f.text) else 0.0,
        )
    out[:, 1] = _textrank(sim)
    for col in (1, 2, 4):  # relative within the article
        top = out[:, col].max()
        if top > 0:
            out[:, col] /= top
    return out, sim


def _ordered(facts: Sequence[Fact]) -> list[Fact]:
    return sorted(facts, key=lambda f: (f.position, f.id))


def _terms(fact: Fact) -> list[str]:
    """Content lemmas and words of a fact, without the synonym and stem forms of the index."""
    return [t for t in fact.terms if t[:1] not in {"=", "~"}]


def _vectors(facts: Sequence[Fact]) -> np.ndarray:
    """L2-normalised tf-idf rows, idf over the article's own sentences."""
    vocab: dict[str, int] = {}
    rows = [Counter(_terms(f)) for f in facts]
    for row in rows:
        for t in row:
            vocab.setdefault(t, len(vocab))
    m = np.zeros((len(facts), max(len(vocab), 1)))
    for i, row in enumerate(rows):
        for t, c in row.items():
            m[i, vocab[t]] = c
    df = (m > 0).sum(axis=0)
    m *= np.log((1 + len(facts)) / (1 + df)) + 1
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    return np.divide(m, norms, out=np.zeros_like(m), where=norms > 0)


def _similarity(vectors: np.ndarray) -> np.ndarray:
    sim = vectors @ vectors.T
    np.fill_diagonal(sim, 0.0)
    return sim


def _textrank(sim: np.ndarray, *, damping: float = 0.85, rounds: int = 50) -> np.ndarray:
    n = len(sim)
    out_weight = sim.sum(axis=1, keepdims=True)
    walk = np.divide(sim, out_weight, out=np.full_like(sim, 1.0 / n), where=out_weight > 0)
    rank = np.full(n, 1.0 / n)
    for _ in range(rounds):
        rank = (1 - damping) / n + damping * (walk.T @ rank)
    return rank


def _entity_counts(facts: Sequence[Fact]) -> Counter[int]:
    """In how many of the article's sentences each entity is mentioned (pronouns included)."""
    return Counter(e for f in facts for e in set(f.entity_ids))


def _is_fragment(fact: Fact) -> bool:
    return len(words(fact.text)) < _MIN_WORDS


def _unique(facts: Sequence[Fact]) -> list[Fact]:
    """Facts with a text not seen before (an article may repeat a sentence word for word)."""
    first: dict[str, Fact] = {}
    for f in facts:
        first.setdefault(f.text, f)
    return list(first.values())


# --- key facts -----------------------------------------------------------------------------------

IMPORTANCE = 2.0  # how much the summariser's own score counts in a key fact's value
_QUOTE_MARK = re.compile(r"[\"“”]")
_NUMBER_LABELS = frozenset({"MONEY", "PERCENT", "QUANTITY", "CARDINAL"})
_DATE_LABELS = frozenset({"DATE", "TIME"})


def _norm_span(text: str) -> str:
    return " ".join(words(text))


def _fact_value(
    fact: Fact,
    mentions: Counter[int],
    entities: Mapping[int, Entity],
    covered: set[int],
    covered_spans: set[str],
) -> float:
    """What a fact adds: new numbers, dates and quotes weigh most, then the main entities."""
    new_spans = [s for s in fact.spans if _norm_span(s.text) not in covered_spans]
    value = 0.0
    value += 1.0 * min(2, sum(s.label in _NUMBER_LABELS for s in new_spans))
    value += 0.8 * min(1, sum(s.label in _DATE_LABELS for s in new_spans))
    if any(speaker is not None for _, speaker in fact.quotes):
        value += 1.0 if _QUOTE_MARK.search(fact.text) else 0.3  # direct speech tells most
    top = max(mentions.values(), default=1)
    for eid in set(fact.entity_ids):
        weight = mentions[eid] / top
        if entities and eid in entities and entities[eid].label in {"PERSON", "ORG", "GPE"}:
            weight *= 1.5
        value += weight * (0.3 if eid in covered else 1.0)
    n_words = len(fact.text.split())
    if n_words > 40:  # a key fact is read at a glance
        value *= 40 / n_words
    return value
