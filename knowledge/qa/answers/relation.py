"""How an answer stands in its fact: whether its clause and its phrase hold the question's other
words, and how many dependency arcs lie between it and them (the engine's rerank and
confidence weigh both)."""

from __future__ import annotations

from spacy.tokens import Doc, Token

from knowledge.models import Fact
from knowledge.qa.matching import ancestors, answer_span, matched_tokens, meeting
from knowledge.qa.question import Question

# --- how the answer relates to what the question names ---------------------------------------

# Dependents that start a clause of their own: a relative or adverbial clause, a conjoined verb.
# Complement clauses ("said that ...", "hoped to ...") stay part of the clause they complete.
_CLAUSE_DEPS = frozenset({"relcl", "acl", "advcl", "parataxis", "csubj", "csubjpass"})
_NOMINAL_DEPS = frozenset({"appos", "compound", "nmod", "poss", "amod", "npadvmod"})


def _clause(tok: Token) -> int:
    """The index of the head of the clause a token belongs to."""
    while tok.head.i != tok.i:
        if tok.dep_ in _CLAUSE_DEPS or (tok.dep_ == "conj" and tok.pos_ in {"VERB", "AUX"}):
            return tok.i
        tok = tok.head
    return tok.i


def relation(q: Question, fact: Fact, doc: Doc, answer: str | None) -> tuple[float, float] | None:
    """How the short answer relates, in the fact's parse, to the things the question names
    that the fact holds: the share of them in the answer's own clause, and the share of the
    named entities inside the noun phrase the answer heads or stands in apposition to ("French
    President Emmanuel Macron" holds no Syria). None when the answer is not a span of the fact
    or the fact holds nothing else the question names."""
    span = answer_span(fact, doc, answer)
    if span is None:
        return None
    inside = set(range(span.start, span.end))
    matched = matched_tokens(q, fact, doc)
    keys = [k - inside for k in matched]
    names = [k for k in keys[len(keys) - len(q.entity_ids) :] if k]  # the entities' mentions
    keys = [k for k in keys if k]
    if not keys:
        return None
    home = _clause(span.root)
    top = span.root
    while top.head.i != top.i and (
        top.dep_ in _NOMINAL_DEPS
        or (top.dep_ == "pobj" and top.head.head.pos_ in {"NOUN", "PROPN"})
    ):
        top = top.head.head if top.dep_ == "pobj" else top.head
    phrase = {t.i for t in top.subtree}
    same = sum(1 for k in keys if any(_linked(doc, home, i, inside) for i in k))
    within = sum(1 for k in names if k & phrase)
    return same / len(keys), (within / len(names) if names else 1.0)


def _linked(doc: Doc, home: int, i: int, answer: set[int]) -> bool:
    """Whether a token is in the answer's clause, or one of them is in a clause that
    describes the other ("the diplomat, who has headed the efforts since July 2014")."""
    there = _clause(doc[i])
    if there == home:
        return True
    if doc[home].dep_ in {"relcl", "acl"} and doc[home].head.i == i:
        return True
    return doc[there].dep_ in {"relcl", "acl"} and doc[there].head.i in answer


def anchor_distance(q: Question, fact: Fact, doc: Doc, answer: str | None) -> float | None:
    """How far the answer sits, in the fact's parse, from the things the question names: the
    mean over them of the fewest dependency arcs from one of their tokens to the answer's. The
    answer to "who did X speak to?" is an argument of "told" (1 arc), not a name deep inside
    what X said. None when the answer is not a span of the fact or nothing else is matched."""
    span = answer_span(fact, doc, answer)
    if span is None:
        return None
    inside = set(range(span.start, span.end))
    keys = [k - inside for k in matched_tokens(q, fact, doc)]
    keys = [k for k in keys if k]
    if not keys:
        return None
    paths = {i: ancestors(doc[i]) for k in keys for i in k} | {
        i: ancestors(doc[i]) for i in inside
    }
    total = 0
    for k in keys:
        total += min(_arcs(paths[i], paths[j]) for i in k for j in inside)
    return total / len(keys)


def _arcs(a: list[int], b: list[int]) -> int:
    """Dependency arcs between two tokens given their paths to the root (different sentences
    of one fact are joined through their roots)."""
    met = meeting(a, b)
    return sum(met) if met is not None else len(a) + len(b)
