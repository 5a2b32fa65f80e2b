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

from knowledge.content_words import index_terms
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
from knowledge.nlp.lexicon import (
    BOUNDING_PREPOSITIONS,
    FUTURE_MODALS,
    SCHEDULING_WORDS,
    TIMETABLE_VERBS,
)
from knowledge.nlp.quotes import find_quotes
from knowledge.nlp.references import describe, link_descriptions, link_pronouns


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
    """Whether a date's clause speaks of the future: a modal ("will be convened in September"), a
    timetable ("is due to be taken on Wednesday", "plans to publish", "is to meet", "is meeting
    them on Friday", "talks resume on Monday", "applies from Monday") or "next". A past or
    present-perfect clause ("met on Monday", "has said on Friday") and a plain present one
    ("says") are about the past: news reports what happened."""
    verb = tok
    while verb.pos_ not in {"VERB", "AUX"} and verb.head.i != verb.i:
        verb = verb.head
    tense = _tense(verb)
    if tense == "future":
        return True
    if tense is None and verb.dep_ == "xcomp" and _infinitive(verb) and _scheduled(verb):
        return True
    if tense in {"present", "perfect"} and _scheduling(verb):
        return True
    if tense == "present" and _timetable(verb, tok):
        return True
    modal = any(c.tag_ == "MD" for c in verb.children)
    if tense in {"past", "perfect"} or (verb.tag_ in {"VBD", "VBN"} and not modal):
        return False
    return any(t.lower_ == "next" for t in tok.subtree)


def asked_time(doc: Doc) -> str | None:
    """Whether a question asks about the future ("when will the talks resume?", "when is the
    next round?", "when is the vote due to be taken?": the tenses ``_is_future`` reads in an
    article's clause) or the past ("when did they meet?", "when has he said so?"); None for
    neither ("when does the market open?")."""
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None:
        return None
    tense = _tense(root)
    if tense in {"past", "perfect"}:
        return "past"
    if _is_future(root):
        return "future"
    # "(is the vote) due to be taken", "(are the talks) set to resume": questions parse the
    # timetable word as the subject's modifier, not as the clause's complement.
    timetabled = any(
        t.lemma_.lower() in SCHEDULING_WORDS - {"be"} and _infinitive(c) and c.dep_ == "xcomp"
        for t in doc
        for c in t.children
    )
    return "future" if tense == "present" and timetabled else None


def _tense(verb: Token) -> str | None:
    """The tense of a verb's clause, from the verb's tag and its auxiliaries: "future" (a modal of
    the future), "past" ("met", "was meeting", "had said"), "perfect" ("has said"), "present"
    ("says", "is meeting", "is expected") or None (an infinitive or a participle without
    auxiliaries: its clause's tense is its governor's)."""
    modals = [c for c in verb.children if c.tag_ == "MD"]
    if any(m.lower_ in FUTURE_MODALS for m in modals):
        return "future"
    auxes = [c for c in verb.children if c.dep_ in {"aux", "auxpass"}]
    if verb.tag_ == "VBD" or any(a.tag_ == "VBD" for a in auxes):
        return "past"
    if modals:
        return None  # "could resume", "may have met": not a tense this can read
    finite = [a for a in auxes if a.tag_ in {"VBZ", "VBP"}]
    if verb.tag_ in {"VBZ", "VBP"} or finite:
        if any(a.lemma_ == "have" for a in finite):
            return "perfect"
        return "present"
    return None


def _infinitive(verb: Token) -> bool:
    """ "to meet", "to be taken"."""
    return any(c.tag_ == "TO" and c.dep_ == "aux" for c in verb.children)


def _scheduled(verb: Token) -> bool:
    """ "(is due) to be taken", "(plans) to publish", "(is) to meet", "(are going) to protest": an
    infinitive is in the future when what governs it puts it on a timetable in the present, or
    is itself in the future ("will try to meet them on Friday")."""
    governor = verb.head
    word = governor.lemma_.lower()
    if governor.pos_ == "ADJ" and governor.dep_ == "acomp":  # "is due to"
        governor = governor.head
    elif word == "go" and governor.tag_ != "VBG":
        return False  # "went to see", "go to see": not "going to"
    tense = _tense(governor)
    if tense == "future":
        return True
    return tense in {"present", "perfect"} and word in SCHEDULING_WORDS


def _scheduling(verb: Token) -> bool:
    """ "The vote is due on Wednesday", "is scheduled for Thursday", "is set for Friday"."""
    if verb.lemma_.lower() in SCHEDULING_WORDS - {"be", "go"}:
        return True
    return any(c.dep_ == "acomp" and c.lemma_.lower() == "due" for c in verb.children)


def _timetable(verb: Token, date: Token) -> bool:
    """A present clause that can only be about the time to come: a progressive with a date ("is
    meeting them on Friday"), a timetable verb ("talks resume on Monday") or a bound ("applies
    from Monday", "stands until Friday")."""
    auxes = [c for c in verb.children if c.dep_ in {"aux", "auxpass"}]
    if (verb.tag_ == "VBG" or any(a.tag_ == "VBG" for a in auxes)) and any(
        a.dep_ == "aux" and a.lemma_ == "be" for a in auxes
    ):
        return True  # "is meeting", "is being held"
    if verb.tag_ in {"VBZ", "VBP"} and verb.lemma_.lower() in TIMETABLE_VERBS:
        return True
    prep = date.head
    return prep.dep_ == "prep" and prep.lower_ in BOUNDING_PREPOSITIONS and prep.head.i == verb.i
