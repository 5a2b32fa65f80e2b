"""What a question asks for: its question word, the noun that names the asked type ("which
country", "how many seconds") and the NER labels that answer it."""

from __future__ import annotations

from knowledge.nlp.lexicon import ROLE_NOUNS
from knowledge.qa.vocabulary import BE_FORMS
from knowledge.text import ARTICLES

WH_WORDS = ("who", "whom", "whose", "what", "when", "where", "which", "why", "how")
NOUN_TYPES: dict[str, tuple[str, ...]] = {}
for _w in [
    "country",
    "countries",
    "nation",
    "nations",
    "state",
    "states",
    "city",
    "cities",
    "capital",
    "town",
    "towns",
    "place",
    "places",
    "region",
    "regions",
    "province",
    "area",
    "areas",
]:
    NOUN_TYPES[_w] = ("GPE", "LOC")
for _w in ROLE_NOUNS | {"person", "people", "man", "men", "woman", "women", "persons"}:
    NOUN_TYPES[_w] = ("PERSON",)
for _w in [
    "organization",
    "organisation",
    "organizations",
    "organisations",
    "company",
    "companies",
    "agency",
    "agencies",
    "body",
    "bodies",
    "group",
    "groups",
    "party",
    "parties",
    "team",
    "teams",
    "firm",
    "firms",
]:
    NOUN_TYPES[_w] = ("ORG",)
for _w in [
    "year",
    "years",
    "month",
    "months",
    "day",
    "days",
    "date",
    "dates",
    "time",
    "period",
    "decade",
    "century",
]:
    NOUN_TYPES[_w] = ("DATE", "TIME")
for _w in ["county", "counties", "continent", "island", "islands", "river", "rivers", "lake"]:
    NOUN_TYPES[_w] = ("GPE", "LOC")
for _w in ["university", "newspaper", "network", "channel", "church", "school", "club"]:
    NOUN_TYPES[_w] = ("ORG",)
for _w in ["war", "battle", "event", "tournament", "festival"]:
    NOUN_TYPES[_w] = ("EVENT",)
for _w in ["language", "languages"]:
    NOUN_TYPES[_w] = ("LANGUAGE", "NORP")
for _w in ["nationality", "nationalities", "religion"]:
    NOUN_TYPES[_w] = ("NORP",)
for _w in ["percentage", "percent", "share", "proportion"]:
    NOUN_TYPES[_w] = ("PERCENT",)
for _w in ["number", "amount"]:
    NOUN_TYPES[_w] = ("CARDINAL", "QUANTITY", "MONEY")
for _w in ["size", "cost", "price", "value", "sum", "worth"]:
    NOUN_TYPES[_w] = ("MONEY", "QUANTITY", "CARDINAL", "PERCENT")
for _w in ["film", "films", "movie", "movies", "book", "books", "song", "songs", "album"]:
    NOUN_TYPES[_w] = ("WORK_OF_ART",)
for _w in ["novel", "play", "opera", "painting", "series", "programme", "program"]:
    NOUN_TYPES[_w] = ("WORK_OF_ART",)
for _w in ["law", "laws", "act", "treaty", "directive", "bill"]:
    NOUN_TYPES[_w] = ("LAW",)
TYPE_NOUNS = tuple(NOUN_TYPES)
_WH_TYPES: dict[str, tuple[str, ...]] = {
    "who": ("PERSON", "ORG", "NORP", "GPE"),
    "whom": ("PERSON", "ORG", "NORP", "GPE"),
    "whose": ("PERSON", "ORG"),
    "when": ("DATE", "TIME"),
    "where": ("GPE", "LOC", "FAC"),
}
_HOW_TYPES = {
    "many": ("CARDINAL", "QUANTITY", "ORDINAL"),  # "how many rounds so far": "the seventh"
    "much": ("MONEY", "QUANTITY", "CARDINAL", "PERCENT"),
    "long": ("DATE", "TIME", "QUANTITY"),
    "old": ("DATE", "CARDINAL"),
    "far": ("QUANTITY",),
    "often": ("DATE", "TIME"),
}


def question_type(
    lowers: tuple[str, ...],
) -> tuple[str | None, str | None, bool, tuple[str, ...]]:
    for i, word in enumerate(lowers):
        w = {
            "whats": "what",
            "what's": "what",
            "who's": "who",
            "where's": "where",
            "when's": "when",
        }.get(word, word)
        if w not in WH_WORDS:
            continue
        nxt = lowers[i + 1] if i + 1 < len(lowers) else ""
        if w == "how":
            unit = lowers[i + 2] if i + 2 < len(lowers) else ""
            if nxt == "many" and unit in _TIME_UNITS:  # "how many years": "six-year" is a DATE
                return "how many", None, False, ("DATE", "TIME", "CARDINAL", "QUANTITY")
            return (
                "how " + nxt if nxt in _HOW_TYPES else "how",
                None,
                False,
                _HOW_TYPES.get(nxt, ()),
            )
        if w in {"what", "which"}:
            j = i + 1
            if nxt in BE_WORDS and "'s" in lowers[j + 2 : j + 6] and lowers[-1] != "'s":
                # "what is Cara Diemont's firm": the noun after the possessive
                j = lowers.index("'s", j + 2) + 1
                nxt = lowers[j]
            elif nxt in BE_WORDS and j + 2 < len(lowers) and lowers[j + 1] in ARTICLES:
                j += 2  # "what is the name of ...", "which was the city ..."
                nxt = lowers[j]
            kind_of = nxt in {"kind", "type", "sort", "form"} and j + 1 < len(lowers)
            j = j + 2 if kind_of else j
            # "which French leader": look past adjectives for the noun that names the type (not
            # past a verb: "what did Prince Harry wear" asks for no prince)
            for k in range(j, min(j + 3, len(lowers)) if nxt not in _VERB_AFTER_WH else j):
                if lowers[k] in NOUN_TYPES:
                    j = k
                    break
            noun = lowers[j] if j < len(lowers) else None
            if noun is not None and (noun in ARTICLES or noun in _VERB_AFTER_WH):
                noun = None  # "what does China want": no noun names the type
            if noun == "name":  # "what is the name of the envoy": the envoy's type
                later = [NOUN_TYPES[w] for w in lowers[j + 1 :] if w in NOUN_TYPES]
                return w, noun, False, later[0] if later else ("PERSON", "ORG", "GPE")
            types = NOUN_TYPES.get(noun or "", ())
            return w, noun, kind_of, types
        return w, None, False, _WH_TYPES.get(w, ())
    return None, None, False, ()


_VERB_AFTER_WH = frozenset(
    {"do", "does", "did", "is", "are", "was", "were", "has", "have", "had", "will", "would"}
    | {"can", "could", "should", "may", "might", "must", "'s"}
)
_TIME_UNITS = frozenset(
    {"years", "months", "weeks", "days", "hours", "minutes", "seconds", "decades", "centuries"}
)
BE_WORDS = BE_FORMS | {"'s"}
