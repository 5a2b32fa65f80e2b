"""Answers whose shape the question names: a yes/no verdict or one of two options, a degree or a
manner for "how", the list after a colon, a quote (or the part of it the question asks about)
and a reason for "why"."""

from __future__ import annotations

import re
from collections.abc import Sequence

from spacy.tokens import Doc, Token
from spacy.tokens import Span as SpacySpan

from knowledge.content_words import STOP
from knowledge.models import Fact
from knowledge.qa.answers.common import FUNCTION_WORDS, Keys, chunk_for, near
from knowledge.qa.matching import forms
from knowledge.qa.question import Question
from knowledge.qa.vocabulary import ANSWER_STRIP
from knowledge.text import expand, normalise

_NEGATIONS = frozenset({"no", "not", "never", "without", "n't", "none", "nobody", "nothing"})


def yes_no(q: Question, doc: Doc) -> str | None:
    """ "Was there a breakthrough?": the phrase of the fact that settles it ("no
    breakthrough", "so far unfruitful", "without going deeper into the topics"), preferring
    one that holds a negation."""
    found: list[tuple[bool, int, str]] = []
    for tok in doc:
        if normalise(tok.text) in STOP or not any(forms(tok).intersection(g) for g in q.groups):
            continue
        chunk = chunk_for(tok, doc)
        if chunk is not None and chunk[0].lower_ == "no":
            found.append((True, tok.i, chunk.text))
            continue
        head = tok
        while head.pos_ not in {"VERB", "AUX", "ADJ"} and head.head.i != head.i:
            head = head.head
        if head.pos_ not in {"VERB", "AUX", "ADJ"}:
            continue
        toks = [head] + [
            t
            for c in head.children
            if c.dep_ not in {"conj", "cc", "punct", "advcl", "mark"}
            for t in c.subtree
        ]
        if head.dep_ == "pcomp" and head.head.lower_ in _NEGATIONS:
            toks.append(head.head)
        toks.sort(key=lambda t: t.i)
        if len(toks) > 10:
            continue
        text = doc[toks[0].i : toks[-1].i + 1].text
        negated = any(t.lower_ in _NEGATIONS or t.lower_.startswith("un") for t in toks)
        found.append((negated, tok.i, text))
    if not found:
        return None
    found.sort(key=lambda f: (not f[0], f[1]))
    return found[0][2].strip(ANSWER_STRIP)


_MEANS = frozenset({"by", "through", "via", "using"})


def either_or(q: Question, doc: Doc, qwords: set[str], matched: Keys) -> str | None:
    """ "Did X meet them together or apart?": the option the fact names or, where it names
    neither, the fact's manner adverb near the question's words ("separately")."""
    toks = [t for t in q.tokens if any(ch.isalnum() for ch in t)]
    if "or" not in toks[1:-1]:
        return None
    i = len(toks) - 1 - toks[::-1].index("or")
    after = [t for t in toks[i + 1 :] if t not in FUNCTION_WORDS]  # "in Linz or in Vienna"
    options = {toks[i - 1], after[0] if after else toks[i + 1]}
    if options & {"not", "no", "so", "else", "what", "who", "whether"}:  # "... or not?"
        return None
    forms = {f for o in options for f in expand(o)}
    for tok in doc:
        if {tok.lower_, tok.lemma_.lower()} & forms:
            return tok.text
    adverbs = [
        (near(tok.idx, tok.idx + len(tok), matched), doc[tok.left_edge.i : tok.i + 1].text)
        for tok in doc
        if tok.pos_ == "ADV"
        and tok.dep_ == "advmod"
        and tok.lower_ not in qwords
        and tok.lower_.endswith("ly")
        and tok.head.pos_ in {"VERB", "AUX"}
    ]
    return min(adverbs)[1] if adverbs else None


def degree_of(q: Question, doc: Doc) -> str | None:
    """ "How intensively ...?", "how soon ...?": the fact's phrase headed by the same adverb or
    adjective ("quite intensively", "as soon as possible")."""
    if "how" not in q.tokens[:-1]:
        return None
    word = q.tokens[q.tokens.index("how") + 1]
    if word in STOP:
        return None
    for tok in doc:
        if tok.lower_ == word and tok.pos_ in {"ADV", "ADJ"}:
            sub = [t for t in tok.subtree if not t.is_punct]
            if sub and len(sub) <= 6:
                return doc[sub[0].i : sub[-1].i + 1].text.strip(ANSWER_STRIP)
    return None


def manner_of(q: Question, doc: Doc, matched: Keys) -> str | None:
    """ "How did X reach Y?": a means ("by telephone") or a manner adverb ("quite
    intensively") near the question's words."""
    options: list[tuple[float, str]] = []
    for tok in doc:
        if tok.lower_ in _MEANS and tok.dep_ == "prep" and tok.head.pos_ in {"VERB", "AUX"}:
            sub = list(tok.subtree)
            if len(sub) > 8:  # "by telephone about progress in ...": the means alone
                objects = [chunk_for(c, doc) for c in tok.children if c.dep_ == "pobj"]
                sub = list(doc[tok.i : objects[0].end]) if objects and objects[0] else []
            if 1 < len(sub) <= 8:
                text = doc[sub[0].i : sub[-1].i + 1].text
                options.append((near(tok.idx, sub[-1].idx, matched), text))
        elif tok.pos_ == "ADV" and tok.dep_ == "advmod" and tok.lower_.endswith("ly"):
            sub = list(tok.subtree)
            text = doc[sub[0].i : sub[-1].i + 1].text
            options.append((near(tok.idx, tok.idx + len(tok), matched) + 10, text))
    if not options:
        return None
    return min(options)[1].strip(ANSWER_STRIP)


def colon_list(q: Question, fact: Fact) -> str | None:
    """ "on four topics: governance, constitution, re-elections and anti-terrorism": what the
    question's noun introduces before a colon is the list after it."""
    head, colon, tail = fact.text.partition(":")
    if not colon or not tail.strip():
        return None
    before = normalise(head).split()[-4:]
    nouns = {w for i in q.nouns for w in q.groups[i]}
    if q.focus:
        nouns.add(q.focus)
    if not any(w in nouns or w.rstrip("s") in nouns for w in before):
        return None
    return tail.split(".")[0].strip(ANSWER_STRIP) or None


_ITEM_SEPARATORS = re.compile(r",\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+")


def list_size(answer: str | None) -> int:
    """How many items a list answer names ("governance, constitution and elections": 3)."""
    return len([p for p in _ITEM_SEPARATORS.split(answer or "") if p.strip()])


def quote_of(q: Question, fact: Fact) -> str | None:
    quotes = [t for t, sp in fact.quotes if sp is None or sp in q.entity_ids] or [
        t for t, _ in fact.quotes
    ]
    if not quotes:
        return None
    about = {w for w in q.lemmas if w not in STOP}
    best = max(quotes, key=lambda t: len(about & set(normalise(t).split())))
    return best.strip(ANSWER_STRIP)


def about_part(q: Question, fact: Fact, doc: Doc, quoted: str) -> str | None:
    """ "What did X say about Y?": the part of the quote that is about Y: the list item naming
    it ("no breakdowns"), or the clause holding it."""
    if "about" not in q.tokens:
        return None
    topic = set(q.tokens[q.tokens.index("about") + 1 :])
    groups = [g for g in q.groups if topic.intersection(g)]
    start = fact.text.find(quoted)
    if not groups or start < 0:
        return None
    end = start + len(quoted)
    for tok in doc:
        if not start <= tok.idx < end or normalise(tok.text) in STOP:
            continue
        forms = {f for w in (normalise(tok.text), normalise(tok.lemma_)) for f in expand(w)}
        if not any(forms.intersection(g) for g in groups):
            continue
        chunk = chunk_for(tok, doc)
        if chunk is not None and _only_item(chunk, doc, groups):
            return chunk.text.strip(ANSWER_STRIP)
        head = tok
        while head.pos_ not in {"VERB", "AUX"} and head.head.i != head.i:
            head = head.head
        if head.pos_ not in {"VERB", "AUX"}:
            return None
        # "(it is) important to adhere to X", but not "another priority is to consolidate X"
        while head.dep_ == "xcomp" and head.head.idx >= start and not _noun_subject(head.head):
            head = head.head
        toks = [head]
        for child in head.children:
            if child.dep_ in {"conj", "cc", "punct", "advcl"} and not (
                child.i <= tok.i <= max(t.i for t in child.subtree)
                and min(t.i for t in child.subtree) <= tok.i
            ):
                continue
            toks.extend(child.subtree)
        toks = [t for t in toks if start <= t.idx < end]
        if not toks:
            return None
        toks.sort(key=lambda t: t.i)
        return doc[toks[0].i : toks[-1].i + 1].text.strip(ANSWER_STRIP)
    return None


def _noun_subject(verb: Token) -> bool:
    return any(c.dep_ == "nsubj" and c.pos_ in {"NOUN", "PROPN"} for c in verb.children)


def _only_item(chunk: SpacySpan, doc: Doc, groups: list[tuple[str, ...]]) -> bool:
    """Whether the chunk is one item of a list ("no breakthrough, no breakdowns") and the only
    item naming the topic."""
    first = chunk.root
    while first.dep_ == "conj" and first.head.i != first.i:
        first = first.head
    items = [first, *(t for t in first.subtree if t.dep_ == "conj" and t.head.i >= first.i)]
    if len(items) < 2:
        return False

    def names(item: Token) -> bool:
        item_chunk = chunk_for(item, doc)
        toks = list(item_chunk) if item_chunk is not None else [item]
        return any(forms(t).intersection(g) for t in toks for g in groups)

    return sum(names(i) for i in items) == 1


_CAUSE_BONUS = 30.0  # characters of nearness a "for bribing" cause is worth over a "to" purpose


def reason_of(doc: Doc, matched: Sequence[Sequence[int]], asked: frozenset[str]) -> str | None:
    """A "because"/"since"/"so" clause or a purpose "to" clause: the one nearest the
    question's words ("because" on a tie). A "to" clause of the question's own verb ("why did
    she quit?": "her decision to quit") is what happened, not why."""
    options: list[tuple[float, int, str]] = []
    for tok in doc:
        # "fined for bribing an official": "for" and a gerund after one of the question's words
        if tok.lower_ == "for" and forms(tok.head) & asked:
            gerunds = [c for c in tok.children if c.tag_ == "VBG" and c.dep_ in {"pcomp", "pobj"}]
            if gerunds:
                sub = list(tok.subtree)
                text = doc[sub[0].i : sub[-1].i + 1].text.strip(ANSWER_STRIP)
                # a cause said outright beats a purpose a little nearer
                options.append((near(sub[0].idx, sub[-1].idx, matched) - _CAUSE_BONUS, 0, text))
                continue
        if tok.lower_ == "to" and tok.dep_ == "aux" and normalise(tok.head.lemma_) in asked:
            continue
        if tok.lower_ in {"because", "since", "so"} or (tok.lower_ == "to" and tok.dep_ == "aux"):
            sub = list(tok.head.subtree)
            if tok.head.i < tok.i:  # "so" after its verb: the clause it opens, not the sentence
                sub = [t for t in sub if t.i >= tok.i]
            # "because X left and Y stayed": the reason ends where a conjoined clause starts
            ends = [
                c.i
                for c in tok.head.children
                if c.dep_ == "cc"
                and c.i > tok.i
                and any(d.dep_ == "conj" and d.pos_ in {"VERB", "AUX"} for d in c.head.children)
            ]
            if ends:
                sub = [t for t in sub if t.i < min(ends)] or sub
            text = doc[sub[0].i : sub[-1].i + 1].text.strip(ANSWER_STRIP)
            start, end = sub[0].idx, sub[-1].idx + len(sub[-1])
            explicit = 0 if tok.lower_ == "because" else 1
            options.append((near(start, end, matched), explicit, text))
    return min(options)[2] if options else None
