"""Ranking candidate facts for a question: term coverage (idf-weighted), entity overlap,
fuzzy similarity (rapidfuzz), answer-type presence and quote-speaker match."""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz

from knowledge.index import Index
from knowledge.models import Fact
from knowledge.question import Question
from knowledge.text import normalise

MAX_CANDIDATES = 400
COMMON_SHARE = 0.2  # terms in more than this share of facts don't select candidates alone


@dataclass(frozen=True, slots=True)
class Features:
    coverage: float  # share of the question's idf mass found in the fact
    entities: float  # share of the question's entities mentioned in the fact
    fuzzy: float
    typed: bool  # holds a span of the expected answer type that the question does not
    quote: bool  # quotes a speaker the question names
    score: float


def candidates(q: Question, index: Index, *, boost_entities: frozenset[int]) -> list[int]:
    """Fact ids sharing a rare term or an entity with the question (never a scan of all facts)."""
    n = max(1, len(index.facts))
    scores: dict[int, float] = {}
    terms = {t for g in q.groups for t in g}
    rare = [t for t in terms if len(index.postings.get(t, ())) <= COMMON_SHARE * n]
    for t in rare or list(terms):
        w = index.idf(t)
        for fid in index.postings.get(t, ()):
            scores[fid] = scores.get(fid, 0.0) + w
    for eid in q.entity_ids | boost_entities:
        facts = index.entity_facts.get(eid, ())
        w = 2.0 + (3.0 if eid in q.entity_ids else 0.0)
        for fid in facts:
            scores[fid] = scores.get(fid, 0.0) + w
    if len(scores) <= MAX_CANDIDATES:
        return list(scores)
    return sorted(scores, key=scores.__getitem__, reverse=True)[:MAX_CANDIDATES]


def features(
    q: Question, fact: Fact, index: Index, *, context_entities: frozenset[int]
) -> Features:
    fact_terms = set(fact.terms)
    total = matched = 0.0
    for i, group in enumerate(q.groups):
        w = group_weight(group, index, noun=i in q.nouns)
        total += w
        if any(t in fact_terms for t in group):
            matched += w
    entity_ids = set(fact.entity_ids)
    wanted = q.entity_ids | context_entities
    if wanted:
        hits = [e for e in wanted if e in entity_ids]
        # An entity counts like a rare term; context entities (follow-ups) stand for a pronoun.
        for eid in wanted:
            w = 4.0 if eid in q.entity_ids else 2.5
            total += w / max(1, len(wanted))
            if eid in entity_ids:
                matched += w / max(1, len(wanted))
        entity_share = len(hits) / len(wanted)
    else:
        entity_share = 0.0
    coverage = matched / total if total else 0.0
    content = " ".join(g[0] for g in q.groups)
    fuzzy = fuzz.token_set_ratio(content, normalise(fact.text)) / 100 if content else 0.0
    typed = has_typed_answer(q, fact, index)
    quote = q.quote and any(sp in wanted for _, sp in fact.quotes if sp is not None)
    score = (
        0.62 * coverage
        + 0.12 * fuzzy
        + 0.10 * entity_share
        + (0.12 if typed else 0.0)
        + (0.12 if quote else 0.0)
        - 0.002 * fact.position
    )
    return Features(coverage, entity_share, fuzzy, typed, quote, score)


def group_weight(group: tuple[str, ...], index: Index, *, noun: bool) -> float:
    """A question word's weight: its idf. A noun the store has never seen weighs more (the question
    is about something the articles don't mention); an unseen verb or adjective weighs less (it is
    more often a paraphrase: "held" for "convened")."""
    word = group[0]
    if word not in index.postings and not any(t in index.postings for t in group[1:]):
        return (1.5 if noun else 0.5) * index.idf(word)
    return max(index.idf(t) for t in group if not t.startswith(("~", "=")) or t in index.postings)


def has_typed_answer(q: Question, fact: Fact, index: Index) -> bool:
    if not q.expected:
        return False
    qwords = set(q.tokens)
    for sp in fact.spans:
        if sp.label in q.expected and not set(normalise(sp.text).split()) <= qwords:
            return True
    for eid, *_ in fact.mentions:
        ent = index.entities.get(eid)
        if ent is not None and ent.label in q.expected and eid not in q.entity_ids:
            return True
    return False
