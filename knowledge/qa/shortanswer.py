"""Extracting the short answer from the best fact: the span of the expected type that the question
does not already hold, a whole list when the answer is one, a quote for "what did X say", or for
other "what" questions the phrase the parse attaches to the question's words."""

from __future__ import annotations

import re

from spacy.tokens import Doc

from knowledge.models import Fact
from knowledge.qa import spans
from knowledge.qa.answers.common import AUX_WORDS
from knowledge.qa.answers.phrases import (
    conjunct_of,
    object_person,
    parse_phrase,
    part_of,
    relative_antecedent,
    stranded_object,
)
from knowledge.qa.answers.relation import anchor_distance, relation
from knowledge.qa.answers.shapes import (
    about_part,
    colon_list,
    degree_of,
    either_or,
    list_size,
    manner_of,
    quote_of,
    reason_of,
    yes_no,
)
from knowledge.qa.answers.typed import (
    adds_nothing,
    fits,
    full_name,
    misses_date,
    person_mention,
    typed_span,
)
from knowledge.qa.config import DEFAULT, SpanPolicy
from knowledge.qa.index import Index
from knowledge.qa.kinds import NOTHING, AnswerKind, Located
from knowledge.qa.matching import matched_tokens
from knowledge.qa.question import QUOTE_VERBS, Question
from knowledge.qa.vocabulary import ANSWER_STRIP

# What the engine judges a located answer by, beside locate itself.
__all__ = [
    "adds_nothing",
    "anchor_distance",
    "fits",
    "list_size",
    "locate",
    "located",
    "misses_date",
    "relation",
    "short_answer",
]


def short_answer(q: Question, fact: Fact, doc: Doc, index: Index) -> str | None:
    """The short answer span in ``fact`` (parsed as ``doc``), or None when there is none."""
    return locate(q, fact, doc, index)[0]


def locate(
    q: Question, fact: Fact, doc: Doc, index: Index, *, policy: SpanPolicy = DEFAULT.spans
) -> tuple[str | None, AnswerKind]:
    """The short answer and how it was found (``AnswerKind``). Where the rules find only a
    phrase or nothing, the learned span scorer answers instead, as ``policy`` says."""
    rules = located(q, fact, doc, index)
    answer, kind = rules.answer, rules.kind
    if policy.use_scorer and spans.replaces(q, rules, policy):
        found = spans.best_span(q, fact, doc, rule=rules, policy=policy)
        if found and not (q.expected and _wrong_type(found, fact, q)):
            answer = found
            kind = AnswerKind.PHRASE if kind is AnswerKind.NONE else kind
    return (_unbracket(answer) if answer else answer), kind


def located(q: Question, fact: Fact, doc: Doc, index: Index) -> Located:
    """The rules' answer, its kind and for a phrase the rule that found it ("focus",
    "chunks")."""
    found = _locate(q, fact, doc, index)
    if (
        found.answer
        and found.kind is AnswerKind.PHRASE
        and q.expected
        and _wrong_type(found.answer, fact, q)
    ):
        return NOTHING  # "who ...?" answered by a date is no answer
    return found


def _locate(q: Question, fact: Fact, doc: Doc, index: Index) -> Located:
    qwords = set(q.tokens) | q.lemmas
    matched = _matched_positions(q, fact, doc)
    if q.excluded:
        beside = conjunct_of(q, doc, qwords)
        if beside:
            return Located(beside, AnswerKind.CONJUNCT)
    if q.wh in {"where", "when"}:
        antecedent = relative_antecedent(q, fact, doc, qwords)
        if antecedent:
            return Located(antecedent, AnswerKind.TYPED)
    if q.wh in {"who", "whom"} and len(q.tokens) > 1 and q.tokens[1] in _OBJECT_AUX:
        role = object_person(q, doc, qwords)
        if role:  # "who does Bernath play?": "an army general's daughter"
            return Located(role, AnswerKind.PERSON)
    if q.expected:
        typed = typed_span(q, fact, doc, index, qwords=qwords, matched=matched)
        if typed:
            return Located(full_name(q, fact, typed, index), AnswerKind.TYPED)
        if q.wh in {"who", "whom", "whose"}:
            person = person_mention(q, fact, index)
            if person:
                return Located(person, AnswerKind.PERSON)
    if q.wh in {"what", "which"} and q.expected:
        stranded = stranded_object(q, doc, qwords)
        if stranded:  # "which film is she making her debut in?", untagged
            return Located(stranded, AnswerKind.PHRASE, "stranded")
    # "What did X say?" or "... say about Y?" is the quote; "What did X say came out of Y?" asks
    # for a phrase inside it.
    rest = [g for g in q.groups if g[0] not in QUOTE_VERBS]
    if q.quote and (not rest or "about" in q.tokens):
        quoted = quote_of(q, fact)
        if quoted:
            return Located(about_part(q, fact, doc, quoted) or quoted, AnswerKind.QUOTE)
    if q.wh is None and q.tokens and q.tokens[0] in AUX_WORDS:
        chosen = either_or(q, doc, qwords, matched)
        if chosen:
            return Located(chosen, AnswerKind.PHRASE, "either")
        verdict = yes_no(q, doc)
        if verdict:
            return Located(verdict, AnswerKind.PHRASE, "yesno")
    if q.wh in {"what", "which"} and q.focus in _PART_NOUNS:
        part = part_of(q, fact, doc)
        if part:
            return Located(part, AnswerKind.PHRASE, "part")
    if q.wh in {"what", "which"}:
        listed = colon_list(q, fact)
        if listed:
            return Located(listed, AnswerKind.LIST)
    if q.wh == "how" and not q.expected:
        degree = degree_of(q, doc)
        if degree:
            return Located(degree, AnswerKind.MANNER)
    if q.wh == "how" and not q.expected and not q.quote:
        manner = manner_of(q, doc, matched)
        if manner:
            return Located(manner, AnswerKind.MANNER)
    if q.wh in {"what", "which"} and not q.expected:
        stranded = stranded_object(q, doc, qwords)
        if stranded:
            return Located(stranded, AnswerKind.PHRASE, "stranded")
    if q.wh in {"what", "which", "how", None} or q.expected:
        phrase, source = parse_phrase(q, doc, qwords, matched, subjects=_named_ranges(q, fact))
        if phrase or not q.quote:
            if source == "copula":
                return Located(phrase, AnswerKind.DEFINITION)  # "what are stents?": "tubes ..."
            return Located(phrase, AnswerKind.PHRASE, source) if phrase else NOTHING
        quoted = quote_of(q, fact)
        return Located(quoted, AnswerKind.QUOTE) if quoted else NOTHING
    if q.wh == "why":
        reason = reason_of(doc, matched, q.lemmas)
        return Located(reason, AnswerKind.REASON) if reason else NOTHING
    return NOTHING


_OBJECT_AUX = frozenset({"did", "does", "do", "will", "would", "can", "could", "should"})


_MEASURES = frozenset({"DATE", "TIME", "CARDINAL", "MONEY", "PERCENT", "QUANTITY", "ORDINAL"})
_BRACKETED = re.compile(r"\s*[(\[][^()\[\]]*\d[^()\[\]]*[)\]]")


def _wrong_type(answer: str, fact: Fact, q: Question) -> bool:
    """Whether a phrase answer is a measure (a date, a number) the question did not ask for."""
    start = fact.text.find(answer)
    return start >= 0 and any(
        sp.label in _MEASURES
        and sp.label not in q.expected
        and sp.start <= start
        and start + len(answer) <= sp.end + 2
        for sp in fact.spans
    )


def _unbracket(answer: str) -> str:
    """ "10 km (6 miles)" → "10 km": a bracketed conversion or aside is not part of the answer."""
    cut = _BRACKETED.sub("", answer).strip(ANSWER_STRIP)
    return cut or answer


_PART_NOUNS = frozenset({"part", "parts", "region", "area", "side"})


def _matched_positions(q: Question, fact: Fact, doc: Doc) -> list[list[int]]:
    """Character offsets in the fact of each thing the question names: one list per question
    word (any of its forms) and per named entity (its mentions)."""
    words = matched_tokens(q, fact, doc)[: len(q.groups)]
    keys = [[doc[i].idx for i in sorted(found)] for found in words]
    for eid in sorted(q.entity_ids):
        kin = q.kin_of(eid)
        keys.append([m.start for m in fact.mentions if m.entity_id in kin])
    return [k for k in keys if k]


def _named_ranges(q: Question, fact: Fact) -> list[tuple[int, int]]:
    """Where the fact mentions the entities the question is about (not asking for)."""
    return [
        (m.start, m.end)
        for m in fact.mentions
        if m.entity_id in q.entity_ids and m.entity_id not in q.described_ids
    ]
