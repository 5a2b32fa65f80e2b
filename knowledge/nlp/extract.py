"""From an article draft to sentence facts, linked entities, quotes and resolved dates (spaCy).

The pipeline's NER is a starting point, not the truth: names it tags differently in different
sentences are reconciled with the evidence of the whole article, title phrases ("French President")
and appositives become descriptions, definite descriptions ("the UN envoy") and subject pronouns
are linked to the person they refer to, and quoted or reported speech gets its speaker.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Iterator, Sequence

from spacy.language import Language
from spacy.tokens import Doc, Token
from spacy.tokens import Span as SpacySpan

from knowledge.models import (
    ArticleDraft,
    ExtractedEntity,
    ExtractedFact,
    ExtractedMention,
    Extraction,
    Span,
)
from knowledge.nlp.dates import resolve_date
from knowledge.nlp.entities import (
    Ent,
    Sent,
    cluster_entities,
    find_alias_mentions,
    fix_labels,
    mention,
    named_entities,
    sentences,
    surname_aliases,
)
from knowledge.nlp.quotes import find_quotes
from knowledge.nlp.references import describe, link_descriptions, link_pronouns
from knowledge.text import index_terms

# Raise this whenever the facts an article yields change (their terms, spans, mentions): a store
# built by an older version is re-extracted from its stored texts when it is opened.
EXTRACTOR_VERSION = 3


def extract(nlp: Language, draft: ArticleDraft, *, article_date: dt.date) -> Extraction:
    """Run the pipeline over the draft's paragraphs and build facts, entities and quotes."""
    return extract_docs(draft, list(nlp.pipe(draft.paragraphs, batch_size=64)), article_date)


def extract_many(
    nlp: Language,
    drafts: Iterable[tuple[ArticleDraft, dt.date]],
    *,
    batch_size: int = 64,
    n_process: int = 1,
) -> Iterator[Extraction]:
    """``extract`` for many (draft, article date) pairs, in order: the paragraphs of all of them
    go through one ``nlp.pipe``, so batches are full whatever the articles' lengths."""
    items = list(drafts)
    docs = nlp.pipe(
        (p for draft, _ in items for p in draft.paragraphs),
        batch_size=batch_size,
        n_process=n_process,
    )
    for draft, article_date in items:
        yield extract_docs(
            draft, list(itertools.islice(docs, len(draft.paragraphs))), article_date
        )


def extract_docs(draft: ArticleDraft, docs: Sequence[Doc], article_date: dt.date) -> Extraction:
    """Facts, entities and quotes from the parsed paragraphs of a draft."""
    sents = [s for i, doc in enumerate(docs) for s in sentences(i, doc)]
    ents = fix_labels(named_entities(sents))
    clusters, ent_keys = cluster_entities(ents)
    surnames = [surname_aliases(c, clusters) for c in clusters]  # names are settled now
    mentions: list[list[ExtractedMention]] = [[] for _ in sents]
    for ent, key in zip(ents, ent_keys, strict=True):
        if key is not None:
            mentions[ent.sent].append(mention(sents[ent.sent], ent.start, ent.end, key, "name"))
    find_alias_mentions(sents, clusters, surnames, mentions)
    describe(sents, ents, ent_keys, clusters)
    link_descriptions(sents, clusters, mentions)
    link_pronouns(sents, clusters, mentions)
    ents_of: list[list[Ent]] = [[] for _ in sents]
    for e in ents:
        ents_of[e.sent].append(e)
    facts = []
    for i, sent in enumerate(sents):
        span = sent.span
        text = span.text.strip()
        fact_mentions = tuple(sorted(mentions[i], key=lambda m: m.start))
        spans = tuple(_typed_span(sent, e, article_date=article_date) for e in ents_of[i])
        facts.append(
            ExtractedFact(
                position=i,
                paragraph=sent.paragraph,
                text=text,
                terms=_terms(span),
                spans=spans,
                mentions=fact_mentions,
                quotes=tuple(find_quotes(sent, fact_mentions, clusters)),
            )
        )
    entities = tuple(
        ExtractedEntity(
            key=c.key,
            name=c.longest(),
            label=c.label,
            aliases=tuple(sorted(set(c.names) | set(surnames[c.key]))),
            descriptions=tuple(dict.fromkeys(c.descriptions)),
        )
        for c in clusters
    )
    words = sum(len(p.split()) for p in draft.paragraphs)
    return Extraction(facts=tuple(facts), entities=entities, word_count=words)


_TERMS_CACHE_SIZE = 200_000
_token_terms: dict[tuple[int, int], tuple[str, ...]] = {}


def _terms(span: SpacySpan) -> tuple[str, ...]:
    """``index_terms(span)``, token by token through a cache: a token's terms depend only on its
    text and lemma, and an article's words repeat (the same terms, in the same order)."""
    terms: dict[str, None] = {}
    for tok in span:
        key = (tok.orth, tok.lemma)
        found = _token_terms.get(key)
        if found is None:
            if len(_token_terms) >= _TERMS_CACHE_SIZE:
                _token_terms.clear()
            found = _token_terms[key] = index_terms((tok,))
        for term in found:
            terms[term] = None
    return tuple(terms)


def _typed_span(sent: Sent, e: Ent, *, article_date: dt.date) -> Span:
    doc = sent.doc
    base = sent.span.start_char
    a = doc[e.start].idx - base
    b = doc[e.end - 1].idx + len(doc[e.end - 1].text) - base
    resolved = None
    if e.label in {"DATE", "TIME"}:
        future = _is_future(doc[e.start : e.end].root)
        resolved = resolve_date(e.text, article_date=article_date, future=future)
    return Span(start=a, end=b, text=e.text, label=e.label, resolved=resolved)


def _is_future(tok: Token) -> bool:
    """Whether a date's clause speaks of the future ("will be convened in September")."""
    verb = tok
    while verb.pos_ not in {"VERB", "AUX"} and verb.head.i != verb.i:
        verb = verb.head
    for child in verb.children:
        if child.tag_ == "MD" and child.lower_ in {"will", "shall", "'ll", "wo", "would", "'d"}:
            return True
    if verb.tag_ in {"VBD", "VBN"} and not any(c.tag_ == "MD" for c in verb.children):
        return False
    return any(t.lower_ == "next" for t in tok.subtree)
