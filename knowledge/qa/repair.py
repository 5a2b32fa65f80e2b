"""A question's words against what the store and English know: typos repaired to a word of the
store (or two words joined into one), and the words neither knows."""

from __future__ import annotations

import functools

from rapidfuzz import fuzz, process
from spacy.language import Language

from knowledge.content_words import STOP, is_content
from knowledge.qa.index import Index
from knowledge.qa.question_types import NOUN_TYPES, TYPE_NOUNS, WH_WORDS
from knowledge.text import expand, normalise

_REPAIRABLE_SHORT = (*WH_WORDS, "did", "does", "said", "say", "about", "many", "much", "they")


class _RepairPools:
    """The vocabulary words a misspelling of a given length (and first letter) is compared
    with, built once per vocabulary rather than once per word."""

    def __init__(self) -> None:
        self.key: tuple[int, int] = (0, -1)
        self.pools: dict[tuple[int, str], list[str]] = {}

    def get(self, index: Index, n: int, first: str) -> list[str]:
        key = (id(index), len(index.vocabulary))
        if key != self.key:
            self.key, self.pools = key, {}
        pool = self.pools.get((n, first))
        if pool is None:
            pool = [w for w in index.vocabulary_by_length(n) if w[:1] == first]
            self.pools[(n, first)] = pool
        return pool


_POOLS = _RepairPools()


_SUFFIXES = ("s", "es", "ed", "d", "ing", "er", "ers", "est", "ly", "ies")


@functools.lru_cache(maxsize=4)
def english_words(nlp: Language) -> frozenset[str]:
    """English words the pipeline's lemmatizer knows (its WordNet-derived lemma index and
    exceptions): a real word the store lacks ("city", "leader") is not a misspelling."""
    try:
        lookups = nlp.get_pipe("lemmatizer").lookups  # type: ignore[attr-defined]
    except (KeyError, AttributeError):
        return frozenset()
    out: set[str] = set()
    for name in ("lemma_index", "lemma_exc"):
        if name not in lookups.tables:
            continue
        table = lookups.get_table(name)
        for pos in ("noun", "verb", "adj", "adv"):
            entry = table.get(pos) or ()
            out.update(w for w in entry if isinstance(w, str) and "_" not in w)
    return frozenset(out)


def is_english(word: str, english: frozenset[str]) -> bool:
    if word in english:
        return True
    for suffix in _SUFFIXES:
        stem = word.removesuffix(suffix)
        if suffix == "es" and not stem.endswith(("s", "x", "z", "ch", "sh", "o")):
            continue
        if stem != word and len(stem) >= 3 and (stem in english or stem + "e" in english):
            return True
    return word.endswith("ies") and word[:-3] + "y" in english


_TYPE_WORDS = frozenset(NOUN_TYPES) | {"kind", "type", "sort", "name", "many", "much"}


def unseen_words(
    toks: list, lowers: tuple[str, ...], covered: set[int], index: Index
) -> tuple[str, ...]:
    """Content words of the question the store has never seen, in any form."""
    return tuple(
        lowers[i]
        for i, t in enumerate(toks)
        if i not in covered
        and is_content(lowers[i])
        and lowers[i] not in WH_WORDS
        and lowers[i] not in _TYPE_WORDS
        and not index.is_known(lowers[i])
        and not index.is_known(normalise(t.lemma_))
        and not any(w in index.postings for w in expand(normalise(t.lemma_)))
    )


@functools.lru_cache(maxsize=256)
def _english_pool(english: frozenset[str], first: str, n: int) -> tuple[str, ...]:
    return tuple(w for w in english if w[:1] == first and abs(len(w) - n) <= 2)


def near_english(word: str, english: frozenset[str]) -> bool:
    """A misspelt word ("betwen") is near a word of the language; a name ("assad") is not."""
    pool = _english_pool(english, word[:1], len(word))
    cutoff = 75 if len(word) >= 6 else 85
    return process.extractOne(word, pool, scorer=fuzz.ratio, score_cutoff=cutoff) is not None


def near_store_word(word: str, index: Index) -> bool:
    """A misspelling too far from the store's word to repair safely ("efords") is still no name."""
    if len(word) < 5:
        return False
    pool = _POOLS.get(index, len(word), word[:1])
    return process.extractOne(word, pool, scorer=fuzz.ratio, score_cutoff=75) is not None


def joined_in_store(
    left: tuple[int, int, str], right: tuple[int, int, str], raw: str, index: Index
) -> bool:
    """Whether two adjacent words are one word of the store written apart."""
    if raw[left[1] : right[0]] != " " or not left[2].isalpha() or not right[2].isalpha():
        return False
    word = normalise(left[2] + right[2])
    return len(word) >= 6 and word in index.vocabulary and word not in STOP


def repair_word(token: str, index: Index, english: frozenset[str] = frozenset()) -> str | None:
    """The store's word closest to a misspelt one ("tlaks" → "talks"), or None to keep it.
    Words of the language that the store lacks ("city") are kept."""
    low = normalise(token)
    if low.endswith("'s") and len(low) > 2:  # "Diemont's": the name, repaired, keeps its "'s"
        fixed = repair_word(token[:-2], index, english)
        return None if fixed is None else fixed + token[-2:]
    if index.is_known(low) or low.isdigit() or len(low) < 3:
        return None
    if len(low) <= 5:
        # One insertion ("wen" → "when") but not one substitution ("day" is not "say") nor a
        # deletion ("show" is not "how"), bar a trailing "s" ("whos").
        best = process.extractOne(low, _REPAIRABLE_SHORT, scorer=fuzz.ratio, score_cutoff=75)
        if best is not None and best[0] != low:
            word = str(best[0])
            if len(word) > len(low) or low == word + "s":
                return word
            return None
    if len(low) < 4 or is_english(low, english):
        return None
    cutoff = 80 if len(low) >= 6 else 75
    pool = _POOLS.get(index, len(low), low[:1])  # misspellings seldom change the first letter
    best = process.extractOne(low, pool, scorer=fuzz.ratio, score_cutoff=cutoff)
    if best is None:  # the nouns that name an answer's type ("contries") decide what is asked
        best = process.extractOne(low, TYPE_NOUNS, scorer=fuzz.ratio, score_cutoff=cutoff)
    if best is None:
        return None
    word = str(best[0])
    return word.capitalize() if token[:1].isupper() else word
