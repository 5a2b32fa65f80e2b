"""Places and the adjectives named after them ("China" ~ "Chinese", "Syria" ~ "Syrian").

A question says "the Chinese envoy" where the article says "China's special envoy", or the other
way round. The English derivations are regular enough to undo: strip a demonym suffix and put
back a country ending, then keep only the forms the store knows as a place. Irregular pairs
("France" ~ "French") are simply not linked.
"""

from __future__ import annotations

# Longest first, so "Italian" loses "ian" before "an".
_SUFFIXES = ("ese", "ian", "ish", "an", "n", "i")
_ENDINGS = ("", "a", "e", "y", "ia", "en", "ey")
MIN_STEM = 4  # "Irish" must not become "Iran"


def place_forms(adjective: str) -> set[str]:
    """Lowercase place names an adjective may be derived from ("chinese" → "china", ...);
    most are not real names: callers keep those they know as places."""
    word = adjective.lower()
    out: set[str] = set()
    for suffix in _SUFFIXES:
        if not word.endswith(suffix):
            continue
        stem = word[: -len(suffix)]
        if len(stem) < MIN_STEM:
            continue
        out.update(stem + ending for ending in _ENDINGS)
    if word.endswith("an") and len(word) > MIN_STEM:
        out.add(word + "y")  # "German" → "Germany"
    out.discard(word)
    return out


def related(adjective: str, place: str) -> bool:
    """Whether ``adjective`` is the demonym of ``place`` ("Syrian", "Syria")."""
    return place.lower() in place_forms(adjective)
