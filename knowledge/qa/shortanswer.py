"""Extracting the short answer from the best fact: the span of the expected type that the question
does not already hold, a whole list when the answer is one, a quote for "what did X say", or for
other "what" questions the phrase the parse attaches to the question's words."""

from __future__ import annotations

import re
from collections.abc import Sequence

from spacy.tokens import Doc, Token
from spacy.tokens import Span as SpacySpan

from knowledge.models import Fact, Span
from knowledge.nlp.extract import names_a_person
from knowledge.qa import spans
from knowledge.qa.config import DEFAULT, SpanPolicy
from knowledge.qa.index import Index
from knowledge.qa.kinds import NOTHING, TYPED_KINDS, AnswerKind, Located
from knowledge.qa.matching import ancestors, answer_span, forms, matched_tokens, meeting
from knowledge.qa.question import QUOTE_VERBS, Question
from knowledge.qa.vocabulary import ANSWER_STRIP, AUXILIARIES, BE_FORMS, DATE_FOCUS
from knowledge.text import ARTICLES, STOP, expand, is_content, normalise, words

_LIST_GLUE = re.compile(r"^\s*(,|and|or|, and|, or|&)\s*$")
_LIGHT_VERBS = frozenset({"happen", "do", "be", "have", "occur", "go"})


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
        beside = _beside(q, doc, qwords)
        if beside:
            return Located(beside, AnswerKind.CONJUNCT)
    if q.wh in {"where", "when"}:
        antecedent = _relative_antecedent(q, fact, doc, qwords)
        if antecedent:
            return Located(antecedent, AnswerKind.TYPED)
    if q.wh in {"who", "whom"} and len(q.tokens) > 1 and q.tokens[1] in _OBJECT_AUX:
        role = _object_person(q, doc, qwords)
        if role:  # "who does Bernath play?": "an army general's daughter"
            return Located(role, AnswerKind.PERSON)
    if q.expected:
        typed = _typed(q, fact, doc, index, qwords=qwords, matched=matched)
        if typed:
            return Located(_full_name(q, fact, typed, index), AnswerKind.TYPED)
        if q.wh in {"who", "whom", "whose"}:
            person = _person_mention(q, fact, index)
            if person:
                return Located(person, AnswerKind.PERSON)
    if q.wh in {"what", "which"} and q.expected:
        stranded = _stranded(q, doc, qwords)
        if stranded:  # "which film is she making her debut in?", untagged
            return Located(stranded, AnswerKind.PHRASE, "stranded")
    # "What did X say?" or "... say about Y?" is the quote; "What did X say came out of Y?" asks
    # for a phrase inside it.
    rest = [g for g in q.groups if g[0] not in QUOTE_VERBS]
    if q.quote and (not rest or "about" in q.tokens):
        quoted = _quote(q, fact)
        if quoted:
            return Located(_about_part(q, fact, doc, quoted) or quoted, AnswerKind.QUOTE)
    if q.wh is None and q.tokens and q.tokens[0] in _AUXILIARIES:
        chosen = _either_or(q, doc, qwords, matched)
        if chosen:
            return Located(chosen, AnswerKind.PHRASE, "either")
        verdict = _yes_no(q, doc)
        if verdict:
            return Located(verdict, AnswerKind.PHRASE, "yesno")
    if q.wh in {"what", "which"} and q.focus in _PART_NOUNS:
        part = _part_of(q, fact, doc)
        if part:
            return Located(part, AnswerKind.PHRASE, "part")
    if q.wh in {"what", "which"}:
        listed = _colon_list(q, fact)
        if listed:
            return Located(listed, AnswerKind.LIST)
    if q.wh == "how" and not q.expected:
        degree = _degree(q, doc)
        if degree:
            return Located(degree, AnswerKind.MANNER)
    if q.wh == "how" and not q.expected and not q.quote:
        manner = _manner(q, doc, matched)
        if manner:
            return Located(manner, AnswerKind.MANNER)
    if q.wh in {"what", "which"} and not q.expected:
        stranded = _stranded(q, doc, qwords)
        if stranded:
            return Located(stranded, AnswerKind.PHRASE, "stranded")
    if q.wh in {"what", "which", "how", None} or q.expected:
        phrase, source = _phrase(q, doc, qwords, matched, subjects=_named_ranges(q, fact))
        if phrase or not q.quote:
            if source == "copula":
                return Located(phrase, AnswerKind.DEFINITION)  # "what are stents?": "tubes ..."
            return Located(phrase, AnswerKind.PHRASE, source) if phrase else NOTHING
        quoted = _quote(q, fact)
        return Located(quoted, AnswerKind.QUOTE) if quoted else NOTHING
    if q.wh == "why":
        reason = _reason(doc, matched, q.lemmas)
        return Located(reason, AnswerKind.REASON) if reason else NOTHING
    return NOTHING


def _relative_antecedent(q: Question, fact: Fact, doc: Doc, qwords: set[str]) -> str | None:
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
        chunk = _chunk_for(clause.head, doc)
        if chunk is not None and _new_words(chunk, qwords):
            return _clean(chunk)
    return None


_OBJECT_AUX = frozenset({"did", "does", "do", "will", "would", "can", "could", "should"})


def _object_person(q: Question, doc: Doc, qwords: set[str]) -> str | None:
    """ "Who does X play?" where the fact says "X plays an army general's daughter": the
    object of the question's verb, when it is a noun for a person rather than a name."""
    for verb in doc:
        if verb.pos_ != "VERB" or not forms(verb) & q.lemmas:
            continue
        for obj in (c for c in verb.children if c.dep_ == "dobj"):
            if obj.ent_type_ or not names_a_person(obj):
                continue  # a name: the typed answer finds it
            chunk = _chunk_for(obj, doc)
            if chunk is not None and _new_words(chunk, qwords):
                return _clean(chunk)
    return None


_STRANDED = frozenset({"for", "to", "about", "with", "on", "at", "from", "in", "of", "by", "into"})


def _stranded(q: Question, doc: Doc, qwords: set[str]) -> str | None:
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
            chunk = _chunk_for(child, doc)
            if chunk is None and child.right_edge.i - child.left_edge.i < 10:
                chunk = doc[child.left_edge.i : child.right_edge.i + 1]  # no noun chunk for it
            if chunk is not None and _new_words(chunk, qwords):
                return _clean(_with_of(chunk, doc, qwords))
    return None


def _beside(q: Question, doc: Doc, qwords: set[str]) -> str | None:
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
        listed = [c for c in (_chunk_for(t, doc) for t in tok.conjuncts) if c is not None]
        if len(listed) > 1 and all(c.start > tok.i for c in listed):  # "safety, access and cost"
            span = doc[min(c.start for c in listed) : max(c.end for c in listed)]
            if _new_words(span, qwords):
                return _clean(span)
        for option in options:
            chunk = _chunk_for(option, doc)
            if chunk is not None and _new_words(chunk, qwords):
                return _clean(_with_of(chunk, doc, qwords))
    return None


_MEASURES = frozenset({"DATE", "TIME", "CARDINAL", "MONEY", "PERCENT", "QUANTITY", "ORDINAL"})
_BRACKETED = re.compile(r"\s*[(\[][^()\[\]]*\d[^()\[\]]*[)\]]")


def _full_name(q: Question, fact: Fact, answer: str, index: Index) -> str:
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


_CAPITALISED_PART = re.compile(r"-[A-Z][\w.]*")


def _hyphenated(sp: Span, text: str) -> Span:
    """ "Italian" of "Italian-Swedish": a name joined by hyphens to more capitalised words is
    whole only with them."""
    end = sp.end
    while m := _CAPITALISED_PART.match(text, end):
        end = m.end()
    return sp if end == sp.end else Span(sp.start, end, text[sp.start : end], sp.label)


def _unbracket(answer: str) -> str:
    """ "10 km (6 miles)" → "10 km": a bracketed conversion or aside is not part of the answer."""
    cut = _BRACKETED.sub("", answer).strip(ANSWER_STRIP)
    return cut or answer


# with "can" and "will", which the span scorer's yes/no test (``AUXILIARIES``) leaves out
_AUXILIARIES = AUXILIARIES | {"can", "will"}
_NEGATIONS = frozenset({"no", "not", "never", "without", "n't", "none", "nobody", "nothing"})


def _yes_no(q: Question, doc: Doc) -> str | None:
    """ "Was there a breakthrough?": the phrase of the fact that settles it ("no
    breakthrough", "so far unfruitful", "without going deeper into the topics"), preferring
    one that holds a negation."""
    found: list[tuple[bool, int, str]] = []
    for tok in doc:
        if normalise(tok.text) in STOP or not any(forms(tok).intersection(g) for g in q.groups):
            continue
        chunk = _chunk_for(tok, doc)
        if chunk is not None and chunk[0].lower_ == "no":
            found.append((True, tok.i, chunk.text))
            continue
        head = tok
        while head.pos_ not in {"VERB", "AUX", "ADJ"} and head.head.i != head.i:
            head = head.head
        if head.pos_ not in {"VERB", "AUX", "ADJ"}:
            continue
        toks = [head] + [
            t
            for c in head.children
            if c.dep_ not in {"conj", "cc", "punct", "advcl", "mark"}
            for t in c.subtree
        ]
        if head.dep_ == "pcomp" and head.head.lower_ in _NEGATIONS:
            toks.append(head.head)
        toks.sort(key=lambda t: t.i)
        if len(toks) > 10:
            continue
        text = doc[toks[0].i : toks[-1].i + 1].text
        negated = any(t.lower_ in _NEGATIONS or t.lower_.startswith("un") for t in toks)
        found.append((negated, tok.i, text))
    if not found:
        return None
    found.sort(key=lambda f: (not f[0], f[1]))
    return found[0][2].strip(ANSWER_STRIP)


_MEANS = frozenset({"by", "through", "via", "using"})


def _either_or(q: Question, doc: Doc, qwords: set[str], matched: Keys) -> str | None:
    """ "Did X meet them together or apart?": the option the fact names or, where it names
    neither, the fact's manner adverb near the question's words ("separately")."""
    toks = [t for t in q.tokens if any(ch.isalnum() for ch in t)]
    if "or" not in toks[1:-1]:
        return None
    i = len(toks) - 1 - toks[::-1].index("or")
    after = [t for t in toks[i + 1 :] if t not in _FUNCTION]  # "in Linz or in Vienna"
    options = {toks[i - 1], after[0] if after else toks[i + 1]}
    if options & {"not", "no", "so", "else", "what", "who", "whether"}:  # "... or not?"
        return None
    forms = {f for o in options for f in expand(o)}
    for tok in doc:
        if {tok.lower_, tok.lemma_.lower()} & forms:
            return tok.text
    adverbs = [
        (_near(tok.idx, tok.idx + len(tok), matched), doc[tok.left_edge.i : tok.i + 1].text)
        for tok in doc
        if tok.pos_ == "ADV"
        and tok.dep_ == "advmod"
        and tok.lower_ not in qwords
        and tok.lower_.endswith("ly")
        and tok.head.pos_ in {"VERB", "AUX"}
    ]
    return min(adverbs)[1] if adverbs else None


_PART_NOUNS = frozenset({"part", "parts", "region", "area", "side"})


def _part_of(q: Question, fact: Fact, doc: Doc) -> str | None:
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


def _degree(q: Question, doc: Doc) -> str | None:
    """ "How intensively ...?", "how soon ...?": the fact's phrase headed by the same adverb or
    adjective ("quite intensively", "as soon as possible")."""
    if "how" not in q.tokens[:-1]:
        return None
    word = q.tokens[q.tokens.index("how") + 1]
    if word in STOP:
        return None
    for tok in doc:
        if tok.lower_ == word and tok.pos_ in {"ADV", "ADJ"}:
            sub = [t for t in tok.subtree if not t.is_punct]
            if sub and len(sub) <= 6:
                return doc[sub[0].i : sub[-1].i + 1].text.strip(ANSWER_STRIP)
    return None


def _manner(q: Question, doc: Doc, matched: Keys) -> str | None:
    """ "How did X reach Y?": a means ("by telephone") or a manner adverb ("quite
    intensively") near the question's words."""
    options: list[tuple[float, str]] = []
    for tok in doc:
        if tok.lower_ in _MEANS and tok.dep_ == "prep" and tok.head.pos_ in {"VERB", "AUX"}:
            sub = list(tok.subtree)
            if len(sub) > 8:  # "by telephone about progress in ...": the means alone
                objects = [_chunk_for(c, doc) for c in tok.children if c.dep_ == "pobj"]
                sub = list(doc[tok.i : objects[0].end]) if objects and objects[0] else []
            if 1 < len(sub) <= 8:
                text = doc[sub[0].i : sub[-1].i + 1].text
                options.append((_near(tok.idx, sub[-1].idx, matched), text))
        elif tok.pos_ == "ADV" and tok.dep_ == "advmod" and tok.lower_.endswith("ly"):
            sub = list(tok.subtree)
            text = doc[sub[0].i : sub[-1].i + 1].text
            options.append((_near(tok.idx, tok.idx + len(tok), matched) + 10, text))
    if not options:
        return None
    return min(options)[1].strip(ANSWER_STRIP)


def _colon_list(q: Question, fact: Fact) -> str | None:
    """ "on four topics: governance, constitution, re-elections and anti-terrorism": what the
    question's noun introduces before a colon is the list after it."""
    head, colon, tail = fact.text.partition(":")
    if not colon or not tail.strip():
        return None
    before = normalise(head).split()[-4:]
    nouns = {w for i in q.nouns for w in q.groups[i]}
    if q.focus:
        nouns.add(q.focus)
    if not any(w in nouns or w.rstrip("s") in nouns for w in before):
        return None
    return tail.split(".")[0].strip(ANSWER_STRIP) or None


_ITEM_SEPARATORS = re.compile(r",\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+")


def list_size(answer: str | None) -> int:
    """How many items a list answer names ("governance, constitution and elections": 3)."""
    return len([p for p in _ITEM_SEPARATORS.split(answer or "") if p.strip()])


def _matched_positions(q: Question, fact: Fact, doc: Doc) -> list[list[int]]:
    """Character offsets in the fact of each thing the question names: one list per question
    word (any of its forms) and per named entity (its mentions)."""
    words = matched_tokens(q, fact, doc)[: len(q.groups)]
    keys = [[doc[i].idx for i in sorted(found)] for found in words]
    for eid in sorted(q.entity_ids):
        kin = q.kin_of(eid)
        keys.append([m.start for m in fact.mentions if m.entity_id in kin])
    return [k for k in keys if k]


_FAR = 150  # characters: a question word further away than this says nothing about a span


def _near(start: int, end: int, matched: Sequence[Sequence[int]]) -> float:
    """How far a span sits from the question's words in the fact: the mean over the words of
    the distance to their nearest occurrence, so a span amid all of them beats one next to
    only one."""
    if not matched:
        return 0.0
    total = 0
    for positions in matched:
        total += min(
            min(_FAR, 0 if start <= m < end else min(abs(m - start), abs(m - end)))
            for m in positions
        )
    return total / len(matched)


Keys = Sequence[Sequence[int]]  # per question word or entity: its offsets in the fact


def _typed(
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
        return _near(sp.start, sp.end, matched) - _prior(q, sp, doc) - fit + 20 * rank + aside

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
_FUNCTION = frozenset(
    {"the", "a", "an", "of", "in", "on", "at", "to", "for", "by", "and", "or", "'s"}
)


def adds_nothing(q: Question, answer: str | None) -> bool:
    """Whether an answer's content words are all the question's own (or only narrow them with a
    word like "early"): such an answer tells the asker nothing new."""
    said = words(answer or "")
    if not any(is_content(w) for w in said):
        return False
    known = set(q.tokens) | q.lemmas
    return all(w in _VAGUE or w in _FUNCTION or any(f in known for f in expand(w)) for w in said)


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
    chunk = _chunk_for(span.root, doc) if span is not None else None
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
            return _clean(chunk)
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


def _person_mention(q: Question, fact: Fact, index: Index) -> str | None:
    for m in fact.mentions:
        ent = index.entities.get(m.entity_id)
        asked = m.entity_id not in q.entity_ids or m.entity_id in q.described_ids
        if ent is not None and ent.label == "PERSON" and asked:
            return ent.name
    return None


def _quote(q: Question, fact: Fact) -> str | None:
    quotes = [t for t, sp in fact.quotes if sp is None or sp in q.entity_ids] or [
        t for t, _ in fact.quotes
    ]
    if not quotes:
        return None
    about = {w for w in q.lemmas if w not in STOP}
    best = max(quotes, key=lambda t: len(about & set(normalise(t).split())))
    return best.strip(ANSWER_STRIP)


def _about_part(q: Question, fact: Fact, doc: Doc, quoted: str) -> str | None:
    """ "What did X say about Y?": the part of the quote that is about Y: the list item naming
    it ("no breakdowns"), or the clause holding it."""
    if "about" not in q.tokens:
        return None
    topic = set(q.tokens[q.tokens.index("about") + 1 :])
    groups = [g for g in q.groups if topic.intersection(g)]
    start = fact.text.find(quoted)
    if not groups or start < 0:
        return None
    end = start + len(quoted)
    for tok in doc:
        if not start <= tok.idx < end or normalise(tok.text) in STOP:
            continue
        forms = {f for w in (normalise(tok.text), normalise(tok.lemma_)) for f in expand(w)}
        if not any(forms.intersection(g) for g in groups):
            continue
        chunk = _chunk_for(tok, doc)
        if chunk is not None and _only_item(chunk, doc, groups):
            return chunk.text.strip(ANSWER_STRIP)
        head = tok
        while head.pos_ not in {"VERB", "AUX"} and head.head.i != head.i:
            head = head.head
        if head.pos_ not in {"VERB", "AUX"}:
            return None
        # "(it is) important to adhere to X", but not "another priority is to consolidate X"
        while head.dep_ == "xcomp" and head.head.idx >= start and not _noun_subject(head.head):
            head = head.head
        toks = [head]
        for child in head.children:
            if child.dep_ in {"conj", "cc", "punct", "advcl"} and not (
                child.i <= tok.i <= max(t.i for t in child.subtree)
                and min(t.i for t in child.subtree) <= tok.i
            ):
                continue
            toks.extend(child.subtree)
        toks = [t for t in toks if start <= t.idx < end]
        if not toks:
            return None
        toks.sort(key=lambda t: t.i)
        return doc[toks[0].i : toks[-1].i + 1].text.strip(ANSWER_STRIP)
    return None


def _noun_subject(verb: Token) -> bool:
    return any(c.dep_ == "nsubj" and c.pos_ in {"NOUN", "PROPN"} for c in verb.children)


def _only_item(chunk: SpacySpan, doc: Doc, groups: list[tuple[str, ...]]) -> bool:
    """Whether the chunk is one item of a list ("no breakthrough, no breakdowns") and the only
    item naming the topic."""
    first = chunk.root
    while first.dep_ == "conj" and first.head.i != first.i:
        first = first.head
    items = [first, *(t for t in first.subtree if t.dep_ == "conj" and t.head.i >= first.i)]
    if len(items) < 2:
        return False

    def names(item: Token) -> bool:
        item_chunk = _chunk_for(item, doc)
        toks = list(item_chunk) if item_chunk is not None else [item]
        return any(forms(t).intersection(g) for t in toks for g in groups)

    return sum(names(i) for i in items) == 1


def _named_ranges(q: Question, fact: Fact) -> list[tuple[int, int]]:
    """Where the fact mentions the entities the question is about (not asking for)."""
    return [
        (m.start, m.end)
        for m in fact.mentions
        if m.entity_id in q.entity_ids and m.entity_id not in q.described_ids
    ]


def _phrase(
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
    if q.wh in {"what", "who"} and len(q.tokens) > 1 and q.tokens[1] not in _AUXILIARIES:
        for verb in verbs:
            if not any(c.dep_ in {"auxpass", "nsubjpass"} for c in verb.children):
                continue
            for agent in (c for c in verb.children if c.dep_ == "agent"):
                for obj in (c for c in agent.children if c.dep_ == "pobj"):
                    chunk = _chunk_for(obj, doc)
                    if chunk is not None and _new_words(chunk, qwords):
                        return _clean(chunk), "agent"
    # "What does X want to forge?": the object of the shared verb.
    for verb in verbs:
        for child in verb.children:
            if child.dep_ in {"dobj", "attr", "oprd", "acomp", "xcomp", "ccomp"}:
                chunk = _chunk_for(child, doc)
                if chunk is not None and _new_words(chunk, qwords):
                    return _clean(_with_of(chunk, doc, qwords)), "object"
    if q.kind_of and q.focus:
        for chunk in doc.noun_chunks:
            words = {normalise(t.text) for t in chunk}
            if q.focus in words and len(_new_words(chunk, qwords)) >= 1:
                return _clean(chunk), "kind"
        # the parser's noun chunks skip some nouns ("a step-by-step approach"): the noun with
        # the words before it that modify it
        for tok in doc:
            if tok.pos_ == "NOUN" and q.focus in {normalise(tok.text), normalise(tok.lemma_)}:
                span = doc[tok.left_edge.i : tok.i + 1]
                if _new_words(span, qwords):
                    return _clean(span), "kind"
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
        new = _new_words(chunk, qwords)
        if not new:
            continue
        share = len(new) / max(1, sum(1 for t in chunk if not t.is_punct))
        distance = _near(chunk.start_char, chunk.end_char, matched)
        score = share - distance / 200.0
        if q.focus and q.focus in {normalise(t.text) for t in chunk}:
            score += 0.5
        if best is None or score > best[0]:
            best = (score, chunk)
    return (_clean(best[1]), "chunks") if best else (None, "none")


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
            objects = [_chunk_for(c, doc) for c in child.children if c.dep_ == "pobj"]
            if objects and objects[0] is not None:
                sub = list(doc[child.i : objects[0].end])
            if len(sub) <= 4 and _new_words(doc[sub[0].i : sub[-1].i + 1], qwords):
                toks.extend(sub)
        toks.sort(key=lambda t: t.i)
        span = doc[toks[0].i : toks[-1].i + 1]
        if not _new_words(span, qwords):
            continue
        options.append((_near(span.start_char, span.end_char, matched), _clean(span)))
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
        objects = [_chunk_for(c, doc) for c in child.children if c.dep_ == "pobj"]
        if objects and objects[0] is not None and objects[0].end - child.i <= 4:
            extended = doc[chunk.start : objects[0].end]
            if _new_words(doc[child.i : objects[0].end], qwords):
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
            chunk = _chunk_for(named, doc)
            if chunk is not None and _new_words(chunk, qwords):
                return _clean(chunk)
        if tok.dep_ in {"nsubj", "attr"} and head.lemma_ == "be":
            want = "attr" if tok.dep_ == "nsubj" else "nsubj"
            for child in head.children:
                chunk = _chunk_for(child, doc) if child.dep_ == want else None
                if chunk is not None and _new_words(chunk, qwords):
                    return _clean(chunk)
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
                if len(span) <= 8 and _new_words(span, qwords):
                    return span.text.strip(ANSWER_STRIP)
        if tok.pos_ == "PROPN" or tok.dep_ == "compound":
            continue
        for child in tok.children:
            if child.dep_ == "appos":
                chunk = _chunk_for(child, doc)
                if chunk is not None and _new_words(chunk, qwords):
                    return _clean(chunk)
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


def _chunk_for(token, doc: Doc) -> SpacySpan | None:  # type: ignore[no-untyped-def]
    for chunk in doc.noun_chunks:
        if chunk.start <= token.i < chunk.end:
            return chunk
    if token.pos_ in {"VERB", "ADJ"}:
        sub = list(token.subtree)
        if len(sub) <= 12:
            return doc[sub[0].i : sub[-1].i + 1]
    return None


def _new_words(chunk: SpacySpan, qwords: set[str]) -> list[str]:
    return [
        normalise(t.text)
        for t in chunk
        if any(ch.isalpha() for ch in t.text)  # "G20", "step-by-step" are words too
        and normalise(t.text) not in STOP
        and normalise(t.text) not in qwords
        and normalise(t.lemma_) not in qwords
    ]


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


_CAUSE_BONUS = 30.0  # characters of nearness a "for bribing" cause is worth over a "to" purpose


def _reason(doc: Doc, matched: Sequence[Sequence[int]], asked: frozenset[str]) -> str | None:
    """A "because"/"since"/"so" clause or a purpose "to" clause: the one nearest the
    question's words ("because" on a tie). A "to" clause of the question's own verb ("why did
    she quit?": "her decision to quit") is what happened, not why."""
    options: list[tuple[float, int, str]] = []
    for tok in doc:
        # "fined for bribing an official": "for" and a gerund after one of the question's words
        if tok.lower_ == "for" and forms(tok.head) & asked:
            gerunds = [c for c in tok.children if c.tag_ == "VBG" and c.dep_ in {"pcomp", "pobj"}]
            if gerunds:
                sub = list(tok.subtree)
                text = doc[sub[0].i : sub[-1].i + 1].text.strip(ANSWER_STRIP)
                # a cause said outright beats a purpose a little nearer
                options.append((_near(sub[0].idx, sub[-1].idx, matched) - _CAUSE_BONUS, 0, text))
                continue
        if tok.lower_ == "to" and tok.dep_ == "aux" and normalise(tok.head.lemma_) in asked:
            continue
        if tok.lower_ in {"because", "since", "so"} or (tok.lower_ == "to" and tok.dep_ == "aux"):
            sub = list(tok.head.subtree)
            if tok.head.i < tok.i:  # "so" after its verb: the clause it opens, not the sentence
                sub = [t for t in sub if t.i >= tok.i]
            # "because X left and Y stayed": the reason ends where a conjoined clause starts
            ends = [
                c.i
                for c in tok.head.children
                if c.dep_ == "cc"
                and c.i > tok.i
                and any(d.dep_ == "conj" and d.pos_ in {"VERB", "AUX"} for d in c.head.children)
            ]
            if ends:
                sub = [t for t in sub if t.i < min(ends)] or sub
            text = doc[sub[0].i : sub[-1].i + 1].text.strip(ANSWER_STRIP)
            start, end = sub[0].idx, sub[-1].idx + len(sub[-1])
            explicit = 0 if tok.lower_ == "because" else 1
            options.append((_near(start, end, matched), explicit, text))
    return min(options)[2] if options else None


def _clean(span: SpacySpan) -> str:
    toks = list(span)
    while (
        toks
        and toks[0].dep_ != "predet"
        and (toks[0].pos_ in {"DET", "PUNCT"} or toks[0].tag_ == "PRP$")
    ):
        toks = toks[1:]
    while toks and toks[-1].is_punct:
        toks = toks[:-1]
    if not toks:
        return span.text.strip(ANSWER_STRIP)
    text = span.doc[toks[0].i : toks[-1].i + 1].text.strip(ANSWER_STRIP)
    return text.replace('"', "") if text.count('"') % 2 else text  # a quote cut in half


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
