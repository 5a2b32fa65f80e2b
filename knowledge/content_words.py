"""Which words carry meaning: spaCy's English stop words, less those a question leans on, and
the terms a fact is indexed under. Apart from ``knowledge.text`` because importing spaCy costs
nearly two seconds, which the store and the quick commands do without."""

from __future__ import annotations

import re
from collections.abc import Iterable

from spacy.lang.en.stop_words import STOP_WORDS
from spacy.tokens import Token

from knowledge.text import expand, normalise

# Words that carry meaning in a question even though spaCy lists them as stop words.
_KEEP = frozenset(
    {"first", "last", "next", "top", "former", "several", "few", "many", "much"}
    # nouns and verbs that name things ("which part of", "each side", "put in", "front page")
    | {"side", "part", "name", "put", "give", "take", "keep", "show", "call", "move", "back"}
    | {"front", "bottom", "full", "empty", "serious", "amount", "together", "alone", "against"}
    # numbers ("what four topics")
    | {"two", "three", "four", "five", "six", "eight", "nine", "ten", "eleven", "twelve"}
    | {"fifteen", "twenty", "forty", "fifty", "sixty", "hundred", "third"}
)
STOP = frozenset(w for w in STOP_WORDS if w not in _KEEP) | frozenset({"'s", "’s", "did", "does"})


def is_content(word: str) -> bool:
    return word not in STOP and (len(word) > 1 or word.isdigit())


def index_terms(tokens: Iterable[Token]) -> tuple[str, ...]:
    """The terms a fact is indexed under: lemmas and surface forms of its content words."""
    terms: dict[str, None] = {}
    for tok in tokens:
        if tok.is_punct or tok.is_space:
            continue
        lower = normalise(tok.text)
        lemma = normalise(tok.lemma_)
        for term in (lemma, lower):
            if is_content(term) and any(ch.isalnum() for ch in term):
                for form in expand(term):
                    terms[form] = None
        for part in re.split(r"[-/.]", lower):  # "UN-led" is also "un" and "led"
            if part != lower and is_content(part) and part.isalnum():
                terms[part] = None
    return tuple(terms)
