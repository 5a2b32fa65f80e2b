"""What else refers to an entity: title phrases and appositives become its descriptions,
definite descriptions ("the UN envoy") and subject pronouns are linked to the person they
name."""

from __future__ import annotations

import re
from collections.abc import Sequence

from spacy.tokens import Doc, Token

from knowledge.models import (
    ExtractedMention,
)
from knowledge.nlp.entities import Cluster, Ent, Sent, mention
from knowledge.nlp.lexicon import ROLE_NOUNS, ends_like_a_person, has_role, honorific
from knowledge.text import PERSON_PRONOUNS

_STRIP_LEFT = frozenset({"DET", "ADP", "CCONJ", "PUNCT", "PART"})


# --- descriptions and coreference ------------------------------------------------------------


def describe(
    sents: Sequence[Sent],
    ents: Sequence[Ent],
    keys: Sequence[int | None],
    clusters: list[Cluster],
) -> None:
    """Title phrases before a person's name and appositives after it become descriptions."""
    for e, key in zip(ents, keys, strict=True):
        if key is None or clusters[key].label != "PERSON":
            continue
        doc = sents[e.sent].doc
        lo = sents[e.sent].start
        title = _title_before(doc, e.start, lo) or _appositive_before(doc, e.start, lo)
        if title:
            clusters[key].descriptions.append(title)
        for child in doc[e.end - 1].children:
            if child.dep_ == "appos" and child.pos_ in {"NOUN", "PROPN"} and child.i >= e.end:
                # The role may be named in the clause ("creator of The Simpsons, who ... from
                # scientist Stephen Hawking"): which appositions describe is decided as before.
                phrase = _strip_phrase(_noun_phrase(child))
                if phrase and has_role(list(child.subtree)):
                    clusters[key].descriptions.append(_as_written(phrase))


# Dependents that hang a clause or an aside on a noun: the card's description is the noun
# phrase ("Texas attorney general"), not what the sentence goes on to say of it ("... announcing
# the legal action", "..., a UK-based music download service", "... and someone who has ...").
_CLAUSES = frozenset({"acl", "relcl", "advcl", "parataxis"})
_BREAKS = frozenset({",", "(", ")", ";", ":", "\u2013", "\u2014", "--"})


def _breaks(t: Token) -> bool:
    """A comma, bracket or dash (a hyphen only when spaced: "anti-virus" is one word)."""
    return t.text in _BREAKS or (t.text == "-" and t.i > 0 and bool(t.doc[t.i - 1].whitespace_))


def _noun_phrase(head: Token) -> list[Token]:
    """The phrase ``head`` heads without the clauses, the appositions after a comma or bracket
    and the pronouns coordinated with its words, up to the first comma, bracket or dash after
    the head. (An apposition right after a word is the parse's slip inside one phrase: "the
    reigning world long and short course champion" has "champion" in apposition to "world".)"""
    doc = head.doc
    at: set[int] = set()  # the kept tokens' positions

    def keep(t: Token) -> None:
        at.add(t.i)
        for c in t.children:
            aside = c.dep_ == "appos" and c.left_edge.i > 0 and _breaks(doc[c.left_edge.i - 1])
            if (
                c.dep_ not in _CLAUSES
                and not aside
                and not (c.dep_ == "conj" and c.pos_ == "PRON")
            ):
                keep(c)

    keep(head)
    # One stretch of text around the head: where a dropped clause leaves a gap, it stops.
    lo = hi = head.i
    while lo - 1 in at and not _breaks(doc[lo - 1]):
        lo -= 1
    while hi + 1 in at and not _breaks(doc[hi + 1]):
        hi += 1
    return list(doc[lo : hi + 1])


def _title_before(doc: Doc, start: int, lo: int) -> str | None:
    while start > lo and honorific(doc[start - 1].text):  # "secretary Mr Davis": not "Mr"
        start -= 1
    j = start
    while j > lo:
        t = doc[j - 1]
        if t.ent_type_ in {"DATE", "TIME"}:  # "on 26 November singer Brian Harvey"
            break
        if (
            t.pos_ in {"PROPN", "NOUN", "ADJ", "NUM"}
            or t.tag_ == "POS"
            or t.text == "-"
            or (t.lower_ in {"for", "on", "of", "the"} and j - 1 > lo)
        ):
            j -= 1
        else:
            break
    phrase = _strip_phrase(list(doc[j:start]))
    if not phrase or phrase[-1].pos_ not in {"NOUN", "PROPN"}:
        return None
    if not has_role(phrase) and not ends_like_a_person(phrase[-1]):
        return None
    return _as_written(phrase)


def _appositive_before(doc: Doc, start: int, lo: int) -> str | None:
    """ "The mayor of Port Ellery, Ingrid Halvorsen, said": the role phrase before the comma."""
    if start - 1 <= lo or doc[start - 1].text != ",":
        return None
    j = start - 1
    while j > lo:
        t = doc[j - 1]
        if (
            t.pos_ in {"PROPN", "NOUN", "ADJ", "NUM", "DET"}
            or t.tag_ in {"POS", "PRP$"}
            or (t.lower_ in {"of", "for", "on", "at", "-"} and j - 1 > lo)
        ):
            j -= 1
        else:
            break
    if j > lo and doc[j - 1].pos_ not in {"VERB", "AUX", "ADP", "PUNCT", "SCONJ"}:
        return None
    phrase = _strip_phrase(list(doc[j : start - 1]))
    if not phrase or not has_role(phrase[:3]):
        return None
    return _as_written(phrase)


def _as_written(tokens: Sequence[Token]) -> str:
    """A phrase as the article writes it ("anti-virus firm", "Merrill's"), not its tokens joined
    by spaces ("anti - virus", "Merrill 's")."""
    first, last = tokens[0].i, tokens[-1].i
    if last - first + 1 != len(tokens):  # not one stretch of text (a parse's odd subtree)
        return " ".join(t.text for t in tokens)
    return tokens[0].doc[first : last + 1].text


def _strip_phrase(tokens: list[Token]) -> list[Token]:
    while tokens and (tokens[0].pos_ in _STRIP_LEFT or tokens[0].tag_ == "PRP$"):
        tokens = tokens[1:]
    while tokens and tokens[-1].pos_ in {"PUNCT", "ADP", "DET", "CCONJ"}:
        tokens = tokens[:-1]
    return tokens


def link_descriptions(
    sents: Sequence[Sent], clusters: list[Cluster], mentions: list[list[ExtractedMention]]
) -> None:
    """ "The UN envoy told reporters": a definite description with a role noun, not followed by a
    name, refers to the person it best fits among those already mentioned (most recent first)."""
    recent: list[int] = []  # person keys, most recent last
    for i, sent in enumerate(sents):
        covered = [
            (m.start, m.end) for m in mentions[i] if clusters[m.entity_key].label == "PERSON"
        ]
        for tok in sent.tokens:
            if tok.tag_ not in {"NN", "NNP"} or tok.lower_ not in ROLE_NOUNS:
                continue
            if tok.dep_ not in {"nsubj", "nsubjpass", "dobj", "pobj", "attr"}:
                continue  # a title before a name ("President Macron") is not a description
            left = [t for t in tok.lefts if t.dep_ in {"det", "amod", "compound", "poss", "nmod"}]
            if not left or left[0].lower_ not in {"the", "this", "that"}:
                continue
            phrase = _strip_phrase(list(sent.doc[left[0].i : tok.i + 1]))
            m = mention(sent, phrase[0].i, tok.i + 1, -1, "description")
            if any(a < m.end and m.start < b for a, b in covered):
                continue
            if _names_follow(sent, tok, covered):
                continue  # "the Danish minister Lars Holm": his title, not an earlier person's
            key = _best_person(phrase, recent, clusters, mentions[i], m.start)
            if key is None:
                continue
            text = _as_written(phrase)
            clusters[key].descriptions.append(text)
            mentions[i].append(
                ExtractedMention(
                    entity_key=key, start=m.start, end=m.end, text=text, kind="description"
                )
            )
        for m in sorted(mentions[i], key=lambda m: m.start):
            if clusters[m.entity_key].label == "PERSON":
                if m.entity_key in recent:
                    recent.remove(m.entity_key)
                recent.append(m.entity_key)


def _names_follow(sent: Sent, tok: Token, covered: Sequence[tuple[int, int]]) -> bool:
    """A person's name begins right after the role noun ("the trade minister Lars Holm"), or
    after a comma as its apposition ("the trade minister, Lars Holm,"; not a list's next item,
    as in "the brooding king, Keira Knightly rises ..."): the phrase is that person's title."""
    j = tok.i + 1
    comma = j < sent.end and sent.doc[j].text == ","
    if comma:
        j += 1
    if j >= sent.end:
        return False
    base = sent.span.start_char
    start = sent.doc[j].idx - base
    name = next(((a, b) for a, b in covered if a == start), None)
    if name is None:
        return False
    if not comma:
        return True
    inside = [t for t in sent.tokens if name[0] <= t.idx - base < name[1]]
    return any(t.dep_ == "appos" and t.head.i == tok.i for t in inside) or (
        tok.dep_ == "appos" and any(tok.head.i == t.i for t in inside)
    )


def _best_person(
    phrase: Sequence[Token],
    recent: list[int],
    clusters: list[Cluster],
    here: Sequence[ExtractedMention],
    start: int,
) -> int | None:
    candidates = list(recent)
    for m in sorted(here, key=lambda m: m.start):
        if m.start < start and clusters[m.entity_key].label == "PERSON":
            if m.entity_key in candidates:
                candidates.remove(m.entity_key)
            candidates.append(m.entity_key)
    if not candidates:
        return None
    words = {t.lower_ for t in phrase if t.pos_ in {"PROPN", "ADJ", "NOUN"}}

    def fit(key: int) -> int:
        desc = " ".join(clusters[key].descriptions).lower()
        desc_words = set(re.findall(r"[\w.-]+", desc))
        return len(words & desc_words)

    best = max(range(len(candidates)), key=lambda j: (fit(candidates[j]), j))
    return candidates[best]


def link_pronouns(
    sents: Sequence[Sent], clusters: list[Cluster], mentions: list[list[ExtractedMention]]
) -> None:
    """Subject pronouns ("he said") refer to the nearest person before them in the sentence, or to
    the subject of the last sentence that named a person."""
    last_subject: int | None = None
    for i, sent in enumerate(sents):
        people = sorted(
            (m for m in mentions[i] if clusters[m.entity_key].label == "PERSON"),
            key=lambda m: m.start,
        )
        base = sent.span.start_char
        for tok in sent.tokens:
            if tok.lower_ not in PERSON_PRONOUNS or tok.pos_ != "PRON":
                continue
            start = tok.idx - base
            before = [m for m in people if m.end <= start]
            key = before[-1].entity_key if before else last_subject
            if key is not None:
                mentions[i].append(
                    ExtractedMention(key, start, start + len(tok.text), tok.text, kind="pronoun")
                )
        subject = subject_person(sent, people, clusters)
        if subject is not None:
            last_subject = subject
        elif people:
            last_subject = people[-1].entity_key


def subject_person(
    sent: Sent, mentions: Sequence[ExtractedMention], clusters: list[Cluster]
) -> int | None:
    base = sent.span.start_char
    for tok in sent.subjects:
        pos = tok.idx - base
        for m in mentions:
            if m.start <= pos < m.end and clusters[m.entity_key].label == "PERSON":
                return m.entity_key
    return None
