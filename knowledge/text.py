"""Text normalisation shared by indexing, matching and question analysis.

No spaCy here: the store and the quick commands use these forms, and importing spaCy costs
nearly two seconds (which words carry meaning, by spaCy's stop words, is ``content_words``)."""

from __future__ import annotations

import functools
import re
import unicodedata

_WORD = re.compile(r"[^\W_]+(?:['’.-][^\W_]+)*")
_SPACE = re.compile(r"\s+")
_QUOTES = str.maketrans({"’": "'", "“": '"', "”": '"'})
ARTICLES = frozenset({"a", "an", "the"})
PERSON_PRONOUNS = frozenset({"he", "she", "him", "her", "his"})  # they stand for a person


def collapse_spaces(text: str) -> str:
    """Runs of whitespace (newlines included) as one space, none at either end."""
    return _SPACE.sub(" ", text).strip()


def normalise(text: str) -> str:
    """Lowercase, strip accents and collapse whitespace: the one form fuzzy matching compares."""
    text = unicodedata.normalize("NFKD", text).translate(_QUOTES)
    if not text.isascii():  # only then can it hold an accent to strip (a char-by-char pass)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return collapse_spaces(text).lower()


def words(text: str) -> list[str]:
    """Lowercase word tokens of a text."""
    return _WORD.findall(normalise(text))


# General English equivalences news questions lean on ("speak to" ~ "told"); each word maps to the
# group's first member, which both facts and questions are also indexed under.
_SYNONYM_GROUPS = (
    "say tell speak talk told said spoke",
    "start begin open launch commence started began opened",
    "end finish conclude close ended finished concluded closed",
    "agreement deal accord pact treaty",
    "meeting meet talks summit",
    "country nation state",
    "help assist aid support",
    "want seek wish hope",
    "problem issue",
    "big large major huge",
    "kill die dead death",
    "buy purchase acquire",
    "win won beat victory",
    "job post position role",
    "leader head chief",
    "lead led head headed",
)
SYNONYMS = {w: "=" + g.split()[0] for g in _SYNONYM_GROUPS for w in g.split()}


def stem(word: str) -> str | None:
    """A crude stem for words of seven letters or more ("negotiation" ~ "negotiate")."""
    return "~" + word[:6] if len(word) >= 7 and word.isalpha() else None


def expand(term: str) -> list[str]:
    """A term with its synonym class and stem, the forms both sides are indexed under."""
    out = [term]
    if term in SYNONYMS:
        out.append(SYNONYMS[term])
    s = stem(term)
    if s:
        out.append(s)
    return out


@functools.lru_cache(maxsize=1 << 16)  # pure; names recur across facts, articles and the index
def alias_norm(text: str) -> str:
    """The form aliases are looked up by: lowercase words, no leading article."""
    toks = words(text)
    while toks and toks[0] in ARTICLES:
        toks = toks[1:]
    return " ".join(toks)


def name_key(text: str) -> tuple[str, ...]:
    """The words a name or description is looked up by in the index: ``alias_norm``'s, a
    hyphenated word's parts apart, as a question's tokens come ("the Italian-Swedish diplomat"
    is asked as "italian", "swedish", "diplomat")."""
    return tuple(alias_norm(text).replace("-", " ").split())
