"""Quoted and reported speech with its speaker: the subject of the speech verb nearest the
quote, else the sentence's subject person."""

from __future__ import annotations

import re
from collections.abc import Sequence

from spacy.tokens import Token

from knowledge.models import (
    ExtractedMention,
    Quote,
)
from knowledge.nlp.entities import Cluster, Sent
from knowledge.nlp.lexicon import SPEECH_VERBS
from knowledge.nlp.references import subject_person

_QUOTE = re.compile(r"[\"“]([^\"“”]{3,}?)[\"”]")


# --- quotes, dates, typed spans --------------------------------------------------------------


def find_quotes(
    sent: Sent, mentions: Sequence[ExtractedMention], clusters: list[Cluster]
) -> list[Quote]:
    """Direct quotes ("...", he said) and reported speech (X said that ...) with their speaker: the
    subject of the speech verb nearest the quote, else the sentence's subject person."""
    base = sent.span.start_char
    text = sent.span.text
    verbs = _speech_verbs(sent, mentions, clusters)
    fallback = subject_person(sent, mentions, clusters)
    quotes = []
    for m in _QUOTE.finditer(text):
        speaker = fallback
        if verbs:
            near = min(verbs, key=lambda v: _distance(v[0].idx - base, m.start(), m.end()))
            speaker = near[1]
        quotes.append(Quote(m.group(1).strip(" ,."), speaker))
    if not quotes:
        for verb, speaker in verbs:
            clause = [c for c in verb.children if c.dep_ in {"ccomp", "xcomp"}]
            if clause:
                sub = list(clause[0].subtree)
                a = sub[0].idx - base
                b = sub[-1].idx + len(sub[-1].text) - base
                quotes.append(Quote(text[a:b].removeprefix("that ").strip(), speaker))
                break
    return quotes


def _distance(pos: int, start: int, end: int) -> int:
    return 0 if start <= pos < end else min(abs(pos - start), abs(pos - end))


def _entity_at(
    tok: Token, base: int, mentions: Sequence[ExtractedMention], clusters: list[Cluster]
) -> int | None:
    """The entity a subject phrase refers to: a person in it, else the mention at its head."""
    lo = min(t.idx for t in tok.subtree) - base
    hi = max(t.idx + len(t.text) for t in tok.subtree) - base
    inside = [m for m in mentions if lo <= m.start and m.end <= hi]
    people = [m for m in inside if clusters[m.entity_key].label == "PERSON"]
    if people:
        return people[-1].entity_key
    pos = tok.idx - base
    for m in inside:
        if m.start <= pos < m.end:
            return m.entity_key
    return None


def _speech_verbs(
    sent: Sent, mentions: Sequence[ExtractedMention], clusters: list[Cluster]
) -> list[tuple[Token, int]]:
    base = sent.span.start_char
    found = []
    for tok in sent.tokens:
        if tok.lemma_.lower() not in SPEECH_VERBS or tok.pos_ not in {"VERB", "AUX"}:
            continue
        key = None
        if tok.tag_ == "VBG" and tok.head.i != tok.i:
            # "cited Macron as saying": the speaker is the object of the verb that cites.
            governor = tok.head.head if tok.head.dep_ == "prep" else tok.head
            for child in governor.children:
                if child.dep_ == "dobj":
                    key = _entity_at(child, base, mentions, clusters)
        verb = tok
        while key is None:
            subjects = [c for c in verb.children if c.dep_ in {"nsubj", "nsubjpass"}]
            if subjects:
                key = _entity_at(subjects[0], base, mentions, clusters)
                break
            if verb.dep_ != "conj" or verb.head.i == verb.i:
                break
            verb = verb.head  # "X spoke ... and said": the subject is the first verb's
        if key is not None:
            found.append((tok, key))
    return found
