"""A learned span scorer: the fact's constituents as candidate answers, each described by sparse
features of the question and the parse (the span's type and syntax against the question word,
the dependency path from the question's words, how much of it the question already says, the
rules' own answer), scored by a linear model trained listwise on SQuAD (``bench/train_spans.py``).

Inference is a dictionary lookup per feature: no dependency beyond spaCy."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Sequence
from importlib import resources

from spacy.tokens import Doc
from spacy.tokens import Span as SpacySpan

from knowledge.content_words import STOP
from knowledge.models import Fact
from knowledge.qa.config import DEFAULT, SpanPolicy
from knowledge.qa.kinds import NOTHING, AnswerKind, Located
from knowledge.qa.matching import ancestors, answer_span, matched_tokens, meeting
from knowledge.qa.question import Question
from knowledge.qa.vocabulary import ANSWER_STRIP, AUXILIARIES
from knowledge.text import normalise

# Which rule answers the learned scorer replaces (``SpanPolicy.policy``), by the rule that found
# them (``located``'s kinds). "fallback": only the rules' last resort, the noun chunk nearest the
# question's words (and nothing found); "phrase": every phrase rule; "most": a span of the asked
# type, a list, a person and a quote too. Yes/no questions keep the rules' phrase, "when" its date.
_FALLBACK = frozenset({(AnswerKind.PHRASE, "chunks"), NOTHING.key})
_PHRASES = _FALLBACK | {
    (AnswerKind.PHRASE, r)
    for r in ("copula", "focus", "object", "kind", "predicate", "manner", "degree", "part")
}
_MOST = (AnswerKind.TYPED, AnswerKind.LIST, AnswerKind.PERSON, AnswerKind.QUOTE)
REPLACES: dict[str, frozenset[tuple[AnswerKind, str | None]]] = {
    "fallback": _FALLBACK,
    "phrase": _PHRASES,
    "most": _PHRASES | {(k, None) for k in _MOST},
}
_KEEP_TYPED = frozenset({"when"})
WEIGHTS_FILE = "spans.json"
MAX_TOKENS = 15

# Dependents that hang a clause or an aside on a word: left out of its core phrase.
_ASIDES = frozenset(
    {"relcl", "acl", "advcl", "punct", "conj", "cc", "appos", "parataxis", "mark", "prep"}
)
_VERB_ARGS = frozenset({"dobj", "attr", "oprd", "acomp", "xcomp", "ccomp", "prep", "prt", "agent"})
_CONTEXT_WORDS = frozenset(
    {"in", "on", "at", "of", "by", "for", "from", "to", "with", "as", "is", "was", "are"}
    | {"were", "the", "a", "an", "and", "or", ",", "(", "called", "known", "named", "than"}
)


def replaces(q: Question, rules: Located, policy: SpanPolicy = DEFAULT.spans) -> bool:
    """Whether the scorer answers instead of the rules that found this answer."""
    if q.wh is None and q.tokens[:1] and q.tokens[0] in AUXILIARIES:
        return False  # yes/no: the rules' phrase that settles it
    if rules.kind is AnswerKind.TYPED and q.wh in _KEEP_TYPED:
        return False
    return rules.key in REPLACES[policy.policy]


def question_class(q: Question) -> str:
    """The question word family the features are conjoined with: "what", "what:T" (a what
    question that names a type), "how many", "how X", "none" ..."""
    wh = q.wh or "none"
    if wh.startswith("how ") and wh not in {"how many", "how much"}:
        wh = "how X"
    if wh in {"whom", "whose"}:
        wh = "who"
    if wh in {"what", "which"} and q.expected:
        wh += ":T"
    return wh


def candidates(
    fact: Fact, doc: Doc, *, chunks: Sequence[SpacySpan] | None = None
) -> list[tuple[int, int]]:
    """Token ranges of the fact's constituents: each word's subtree, its left part (a noun
    phrase up to its head), its core (without clauses and prepositional phrases), a verb with
    its complements, the noun chunks and the named entities; trimmed of leading determiners and
    punctuation, at most ``MAX_TOKENS`` long."""
    raw: list[tuple[int, int]] = []
    for tok in doc:
        if tok.is_punct or tok.is_space:
            continue
        raw.append((tok.i, tok.i + 1))
        raw.append((tok.left_edge.i, tok.right_edge.i + 1))
        raw.append((tok.left_edge.i, tok.i + 1))
        kept = [c for c in tok.children if c.dep_ not in _ASIDES]
        lo = min([tok.i, *(c.left_edge.i for c in kept)])
        hi = max([tok.i, *(c.right_edge.i for c in kept)])
        raw.append((lo, hi + 1))
        if tok.pos_ in {"VERB", "AUX"}:
            args = [c for c in tok.children if c.i > tok.i and c.dep_ in _VERB_ARGS]
            if args:
                raw.append((tok.i, args[0].right_edge.i + 1))
    raw.extend((c.start, c.end) for c in (doc.noun_chunks if chunks is None else chunks))
    for sp in fact.spans:
        span = doc.char_span(sp.start, sp.end, alignment_mode="expand")
        if span is not None:
            raw.append((span.start, span.end))
    seen: set[tuple[int, int]] = set()
    out: list[tuple[int, int]] = []
    for lo, hi in raw:
        a, b = _trim(doc, lo, hi)
        if b - a < 1 or b - a > MAX_TOKENS or (a, b) in seen:
            continue
        seen.add((a, b))
        out.append((a, b))
    return out


def _trim(doc: Doc, a: int, b: int) -> tuple[int, int]:
    while a < b and (
        doc[a].is_punct or (doc[a].pos_ in {"DET", "CCONJ"} and doc[a].dep_ != "predet")
    ):
        a += 1
    while b > a and (doc[b - 1].is_punct or doc[b - 1].pos_ == "CCONJ"):
        b -= 1
    return a, b


class _Context:
    """What every candidate of one question and fact is compared with."""

    def __init__(self, q: Question, fact: Fact, doc: Doc, rule: Located) -> None:
        self.q = q
        self.doc = doc
        self.chunks = list(doc.noun_chunks)  # spaCy finds them anew on every call
        self.qclass = question_class(q)
        self.expected = q.expected[0] if q.expected else "-"
        # "what year", "what did", "how long": the words after the question word
        word = q.wh.split()[0] if q.wh else ""
        after = q.tokens[q.tokens.index(word) + 1 :] if word in q.tokens else ()
        self.opening = f"{q.wh}_{after[0] if after else ''}"
        self.qwords = set(q.tokens) | q.lemmas
        groups = matched_tokens(q, fact, doc)
        self.inq = [False] * len(doc)  # the word is one of the question's
        for t in doc:
            if normalise(t.text) in self.qwords or normalise(t.lemma_) in self.qwords:
                self.inq[t.i] = True
        for found in groups:
            for i in found:
                self.inq[i] = True
        self.groups = [g for g in groups if g]
        self.anchors = sorted({i for g in self.groups for i in g})
        # The question's verbs in the fact: their arguments are what "what did X do" asks for.
        self.verbs = [i for i in self.anchors if doc[i].pos_ in {"VERB", "AUX"}]
        # Phrases the question already states ("the seventh round of talks").
        self.stated: set[int] = set()
        for chunk in self.chunks:
            if any(self.inq[t.i] and not t.is_stop for t in chunk):
                self.stated.update(range(chunk.start, chunk.end))
                for tok in chunk.root.children:
                    if tok.dep_ == "prep":
                        self.stated.update(t.i for t in tok.subtree)
        self.paths = [ancestors(t) for t in doc]
        self.arcs: dict[tuple[int, int], tuple[int, str]] = {}  # _path's, by token pair
        self.labels: list[str] = ["-"] * len(doc)
        self.ent_spans: dict[tuple[int, int], str] = {}
        for sp in fact.spans:
            span = doc.char_span(sp.start, sp.end, alignment_mode="expand")
            if span is not None:
                self.ent_spans[(span.start, span.end)] = sp.label
                for i in range(span.start, span.end):
                    self.labels[i] = sp.label
        self.rule_kind = rule.label
        self.rule_tokens: set[int] = set()
        span = answer_span(fact, doc, rule.answer)
        if span is not None:
            self.rule_tokens = set(range(span.start, span.end))


def _path(ctx: _Context, a: int, b: int) -> tuple[int, str]:
    """Arcs from token a to token b and the path's labels ("nsubj^ dobj_")."""
    found = ctx.arcs.get((a, b))
    if found is None:
        found = ctx.arcs[(a, b)] = _walk(ctx, a, b)
    return found


def _walk(ctx: _Context, a: int, b: int) -> tuple[int, str]:
    pa, pb = ctx.paths[a], ctx.paths[b]
    met = meeting(pa, pb)
    if met is None:
        return len(pa) + len(pb), "far"
    up = [ctx.doc[i].dep_ + "^" for i in pa[: met[0]]]
    down = [ctx.doc[i].dep_ + "_" for i in reversed(pb[: met[1]])]
    return met[0] + met[1], " ".join(up + down)


def _bucket(x: float, edges: Sequence[float]) -> int:
    for k, e in enumerate(edges):
        if x <= e:
            return k
    return len(edges)


def features(ctx: _Context, a: int, b: int) -> list[str]:
    """The sparse binary features of the candidate tokens [a, b)."""
    doc = ctx.doc
    span = doc[a:b]
    root = span.root
    qc = ctx.qclass
    base: list[str] = []
    content = [t for t in span if not t.is_punct and normalise(t.text) not in STOP]
    known = sum(1 for t in content if ctx.inq[t.i])
    share = known / len(content) if content else 1.0
    base.append(f"qshare={_bucket(share, (0.0, 0.34, 0.67, 0.99))}")
    base.append(f"new={_bucket(len(content) - known, (0, 1, 2, 3, 5))}")
    base.append(f"len={_bucket(b - a, (1, 2, 3, 4, 6, 9))}")
    base.append(f"pos={root.pos_}")
    base.append(f"dep={root.dep_}")
    base.append(f"hpos={root.head.pos_}|{root.dep_}")
    base.append(f"first={span[0].pos_}")
    base.append(f"last={span[-1].pos_}")
    prev = doc[a - 1] if a > 0 else None
    nxt = doc[b] if b < len(doc) else None
    prev_word = (
        "<s>" if prev is None else (prev.lower_ if prev.lower_ in _CONTEXT_WORDS else prev.pos_)
    )
    next_word = (
        "</s>" if nxt is None else (nxt.lower_ if nxt.lower_ in _CONTEXT_WORDS else nxt.pos_)
    )
    base.append(f"prev={prev_word}")
    base.append(f"next={next_word}")
    if ctx.q.wh_prep and prev is not None and prev.lower_ == ctx.q.wh_prep:
        base.append("whprep")
    label = ctx.ent_spans.get((a, b))
    if label:
        base.append(f"ent={label}")
    else:
        inside = {ctx.labels[i] for i in range(a, b)} - {"-"}
        for lab in sorted(inside):
            base.append(f"has={lab}")
    if root.i in ctx.stated:
        base.append("stated")
    if any(ctx.labels[i] in ctx.q.expected for i in range(a, b)):
        base.append("typed")
    if any(ch.isdigit() for ch in span.text):
        base.append("digit")
    focus = ctx.q.focus
    if focus:
        lows = {normalise(t.text) for t in span} | {normalise(t.lemma_) for t in span}
        if focus in lows:
            base.append("focus_in")
        if normalise(root.lemma_) == focus or normalise(root.text) == focus:
            base.append("focus_root")
        left = {normalise(t.lemma_) for t in doc[max(0, a - 4) : a]}
        if focus in left:
            base.append("focus_left")
    # How the span hangs from the question's words.
    if ctx.anchors:
        inside_ids = set(range(a, b))
        outside = [i for i in ctx.anchors if i not in inside_ids]
        if len(outside) < len(ctx.anchors):
            base.append("has_anchor")
        if outside:
            best = min((_path(ctx, i, root.i) for i in outside), key=lambda p: p[0])
            base.append(f"arcs={min(best[0], 6)}")
            if best[0] <= 3:
                base.append(f"path={best[1]}")
            total = 0
            for g in ctx.groups:
                rest = [i for i in g if i not in inside_ids]
                if rest:
                    total += min(_path(ctx, i, root.i)[0] for i in rest)
            base.append(f"meanarcs={_bucket(total / len(ctx.groups), (1, 2, 3, 4, 6))}")
            near = min(outside, key=lambda i: min(abs(i - a), abs(i - b + 1)))
            base.append("after" if near < a else "before")
            gap = a - near - 1 if near < a else near - b
            base.append(f"gap={_bucket(gap, (0, 1, 2, 4, 8, 15))}")
            if root.head.i in outside:
                base.append(f"anchor_child={root.dep_}")
            verbs = [i for i in ctx.verbs if i not in inside_ids]
            if verbs:
                vbest = min((_path(ctx, i, root.i) for i in verbs), key=lambda p: p[0])
                base.append(f"varcs={min(vbest[0], 6)}")
                if vbest[0] <= 2:
                    base.append(f"vpath={vbest[1]}")
            else:
                base.append("no_verb")
        lw = sum(1 for i in range(max(0, a - 3), a) if ctx.inq[i])
        rw = sum(1 for i in range(b, min(len(doc), b + 3)) if ctx.inq[i])
        base.append(f"lwin={min(lw, 2)}")
        base.append(f"rwin={min(rw, 2)}")
        covered = sum(1 for g in ctx.groups if any(max(0, a - 10) <= i < b + 10 for i in g))
        base.append(f"cover={_bucket(covered / len(ctx.groups), (0.0, 0.5, 0.99))}")
    else:
        base.append("no_anchor")
    # The rules' own answer, so the model learns when to trust it.
    if ctx.rule_tokens:
        overlap = len(ctx.rule_tokens.intersection(range(a, b)))
        if overlap == len(ctx.rule_tokens) == b - a:
            base.append("rule=same")
        elif overlap == b - a:
            base.append("rule=inside")
        elif overlap == len(ctx.rule_tokens):
            base.append("rule=holds")
        elif overlap:
            base.append("rule=overlaps")
    out = []
    for f in base:
        out.append(f)
        out.append(f"{qc}|{f}")
    for f in base:
        if f.startswith(("ent=", "has=", "pos=", "dep=", "prev=", "focus", "qshare")):
            out.append(f"{ctx.opening}|{f}")
        if f.startswith(("ent=", "has=", "typed", "rule=")):
            out.append(f"{ctx.expected}|{f}")
            if f.startswith("rule="):
                out.append(f"{ctx.rule_kind}|{qc}|{f}")
    return out


def featurise(
    q: Question, fact: Fact, doc: Doc, rule: Located
) -> tuple[list[tuple[int, int]], list[list[str]]]:
    """The candidates of a question and fact, and each one's features."""
    ctx = _Context(q, fact, doc, rule)
    spans = _kept(ctx, candidates(fact, doc, chunks=ctx.chunks))
    return spans, [features(ctx, a, b) for a, b in spans]


def _kept(ctx: _Context, spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """The candidates with a word the question lacks."""
    doc = ctx.doc
    return [
        (a, b)
        for a, b in spans
        if any(
            not ctx.inq[i] and not doc[i].is_punct and doc[i].lower_ not in STOP
            for i in range(a, b)
        )
    ]


def best_span(
    q: Question,
    fact: Fact,
    doc: Doc,
    *,
    rule: Located = NOTHING,
    policy: SpanPolicy = DEFAULT.spans,
) -> str | None:
    """The learned scorer's answer in ``fact`` (with the policy's weights, else the shipped
    ones), or None when it has no candidate or does not beat the rules' by the policy's
    margin."""
    w = shipped_weights() if policy.weights is None else policy.weights
    if not w:  # no model shipped: the rules answer alone
        return None
    ctx = _Context(q, fact, doc, rule)
    best: tuple[float, int, int] | None = None
    rule_score = -float("inf")
    for a, b in _kept(ctx, candidates(fact, doc, chunks=ctx.chunks)):
        score = sum(w.get(f, 0.0) for f in features(ctx, a, b))
        if best is None or score > best[0]:
            best = (score, a, b)
        if ctx.rule_tokens == set(range(a, b)):
            rule_score = score
    # The rules' phrase stands unless the scorer clearly prefers another.
    if best is None or best[0] - rule_score <= policy.margin:
        return None
    return doc[best[1] : best[2]].text.strip(ANSWER_STRIP)


@functools.cache
def shipped_weights() -> dict[str, float]:
    """``knowledge/data/spans.json``; empty when there is none."""
    path = resources.files("knowledge.data").joinpath(WEIGHTS_FILE)
    if not path.is_file():
        return {}
    return load_weights(path.read_text("utf-8"))


def load_weights(text: str) -> dict[str, float]:
    data = json.loads(text)
    return {str(k): float(v) for k, v in data["weights"].items()}


def dump_weights(weights: Iterable[tuple[str, float]], *, note: str) -> str:
    kept = {k: round(v, 4) for k, v in weights if abs(v) >= 1e-3}
    return json.dumps({"note": note, "weights": dict(sorted(kept.items()))}, indent=0)
