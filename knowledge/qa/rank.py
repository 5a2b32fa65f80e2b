"""Ranking candidate facts for a question.

A BM25 first stage over the index postings (idf-weighted, length-normalised; a fact holds each
term once, so tf saturation reduces to the length norm) picks the candidates; the question's
entities count like rare terms. The second stage adds term coverage, fuzzy similarity
(rapidfuzz), entity overlap, answer-type presence and quote-speaker match, weighed by hand (the
rules' order). The reader reads the candidates in the reading order instead: the same features
and how well each fact's article matches, weighed by a fitted logit (``reading_order``).
"""

from __future__ import annotations

import functools
import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz

from knowledge.models import Fact
from knowledge.qa.config import DEFAULT, RankWeights, ReadingOrder
from knowledge.qa.index import Index
from knowledge.qa.question import Question
from knowledge.text import normalise


@dataclass(frozen=True, slots=True)
class Features:
    coverage: float  # share of the question's idf mass found in the fact
    entities: float  # share of the question's entities mentioned in the fact
    fuzzy: float
    typed: bool  # holds a span of the expected answer type that the question does not
    quote: bool  # quotes a speaker the question names
    score: float
    bm25: float = 0.0  # the first stage's score relative to the best candidate's
    dense: float = 0.0  # cosine of the question's and the fact's embeddings (embedding.py)


def _entity_idf(index: Index, eid: int) -> float:
    n = len(index.facts) or 1
    df = len(index.entity_facts.get(eid, ()))
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def _is_common(df: int, n: int, config: RankWeights) -> bool:
    return df > config.common_share * n or df > config.common_df


def retrieve(
    q: Question,
    index: Index,
    *,
    boost_entities: frozenset[int] = frozenset(),
    config: RankWeights = DEFAULT.rank,
) -> dict[int, float]:
    """BM25 scores of the facts sharing a rare term or an entity with the question (never a
    scan of all facts). A question word counts once per fact, with its best form (word,
    synonym class, stem); forms common to many facts only add to facts already selected."""
    n = max(1, len(index.facts))
    sums: dict[int, float] = {}
    groups = sorted({tuple(sorted(t for t in g if t in index.postings)) for g in q.groups} - {()})
    split = [
        (
            [t for t in terms if not _is_common(len(index.postings[t]), n, config)],
            [t for t in terms if _is_common(len(index.postings[t]), n, config)],
        )
        for terms in groups
    ]
    if not any(rare for rare, _ in split) and not (q.entity_ids | boost_entities):
        split = [(rare + common, []) for rare, common in split]  # only common words: use them
    matched: list[dict[int, float]] = []
    for rare, _ in split:
        best: dict[int, float] = {}
        for t in rare:
            w = index.idf(t)
            for fid in index.postings[t]:
                if best.get(fid, 0.0) < w:
                    best[fid] = w
        for fid, w in best.items():
            sums[fid] = sums.get(fid, 0.0) + w
        matched.append(best)
    for eid in sorted(q.entity_ids | boost_entities):
        asked = eid in q.entity_ids
        w = _entity_idf(index, eid) * (1.0 if asked else config.context_entity_weight)
        for fid in index.entity_facts.get(eid, ()):
            sums[fid] = sums.get(fid, 0.0) + w
    for eid, kin in sorted(q.kin):  # "China" where the question says "Chinese"
        w = _entity_idf(index, kin) * config.kin_weight
        named = index.entity_facts.get(eid, ())
        for fid in index.entity_facts.get(kin, ()):
            if fid not in named:
                sums[fid] = sums.get(fid, 0.0) + w
    selected = np.fromiter(sums, dtype=np.int64, count=len(sums))
    for (_, common), best in zip(split, matched, strict=True):
        if not common or not len(selected):
            continue
        # Each selected fact's best common form: vectorised, as a common term's postings are
        # long and the selected facts many (a Python loop here was a third of a question's time
        # at 10,000 articles).
        top_common = np.zeros(len(selected))
        for t in common:
            found = index.postings[t].holds(selected)
            np.maximum(top_common, np.where(found, index.idf(t), 0.0), out=top_common)
        for k in np.flatnonzero(top_common):
            fid, w = int(selected[k]), float(top_common[k])
            if w > best.get(fid, 0.0):
                sums[fid] += w - best.get(fid, 0.0)
    # A fact holds each term once, so its BM25 score is the idf sum times its length norm.
    avg, facts = index.mean_length(), index.facts
    k1, b = config.k1, config.b
    return {
        fid: s * (k1 + 1) / (1 + k1 * (1 - b + b * len(facts[fid].terms) / avg))
        for fid, s in sums.items()
    }


def candidates(
    q: Question,
    index: Index,
    *,
    boost_entities: frozenset[int] = frozenset(),
    config: RankWeights = DEFAULT.rank,
) -> list[int]:
    """The best first-stage fact ids, best first (ties broken by fact id)."""
    scores = retrieve(q, index, boost_entities=boost_entities, config=config)
    return top(scores, config.max_candidates)


def top(scores: dict[int, float], limit: int = DEFAULT.rank.max_candidates) -> list[int]:
    return heapq.nsmallest(limit, scores, key=lambda fid: (-scores[fid], fid))


def features(
    q: Question,
    fact: Fact,
    index: Index,
    *,
    context_entities: frozenset[int],
    bm25: float = 0.0,
    dense: float = 0.0,
    weights: Sequence[float] | None = None,
    config: RankWeights = DEFAULT.rank,
) -> Features:
    """Second-stage features of one candidate; ``bm25`` is its first-stage score relative to
    the best candidate's (0..1), ``dense`` its embeddings' cosine with the question's (only the
    reading order weighs it); ``weights`` are ``group_weights(q, index)``, computed once per
    question by the caller."""
    fact_terms = set(fact.terms)
    total = matched = 0.0
    if weights is None:
        weights = group_weights(q, index, config=config)
    for group, w in zip(q.groups, weights, strict=True):
        total += w
        if any(t in fact_terms for t in group if not t.startswith("=")):
            matched += w
        elif any(t in fact_terms for t in group):
            matched += config.synonym_credit * w  # "role" for "job": a looser match
    entity_ids = set(fact.entity_ids)
    wanted = q.entity_ids | context_entities
    if wanted:
        hits = 0
        # An entity counts like a rare term; context entities (follow-ups) stand for a pronoun.
        for eid in wanted:
            w = (4.0 if eid in q.entity_ids else 2.5) / len(wanted)
            if eid in entity_ids:
                credit = 1.0
            elif not entity_ids.isdisjoint(q.kin_of(eid)):
                credit = config.kin_weight  # named only through the place its demonym stands for
            else:
                credit = 0.0
            total += w
            matched += credit * w
            hits += credit > 0
        entity_share = hits / len(wanted)
    else:
        entity_share = 0.0
    coverage = matched / total if total else 0.0
    content = " ".join(g[0] for i, g in enumerate(q.groups) if i not in q.descriptive)
    fuzzy = fuzz.token_set_ratio(content, normalised(fact.text)) / 100 if content else 0.0
    typed = has_typed_answer(q, fact, index)
    quote = q.quote and any(sp in wanted for _, sp in fact.quotes if sp is not None)
    score = (
        config.coverage * coverage
        + config.bm25 * bm25
        + 0.12 * fuzzy
        + 0.10 * entity_share
        + (0.12 if typed else 0.0)
        + (0.12 if quote else 0.0)
        - 0.002 * min(fact.position, 10)
    )
    return Features(coverage, entity_share, fuzzy, typed, quote, score, bm25, dense)


Scored = tuple[float, Features, Fact]  # a candidate: its score, features and fact


def order_features(scored: Sequence[Scored]) -> list[tuple[float, ...]]:
    """Each candidate's ``config.ORDER_FEATURES``: its own second-stage features, its place in
    its article, and how well its article matches the question as a whole (the best first-stage
    score, coverage and embeddings' cosine among the article's candidates): the article a
    question is about holds its answer more often than a stray sentence matching the same words
    elsewhere."""
    best_bm25: dict[int, float] = {}
    best_coverage: dict[int, float] = {}
    best_dense: dict[int, float] = {}
    for _, f, fact in scored:
        a = fact.article_id
        best_bm25[a] = max(best_bm25.get(a, 0.0), f.bm25)
        best_coverage[a] = max(best_coverage.get(a, 0.0), f.coverage)
        best_dense[a] = max(best_dense.get(a, -1.0), f.dense)
    return [
        (
            f.coverage,
            f.bm25,
            f.fuzzy,
            f.entities,
            float(f.typed),
            float(f.quote),
            min(fact.position, 10) / 10,
            best_bm25[fact.article_id],
            best_coverage[fact.article_id],
            f.dense,
            best_dense[fact.article_id],
        )
        for _, f, fact in scored
    ]


def reading_order(
    scored: Sequence[Scored], order: ReadingOrder, previous_fact: int | None = None
) -> list[Scored]:
    """The candidates in the order the reader reads them, each with its fitted logit as its
    score, best first (ties: the lower fact id)."""
    logits = [
        logit + (order.previous if fact.id == previous_fact else 0.0)
        for logit, (_, _, fact) in zip(order.logits(order_features(scored)), scored, strict=True)
    ]
    ranked = sorted(zip(logits, scored, strict=True), key=lambda t: (-t[0], t[1][2].id))
    return [(logit, f, fact) for logit, (_, f, fact) in ranked]


def article_shares(ordered: Sequence[Scored], first: int = 20) -> dict[int, float]:
    """How much of the reading order's belief each article holds: a softmax over the logits of
    its ``first`` facts (``reading_order``'s, best first), summed by article. A fact read from
    an article the order barely believes in is seldom the answer, however well it reads: on the
    written questions the right fact was in the first fact's article for 95 in 100."""
    top = ordered[:first]
    if not top:
        return {}
    best = top[0][0]
    weights = [math.exp(logit - best) for logit, _, _ in top]
    total = sum(weights)
    shares: dict[int, float] = {}
    for w, (_, _, fact) in zip(weights, top, strict=True):
        shares[fact.article_id] = shares.get(fact.article_id, 0.0) + w / total
    return shares


def group_weights(
    q: Question,
    index: Index,
    *,
    context: frozenset[int] = frozenset(),
    config: RankWeights = DEFAULT.rank,
) -> list[float]:
    """Each question word's weight in coverage. The noun that names the asked type ("which
    country", "what nationality", "what kind of backing", "which four topics") weighs little:
    the answer, not a word beside it, is what a fact holds. With a previous answer as context,
    "that city" is that answer: it weighs nothing."""
    weights = []
    for i, g in enumerate(q.groups):
        w = group_weight(g, index, noun=i in q.nouns)
        if g[0] == q.focus and (q.expected or q.kind_of or q.count):
            w *= config.focus_weight
        if i in q.descriptive:  # the entity counts already: its description's words tell
            w *= config.description_weight  # apart the facts that say it, and add little more
        if context and i in q.deictic:
            w = 0.0
        weights.append(w)
    return weights


@functools.lru_cache(maxsize=16384)
def normalised(text: str) -> str:
    """A fact's text normalised once (facts are immutable; candidates recur across questions)."""
    return normalise(text)


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
    for m in fact.mentions:
        ent = index.entities.get(m.entity_id)
        asked = m.entity_id not in q.entity_ids or m.entity_id in q.described_ids
        if ent is not None and ent.label in q.expected and asked:
            return True
    return False
