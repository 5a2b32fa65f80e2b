"""What the answer rules share: a token's noun chunk, the words of a span the question lacks,
the cleaned text of a span, and how near a span is to the question's words."""

from __future__ import annotations

from collections.abc import Sequence

from spacy.tokens import Doc
from spacy.tokens import Span as SpacySpan

from knowledge.content_words import STOP
from knowledge.qa.vocabulary import ANSWER_STRIP, AUXILIARIES
from knowledge.text import normalise

# with "can" and "will", which the span scorer's yes/no test (``AUXILIARIES``) leaves out
AUX_WORDS = AUXILIARIES | {"can", "will"}


_FAR = 150  # characters: a question word further away than this says nothing about a span


def near(start: int, end: int, matched: Sequence[Sequence[int]]) -> float:
    """How far a span sits from the question's words in the fact: the mean over the words of
    the distance to their nearest occurrence, so a span amid all of them beats one next to
    only one."""
    if not matched:
        return 0.0
    total = 0
    for positions in matched:
        total += min(
            min(_FAR, 0 if start <= m < end else min(abs(m - start), abs(m - end)))
            for m in positions
        )
    return total / len(matched)


Keys = Sequence[Sequence[int]]  # per question word or entity: its offsets in the fact
# Words an option or an answer may hold beside its content ("in Linz", "the talks").
FUNCTION_WORDS = frozenset(
    {"the", "a", "an", "of", "in", "on", "at", "to", "for", "by", "and", "or", "'s"}
)


def chunk_for(token, doc: Doc) -> SpacySpan | None:  # type: ignore[no-untyped-def]
    for chunk in doc.noun_chunks:
        if chunk.start <= token.i < chunk.end:
            return chunk
    if token.pos_ in {"VERB", "ADJ"}:
        sub = list(token.subtree)
        if len(sub) <= 12:
            return doc[sub[0].i : sub[-1].i + 1]
    return None


def new_words(chunk: SpacySpan, qwords: set[str]) -> list[str]:
    return [
        normalise(t.text)
        for t in chunk
        if any(ch.isalpha() for ch in t.text)  # "G20", "step-by-step" are words too
        and normalise(t.text) not in STOP
        and normalise(t.text) not in qwords
        and normalise(t.lemma_) not in qwords
    ]


def clean(span: SpacySpan) -> str:
    toks = list(span)
    while (
        toks
        and toks[0].dep_ != "predet"
        and (toks[0].pos_ in {"DET", "PUNCT"} or toks[0].tag_ == "PRP$")
    ):
        toks = toks[1:]
    while toks and toks[-1].is_punct:
        toks = toks[:-1]
    if not toks:
        return span.text.strip(ANSWER_STRIP)
    text = span.doc[toks[0].i : toks[-1].i + 1].text.strip(ANSWER_STRIP)
    return text.replace('"', "") if text.count('"') % 2 else text  # a quote cut in half
