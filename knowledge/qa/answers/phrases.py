"""Phrase answers from the parse: what a relative clause, a stranded preposition, a conjunct or
a part noun points at, and the phrase tied to the question's words (the other side of a
copula, the focus noun's phrase, a passive's agent, a verb's object, a predicate, the nearest
noun chunk)."""

from __future__ import annotations

from collections.abc import Sequence

from spacy.tokens import Doc, Token
from spacy.tokens import Span as SpacySpan

from knowledge.models import Fact
from knowledge.nlp.lexicon import names_a_person
from knowledge.qa.answers.common import AUX_WORDS, Keys, chunk_for, clean, near, new_words
from knowledge.qa.matching import forms
from knowledge.qa.question import Question
from knowledge.qa.vocabulary import ANSWER_STRIP, BE_FORMS
from knowledge.text import normalise

_LIGHT_VERBS = frozenset({"happen", "do", "be", "have", "occur", "go"})


def relative_antecedent(q: Question, fact: Fact, doc: Doc, qwords: set[str]) -> str | None:
    """ "Where did she fail to finish?" where the fact says "the Athens Olympics, where she
    failed to finish the marathon": what the relative "where" (or "when") clause hangs from,
    when that clause holds the question's words and names (or stands for) its entities."""
    for tok in doc:
        if tok.lower_ != q.wh or tok.dep_ != "advmod" or tok.head.dep_ != "relcl":
            continue
        clause = tok.head
        said = sum(bool(forms(t) & q.lemmas) for t in clause.subtree)
        if said < max(1, min(2, len(q.groups))):
            continue
        start, end = clause.left_edge.idx, clause.right_edge.idx + len(clause.right_edge)
        inside = {m.entity_id for m in fact.mentions if start <= m.start and m.end <= end}
        if any(q.kin_of(e).isdisjoint(inside) for e in q.entity_ids):
            continue  # "in Hamburg where Putin met Trump" is not where Russia and Turkey met
        chunk = chunk_for(clause.head, doc)
        if chunk is not None and new_words(chunk, qwords):
            return clean(chunk)
    return None


def object_person(q: Question, doc: Doc, qwords: set[str]) -> str | None:
    """ "Who does X play?" where the fact says "X plays an army general's daughter": the
    object of the question's verb, when it is a noun for a person rather than a name."""
    for verb in doc:
        if verb.pos_ != "VERB" or not forms(verb) & q.lemmas:
            continue
        for obj in (c for c in verb.children if c.dep_ == "dobj"):
            if obj.ent_type_ or not names_a_person(obj):
                continue  # a name: the typed answer finds it
            chunk = chunk_for(obj, doc)
            if chunk is not None and new_words(chunk, qwords):
                return clean(chunk)
    return None


_STRANDED = frozenset({"for", "to", "about", "with", "on", "at", "from", "in", "of", "by", "into"})


def stranded_object(q: Question, doc: Doc, qwords: set[str]) -> str | None:
    """ "What does Amazon hold a patent for?": the object of that preposition in the fact,
    where it hangs from one of the question's words ("a patent for its shopping service")."""
    if len(q.tokens) < 3 or q.tokens[-1] not in _STRANDED:
        return None
    for tok in doc:
        if tok.lower_ != q.tokens[-1] or tok.dep_ != "prep" or not forms(tok.head) & q.lemmas:
            continue
        for child in tok.children:
            if child.dep_ != "pobj":
                continue
            chunk = chunk_for(child, doc)
            if chunk is None and child.right_edge.i - child.left_edge.i < 10:
                chunk = doc[child.left_edge.i : child.right_edge.i + 1]  # no noun chunk for it
            if chunk is not None and new_words(chunk, qwords):
                return clean(_with_of(chunk, doc, qwords))
    return None


def conjunct_of(q: Question, doc: Doc, qwords: set[str]) -> str | None:
    """ "Besides more consensus, what ...?" where the fact says "forge more consensus and
    accumulate mutual trust": the phrase conjoined with the one the question sets aside, in
    the same role (the conjunct itself, the object of a conjoined preposition or verb)."""
    excluded = {f for i in q.excluded for f in q.groups[i]}
    for tok in doc:
        if tok.pos_ not in {"NOUN", "PROPN", "NUM"} or not forms(tok) & excluded:
            continue
        options = list(tok.conjuncts)
        # "the fishermen of Kessel and the traders of Lund" is parsed as "Kessel and the traders"
        options += [c for t in tok.subtree if t.dep_ == "pobj" for c in t.conjuncts]
        head = tok.head
        if tok.dep_ in {"pobj", "dobj", "attr", "nsubj", "nsubjpass"} and head.i != tok.i:
            for other in head.conjuncts:  # "to both sides ... and to the community"
                options += [c for c in other.children if c.dep_ == tok.dep_]
        listed = [c for c in (chunk_for(t, doc) for t in tok.conjuncts) if c is not None]
        if len(listed) > 1 and all(c.start > tok.i for c in listed):  # "safety, access and cost"
            span = doc[min(c.start for c in listed) : max(c.end for c in listed)]
            if new_words(span, qwords):
                return clean(span)
        for option in options:
            chunk = chunk_for(option, doc)
            if chunk is not None and new_words(chunk, qwords):
                return clean(_with_of(chunk, doc, qwords))
    return None


def part_of(q: Question, fact: Fact, doc: Doc) -> str | None:
    """ "Which part of X?": a mention of X with the adjective that narrows it ("southern X")."""
    for m in fact.mentions:
        if m.entity_id not in q.entity_ids:
            continue
        span = doc.char_span(m.start, m.end, alignment_mode="expand")
        if span is None:
            continue
        narrowed = [c for c in span.root.lefts if c.dep_ == "amod" and c.i < span.start]
        if narrowed:
            return doc[narrowed[0].i : span.end].text.strip(ANSWER_STRIP)
    return None


def parse_phrase(
    q: Question,
    doc: Doc,
    qwords: set[str],
    matched: Keys,
    *,
    subjects: Sequence[tuple[int, int]] = (),
) -> tuple[str | None, str]:
    """A noun phrase or verb phrase the parse ties to the question's words, not in the question,
    and which rule found it ("copula", "focus", "object", "kind", "predicate" or "chunks")."""
    verbs = [
        t
        for t in doc
        if t.pos_ in {"VERB", "AUX"}
        and normalise(t.lemma_) not in _LIGHT_VERBS
        and (
            normalise(t.lemma_) in q.lemmas
            or any(f.startswith("=") and f in g for f in forms(t) for g in q.groups)
        )  # "help" asks about "assist"
    ]
    # "What priority ...?" where the fact says "the main priority is to X": X, not the priority.
    if q.wh in {"what", "which"} and (BE_FORMS.intersection(q.tokens) or q.focus):
        other = _copula_other_side(q, doc, qwords)
        if other:
            return other, "copula"
    if q.wh in {"what", "which"} and q.focus and not q.kind_of:
        named = _focus_chunk(q, doc, qwords, matched)
        if named:
            return named, "focus"
    # "What hit Willis?" where the fact says "he was hit by a firework": the passive's agent.
    if q.wh in {"what", "who"} and len(q.tokens) > 1 and q.tokens[1] not in AUX_WORDS:
        for verb in verbs:
            if not any(c.dep_ in {"auxpass", "nsubjpass"} for c in verb.children):
                continue
            for agent in (c for c in verb.children if c.dep_ == "agent"):
                for obj in (c for c in agent.children if c.dep_ == "pobj"):
                    chunk = chunk_for(obj, doc)
                    if chunk is not None and new_words(chunk, qwords):
                        return clean(chunk), "agent"
    # "What does X want to forge?": the object of the shared verb.
    for verb in verbs:
        for child in verb.children:
            if child.dep_ in {"dobj", "attr", "oprd", "acomp", "xcomp", "ccomp"}:
                chunk = chunk_for(child, doc)
                if chunk is not None and new_words(chunk, qwords):
                    return clean(_with_of(chunk, doc, qwords)), "object"
    if q.kind_of and q.focus:
        for chunk in doc.noun_chunks:
            words = {normalise(t.text) for t in chunk}
            if q.focus in words and len(new_words(chunk, qwords)) >= 1:
                return clean(chunk), "kind"
        # the parser's noun chunks skip some nouns ("a step-by-step approach"): the noun with
        # the words before it that modify it
        for tok in doc:
            if tok.pos_ == "NOUN" and q.focus in {normalise(tok.text), normalise(tok.lemma_)}:
                span = doc[tok.left_edge.i : tok.i + 1]
                if new_words(span, qwords):
                    return clean(span), "kind"
    light = any(w in _LIGHT_VERBS for w in q.lemmas) or "happen" in q.tokens
    if light:
        vp = _predicate_of_subject(q, doc)
        if vp:
            return vp, "predicate"
    best: tuple[float, SpacySpan] | None = None
    inside = _question_subtrees(doc, q)
    for chunk in doc.noun_chunks:
        if chunk.root.pos_ == "PRON" or chunk.root.i in inside:
            continue
        if any(a <= chunk.root.idx < b for a, b in subjects):  # the question's own subject
            continue
        new = new_words(chunk, qwords)
        if not new:
            continue
        share = len(new) / max(1, sum(1 for t in chunk if not t.is_punct))
        distance = near(chunk.start_char, chunk.end_char, matched)
        score = share - distance / 200.0
        if q.focus and q.focus in {normalise(t.text) for t in chunk}:
            score += 0.5
        if best is None or score > best[0]:
            best = (score, chunk)
    return (clean(best[1]), "chunks") if best else (None, "none")


def _focus_chunk(q: Question, doc: Doc, qwords: set[str], matched: Keys) -> str | None:
    """ "Which round of talks...": the fact's phrase headed by the question's noun, with the
    words that tell which one ("the seventh round", "quite a change in tone")."""
    focus = q.focus or ""
    options: list[tuple[float, str]] = []
    for chunk in doc.noun_chunks:
        root = chunk.root
        if focus not in {normalise(root.text), normalise(root.lemma_)}:
            continue
        toks = list(chunk)
        for child in root.children:
            if child.dep_ != "prep" or child.lower_ not in {"of", "in"}:
                continue
            # "the principle of self-determination (in the political process of ...)": the
            # preposition's own noun phrase, not all that hangs from it
            sub = list(child.subtree)
            objects = [chunk_for(c, doc) for c in child.children if c.dep_ == "pobj"]
            if objects and objects[0] is not None:
                sub = list(doc[child.i : objects[0].end])
            if len(sub) <= 4 and new_words(doc[sub[0].i : sub[-1].i + 1], qwords):
                toks.extend(sub)
        toks.sort(key=lambda t: t.i)
        span = doc[toks[0].i : toks[-1].i + 1]
        if not new_words(span, qwords):
            continue
        options.append((near(span.start_char, span.end_char, matched), clean(span)))
    return min(options)[1] if options else None


def _with_of(chunk: SpacySpan, doc: Doc, qwords: set[str]) -> SpacySpan:
    """ "quite a change" → "quite a change in tone": a noun phrase with the short "of"/"in"
    phrase that tells which one, when that adds words the question lacks."""
    root = chunk.root
    if root.pos_ not in {"NOUN", "PROPN"} or chunk.root.i != chunk.end - 1:
        return chunk
    for child in root.children:
        if child.dep_ != "prep" or child.lower_ not in {"of", "in"} or child.i != chunk.end:
            continue
        objects = [chunk_for(c, doc) for c in child.children if c.dep_ == "pobj"]
        if objects and objects[0] is not None and objects[0].end - child.i <= 4:
            extended = doc[chunk.start : objects[0].end]
            if new_words(doc[child.i : objects[0].end], qwords):
                return extended
    return chunk


def _copula_other_side(q: Question, doc: Doc, qwords: set[str]) -> str | None:
    """ "What is X?": where the fact says "X is Y" (or "Y is X", or "X, Y,"), the other side."""
    nouns = {w for i in q.nouns for w in q.groups[i]} if BE_FORMS.intersection(q.tokens) else set()
    if not nouns and BE_FORMS.intersection(q.tokens[1:2]):
        nouns = set(q.lemmas)  # "what is Guidant": tagged as no noun
    if q.focus:
        nouns.add(q.focus)
    if not nouns:
        return None
    for tok in doc:
        if not forms(tok).intersection(nouns) or tok.pos_ not in {"NOUN", "PROPN"}:
            continue
        head = tok.head
        named = _named_thing(tok)
        if named is not None:  # "the explosions, known as squibs": what "squibs" names
            chunk = chunk_for(named, doc)
            if chunk is not None and new_words(chunk, qwords):
                return clean(chunk)
        if tok.dep_ in {"nsubj", "attr"} and head.lemma_ == "be":
            want = "attr" if tok.dep_ == "nsubj" else "nsubj"
            for child in head.children:
                chunk = chunk_for(child, doc) if child.dep_ == want else None
                if chunk is not None and new_words(chunk, qwords):
                    return clean(chunk)
            # "the only way ... is through the UN process", "the priority is to consolidate X"
            for child in head.children:
                if tok.dep_ != "nsubj" or child.i < head.i or child.dep_ not in {"prep", "xcomp"}:
                    continue
                sub = sorted(
                    [child]
                    + [
                        t
                        for c in child.children
                        if c.dep_ not in {"conj", "cc"}
                        for t in c.subtree
                    ],
                    key=lambda t: t.i,
                )
                span = doc[sub[0].i : sub[-1].i + 1]
                if len(span) <= 8 and new_words(span, qwords):
                    return span.text.strip(ANSWER_STRIP)
        if tok.pos_ == "PROPN" or tok.dep_ == "compound":
            continue
        for child in tok.children:
            if child.dep_ == "appos":
                chunk = chunk_for(child, doc)
                if chunk is not None and new_words(chunk, qwords):
                    return clean(chunk)
    return None


_NAMING_VERBS = frozenset({"know", "call", "name", "dub", "nickname", "term"})


def _named_thing(tok: Token) -> Token | None:
    """ "the explosions, known as squibs" or "a drug called X": the noun that ``tok`` names."""
    if tok.dep_ == "pobj" and tok.head.lower_ == "as":
        verb = tok.head.head
    elif tok.dep_ == "oprd":
        verb = tok.head
    else:
        return None
    if verb.lemma_.lower() in _NAMING_VERBS and verb.dep_ == "acl" and verb.head.i != verb.i:
        return verb.head
    return None


def _question_subtrees(doc: Doc, q: Question) -> set[int]:
    """Tokens of the fact that belong to phrases the question already states ("the seventh round
    of talks")."""
    inside: set[int] = set()
    for chunk in doc.noun_chunks:
        if any(normalise(t.lemma_) in q.lemmas and not t.is_stop for t in chunk):
            inside.update(range(chunk.start, chunk.end))
            for tok in chunk.root.children:
                if tok.dep_ == "prep":
                    inside.update(t.i for t in tok.subtree)
    return inside


def _predicate_of_subject(q: Question, doc: Doc) -> str | None:
    """ "What happened to X?": the verb of which X is the subject, with its first complement."""
    for tok in doc:
        if tok.dep_ not in {"nsubj", "nsubjpass"}:
            continue
        subject = {normalise(t.lemma_) for t in tok.subtree} | {
            normalise(t.text) for t in tok.subtree
        }
        if not (subject & q.lemmas):
            continue
        verb = tok.head
        parts = [verb]
        for child in verb.children:
            if child.i > verb.i and child.dep_ in {
                "prep",
                "dobj",
                "prt",
                "attr",
                "acomp",
                "agent",
            }:
                parts.extend(child.subtree)
                break
        parts.sort(key=lambda t: t.i)
        return doc[parts[0].i : parts[-1].i + 1].text.strip(ANSWER_STRIP)
    return None
