"""Answers of the asked type: the span of an expected NER type that the question does not
hold, a whole list or a whole name where it is one, and the checks of whether an answer is of
the form asked ("which year": a year)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from spacy.tokens import Doc

from knowledge.content_words import is_content
from knowledge.models import Fact, Span
from knowledge.qa.answers.common import FUNCTION_WORDS, Keys, chunk_for, clean, near
from knowledge.qa.index import Index
from knowledge.qa.kinds import TYPED_KINDS, AnswerKind
from knowledge.qa.question import Question
from knowledge.qa.vocabulary import ANSWER_STRIP, DATE_FOCUS
from knowledge.text import ARTICLES, expand, normalise, words

_LIST_GLUE = re.compile(r"^\s*(,|and|or|, and|, or|&)\s*$")


def full_name(q: Question, fact: Fact, answer: str, index: Index) -> str:
    """ "What is the name of the envoy?": the whole name ("Xie Xiaoyan") where the fact gives
    only part of it ("Chinese envoy Xie")."""
    if "name" not in q.tokens:
        return answer
    for m in fact.mentions:
        ent = index.entities.get(m.entity_id)
        if (
            ent is not None
            and fact.text[m.start : m.end] == answer
            and len(ent.name) > len(answer)
            and answer in ent.name.split()
        ):
            return ent.name
    return answer


_CAPITALISED_PART = re.compile(r"-[A-Z][\w.]*")


def _hyphenated(sp: Span, text: str) -> Span:
    """ "Italian" of "Italian-Swedish": a name joined by hyphens to more capitalised words is
    whole only with them."""
    end = sp.end
    while m := _CAPITALISED_PART.match(text, end):
        end = m.end()
    return sp if end == sp.end else Span(sp.start, end, text[sp.start : end], sp.label)


def typed_span(
    q: Question, fact: Fact, doc: Doc, index: Index, *, qwords: set[str], matched: Keys
) -> str | None:
    spans = [sp for sp in fact.spans if sp.label in q.expected]
    # Entities the NER tagged differently in this sentence but whose store label fits.
    for m in fact.mentions:
        ent = index.entities.get(m.entity_id)
        if (
            ent is not None
            and ent.label in q.expected
            and m.kind in {"name", "alias"}
            and not any(sp.start <= m.start < sp.end for sp in spans)
        ):
            spans.append(Span(m.start, m.end, fact.text[m.start : m.end], ent.label))
    spans = [_hyphenated(sp, fact.text) for sp in spans]
    spans = [sp for sp in spans if not _in_question(sp, fact, q, qwords, index)]
    heads = [sp for sp in spans if not _modifier(sp, doc)]
    if not spans:
        return None

    # The question's first expected label is the likeliest ("who": a person before a place).
    def cost(sp: Span) -> float:
        rank = q.expected.index(sp.label) if sp.label in q.expected else len(q.expected)
        fit = 30 if _fits_focus(q, sp) or _described(sp, doc, qwords) else 0
        aside = 40 if _bracketed(sp, fact.text) else 0  # "$1.5m (£799,000)": the conversion
        return near(sp.start, sp.end, matched) - _prior(q, sp, doc) - fit + 20 * rank + aside

    if not heads:  # "the Syrian people": only modifiers fit; the phrase they modify answers
        for best in sorted(spans, key=lambda sp: (cost(sp), sp.start)):
            if q.expected[0] == "NORP":  # "what nationality": the modifier is the answer
                return best.text.strip(ANSWER_STRIP)
            phrase = _modified_phrase(best, doc)
            if phrase is None:
                return best.text.strip(ANSWER_STRIP)
            where = fact.text.find(phrase)
            # "Chinese envoy Xie" for "who did Xie speak to?": the phrase is the question's own
            if not _in_question(
                Span(where, where + len(phrase), phrase, best.label), fact, q, qwords, index
            ):
                return phrase
        return None
    heads.sort(key=lambda sp: (cost(sp), sp.start))
    best = heads[0]
    if q.focus in _SINGULAR_FOCUS and q.focus in q.tokens:  # "which city": one item, not a list
        return best.text.strip(ANSWER_STRIP)
    return _extend_list(best, heads, fact.text)


def _bracketed(sp: Span, text: str) -> bool:
    """Whether a span stands inside brackets ("(787 feet)")."""
    before, after = text[: sp.start], text[sp.end :]
    return (
        before.rfind("(") > before.rfind(")")
        and after.find(")") != -1
        and (after.find("(") == -1 or after.find(")") < after.find("("))
    )


_WEEKDAYS = frozenset(
    ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
)
_MONTHS = frozenset(
    (
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    )
)
_SINGULAR_FOCUS = frozenset(
    {"city", "country", "nation", "state", "town", "capital", "place", "person", "man", "woman"}
    | {"company", "organisation", "organization", "day", "year", "month", "date"}
)


# Words that only narrow what the question already names ("early September" for "in September").
_VAGUE = frozenset(
    {"early", "late", "mid", "later", "earlier", "soon", "recent", "recently", "exact", "exactly"}
    | {"around", "roughly", "approximately", "new", "current", "currently"}
)


def adds_nothing(q: Question, answer: str | None) -> bool:
    """Whether an answer's content words are all the question's own (or only narrow them with a
    word like "early"): such an answer tells the asker nothing new."""
    said = words(answer or "")
    if not any(is_content(w) for w in said):
        return False
    known = set(q.tokens) | q.lemmas
    return all(
        w in _VAGUE or w in FUNCTION_WORDS or any(f in known for f in expand(w)) for w in said
    )


def misses_date(q: Question, fact: Fact) -> bool:
    """Whether the question names a month or a year ("in September") that the fact lacks."""
    wanted = {w for w in q.tokens if w in _MONTHS or (w.isdigit() and len(w) == 4)}
    return bool(wanted - set(words(fact.text)))


def fits(q: Question, answer: str | None, kind: AnswerKind) -> bool:
    """Whether a located answer is of the kind a typed question asks for: a span of its type
    and, for "which year/day/month", of that form; for "how did X ...?", a means or manner."""
    if kind in {AnswerKind.MANNER, AnswerKind.DEFINITION}:
        return bool(answer)
    if kind not in TYPED_KINDS or not answer:
        return False
    if q.focus in DATE_FOCUS:
        return _fits_focus(q, Span(0, len(answer), answer, "DATE"))
    return True


def _fits_focus(q: Question, sp: Span) -> bool:
    """A date span of the form the question names: "which year" a year, "which day" a day,
    "which month" a month."""
    words = normalise(sp.text).split()
    if q.focus in {"year", "years"}:
        return any(w.isdigit() and len(w) == 4 for w in words)
    if q.focus in {"day", "days", "date", "dates"}:
        return any(w in _WEEKDAYS for w in words) or (
            any(w in _MONTHS for w in words) and any(w.isdigit() and len(w) <= 2 for w in words)
        )
    if q.focus in {"month", "months"}:
        return any(w in _MONTHS for w in words)
    return False


def _described(sp: Span, doc: Doc, qwords: set[str]) -> bool:
    """ "Which French leader ...?": the span's own noun phrase ("French President Emmanuel
    Macron") holds a word of the question besides the span."""
    span = doc.char_span(sp.start, sp.end, alignment_mode="expand")
    chunk = chunk_for(span.root, doc) if span is not None else None
    if span is None or chunk is None:
        return False
    return any(
        not t.is_stop
        and t.pos_ != "PROPN"  # a name beside the span is what it modifies, not a description
        and not span.start <= t.i < span.end
        and normalise(t.text) in qwords
        for t in chunk
    )


def _modified_phrase(sp: Span, doc: Doc) -> str | None:
    span = doc.char_span(sp.start, sp.end, alignment_mode="expand")
    if span is None:
        return None
    head = span.root.head
    for chunk in doc.noun_chunks:
        if chunk.start <= head.i < chunk.end and chunk.start <= span.start:
            return clean(chunk)
    return None


def _modifier(sp: Span, doc: Doc) -> bool:
    """ "his U.S. counterpart": a name used as a modifier of another noun is not the answer."""
    span = doc.char_span(sp.start, sp.end, alignment_mode="expand")
    if span is None or sp.label in {"DATE", "TIME", "CARDINAL"}:
        return False
    root = span.root
    return (
        root.dep_ in {"compound", "amod", "nmod"}
        and root.head.pos_ in {"NOUN"}
        and (root.head.i >= span.end)
    )


_PLACE_FOCUS = frozenset(["city", "town", "place", "capital", "venue", "village"])
_PLACE_PREPS = frozenset({"in", "at", "near", "inside", "outside", "from", "to"})
_TIME_PREPS = frozenset({"on", "in", "since", "until", "by", "before", "after", "during", "from"})


def _prior(q: Question, sp: Span, doc: Doc) -> int:
    """Characters of distance forgiven to spans in the syntactic slot the question asks about."""
    span = doc.char_span(sp.start, sp.end, alignment_mode="expand")
    if span is None:
        return 0
    before = doc[span.start - 1].lower_ if span.start > 0 else ""
    if q.wh_prep and before == q.wh_prep:
        return 80
    where = q.wh == "where" or q.focus in _PLACE_FOCUS
    placed = span.root.dep_ == "pobj" and span.root.head.lower_ in _PLACE_PREPS
    if where and (before in _PLACE_PREPS or placed):
        return 60
    if q.wh in {"when", "how long"} and before in _TIME_PREPS:
        return 40
    if q.wh in {"who", "whom"} and span.root.dep_ in {"nsubj", "pobj", "dobj", "agent"}:
        return 20
    return 0


_WHAT = frozenset({"what", "which"})


def _in_question(sp: Span, fact: Fact, q: Question, qwords: set[str], index: Index) -> bool:
    toks = [w for w in normalise(sp.text).split() if w not in ARTICLES]
    if toks and all(w in qwords or w.rstrip("'s") in qwords for w in toks):
        return True
    # An entity the question only describes ("the French president") is what a "who" asks for;
    # a word inside the description of one it names ("the Italian diplomat") describes it.
    asked = q.described_ids if q.wh in {"who", "whom", "what", "which"} else frozenset()
    return any(
        m.entity_id in q.entity_ids
        and m.entity_id not in asked
        and m.start < sp.end
        and sp.start < m.end
        and not (
            m.kind == "description" and (m.start, m.end) != (sp.start, sp.end) and q.wh in _WHAT
        )
        for m in fact.mentions
    )


def _extend_list(best: Span, spans: Sequence[Span], text: str) -> str:
    """Join "the United States, Russia, and Jordan" when the answer is one item of a list."""
    same = sorted((sp for sp in spans if sp.label == best.label), key=lambda sp: sp.start)
    i = next(k for k, sp in enumerate(same) if sp is best)
    lo = hi = i
    while lo > 0 and _LIST_GLUE.match(text[same[lo - 1].end : same[lo].start]):
        lo -= 1
    while hi + 1 < len(same) and _LIST_GLUE.match(text[same[hi].end : same[hi + 1].start]):
        hi += 1
    glue = [text[same[k].end : same[k + 1].start] for k in range(lo, hi)]
    if not any(g.strip(" ,") for g in glue):  # "Astana, Kazakhstan": a place in a place, no list
        return best.text.strip(ANSWER_STRIP)
    start, end = same[lo].start, same[hi].end
    if lo != hi and text[max(0, start - 4) : start].lower() == "the ":
        start -= 4
    return text[start:end].strip(ANSWER_STRIP)


def person_mention(q: Question, fact: Fact, index: Index) -> str | None:
    for m in fact.mentions:
        ent = index.entities.get(m.entity_id)
        asked = m.entity_id not in q.entity_ids or m.entity_id in q.described_ids
        if ent is not None and ent.label == "PERSON" and asked:
            return ent.name
    return None
