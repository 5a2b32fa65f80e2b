"""Where a question's words and entities stand in a parsed fact (shared by the answer rules and
the learned span scorer)."""

from __future__ import annotations

import functools

from spacy.tokens import Doc, Token
from spacy.tokens import Span as SpacySpan

from knowledge.content_words import STOP
from knowledge.models import Fact
from knowledge.qa.question import Question
from knowledge.text import expand, normalise


def forms(tok: Token) -> frozenset[str]:
    """The terms a token is indexed under: its word and lemma, with their synonym class and
    stem."""
    return _forms(tok.text, tok.lemma_)


@functools.lru_cache(maxsize=65536)
def _forms(text: str, lemma: str) -> frozenset[str]:
    # Kept: the rules look up every token of every fact they parse, the same words again and
    # again (about 190 a question).
    return frozenset(f for w in (normalise(text), normalise(lemma)) for f in expand(w))


@functools.lru_cache(maxsize=65536)
def _is_stop(text: str) -> bool:
    return normalise(text) in STOP


def matched_tokens(q: Question, fact: Fact, doc: Doc) -> list[set[int]]:
    """Token positions in the fact of each thing the question names that the fact holds: one
    set per question word (any of its forms) and per named entity (its mentions, and those of
    the place a demonym stands for), empty where the fact lacks it."""
    keys: list[set[int]] = [set() for _ in q.groups]
    for t in doc:
        if _is_stop(t.text):
            continue
        found = forms(t)
        for k, group in enumerate(q.groups):
            if found.intersection(group):
                keys[k].add(t.i)
    for eid in sorted(q.entity_ids):
        mentioned: set[int] = set()
        kin = q.kin_of(eid)
        for m in fact.mentions:
            if m.entity_id not in kin:
                continue
            span = doc.char_span(m.start, m.end, alignment_mode="expand")
            if span is not None:
                mentioned.update(range(span.start, span.end))
        keys.append(mentioned)
    return keys


def ancestors(tok: Token) -> list[int]:
    """The token's index and its heads' up to the root."""
    path = [tok.i]
    while tok.head.i != tok.i:
        tok = tok.head
        path.append(tok.i)
    return path


def meeting(a: list[int], b: list[int]) -> tuple[int, int] | None:
    """Given two tokens' paths to the root (``ancestors``), how many steps up each takes to
    reach the nearest head they share; None when they share none (two sentences of a fact)."""
    where = {t: n for n, t in enumerate(a)}
    for n, t in enumerate(b):
        if t in where:
            return where[t], n
    return None


def answer_span(fact: Fact, doc: Doc, answer: str | None) -> SpacySpan | None:
    """The answer's tokens in the fact's parse; None when it is not a span of the fact."""
    start = fact.text.find(answer) if answer else -1
    if answer is None or start < 0:
        return None
    return doc.char_span(start, start + len(answer), alignment_mode="expand")
