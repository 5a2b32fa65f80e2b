"""The answer engine: a question against the index → the best facts, a short answer, a
confidence below which it declines; and entity cards ("who is X?").

Loading and locking are the facade's (``knowledge.newsroom``): this module only reads the index.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import logging
import math
import os
import re
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import numpy as np
from spacy.language import Language
from spacy.tokens import Doc
from spacy.tokens import Span as SpacySpan

from knowledge.errors import QuestionError
from knowledge.models import (
    Answer,
    Entity,
    Fact,
    ScoredFact,
    Turn,
)
from knowledge.nlp.dates import relative_time
from knowledge.qa import holders, rank, reply
from knowledge.qa.confidence import question_features, rate, sigmoid
from knowledge.qa.config import DEFAULT, Calibration, ConfidenceWeights, QAConfig, RankWeights
from knowledge.qa.embedding import Embedder
from knowledge.qa.index import Index
from knowledge.qa.kinds import TYPED_KINDS, AnswerKind
from knowledge.qa.question import Question, analyse
from knowledge.qa.reader import Passage, Reader, Reading
from knowledge.qa.shortanswer import (
    adds_nothing,
    anchor_distance,
    fits,
    list_size,
    locate,
    misses_date,
    relation,
)
from knowledge.qa.vocabulary import BE_FORMS, DATE_FOCUS
from knowledge.text import PERSON_PRONOUNS, name_key, normalise
from knowledge.text import words as word_list

log = logging.getLogger(__name__)

# The tuned thresholds, factors and rerank penalties are in knowledge/qa/config.py (QAConfig).
_RELATED_KINDS = frozenset({AnswerKind.TYPED, AnswerKind.PERSON, AnswerKind.MANNER})
CARD_FACTS, CARD_WORDS = 5, 12  # facts searched for what an untitled entity is; its words at most
_PLACE_PRONOUNS = frozenset({"there"})
_PLACE_NOUNS = frozenset({"city", "town", "country", "place", "region", "capital", "village"})
_FACT_PRONOUNS = frozenset({"that", "it", "this", "then"})
_NO_NER = ("ner",)
_PARSES_KEPT = 2048  # facts' parses kept (least recently used out): a few MB
_MODIFIER_DEPS = frozenset({"compound", "amod"})
_ROLE_FOCUS = frozenset({"job", "role", "title", "position", "post", "occupation", "profession"})


_PERSON_PRONOUN = re.compile(r"\b(?:he|she|him|her|his)\b", re.I)
_THING_PRONOUN = re.compile(r"\b(?:they|them|their|there)\b", re.I)


def _as(pronoun: str, name: str) -> str:
    """A name in a pronoun's place, possessive where the pronoun was ("his" → "X's")."""
    return f"{name}'s" if pronoun.lower() in {"his", "their"} else name


@functools.cache
def _helper(pid: int) -> ThreadPoolExecutor:
    """The thread the rules' second opinion runs in, one per process (answers are serialised by
    ``knowledge.Newsroom``, so one question at a time uses it). Keyed by the process id: a
    forked child inherits the parent's executor but not its thread, and would wait forever."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="rules-opinion")


def _typed(q: Question, fact: Fact, reading: Reading, index: Index) -> str | None:
    """The reader's span as an answer of the asked type: a span within a resolved date is
    widened to it ("14 July" → "Friday, 14 July" as the article names it), so that the date it
    stands for is shown with it; for "who", a pronoun or a description ("the Italian-Swedish
    diplomat") becomes the name of the entity the article means by it. The reader's span is
    not widened to other entities: their boundaries are the small model's ("23-year-old",
    "only 273", "Spaniard Guillermo Garcia-Lopez"), and on the 7,426 unseen written questions
    the reader's own read better (bench/README.md, "The engine on the unseen written
    questions")."""
    if not reading.text:
        return None
    for sp in fact.spans:
        if not sp.resolved or sp.label not in q.expected:
            continue
        if sp.start <= reading.start and reading.end <= sp.end:
            return fact.text[sp.start : sp.end]
    if q.wh in {"who", "whom"}:
        for m in fact.mentions:
            entity = index.entities.get(m.entity_id)
            if entity is None or m.kind not in {"pronoun", "description"}:
                continue
            if not (reading.start <= m.start and m.end <= reading.end):
                continue
            rest = fact.text[reading.start : m.start] + fact.text[m.end : reading.end]
            if rest.strip(" ,.'\"").lower() in {"", "the", "a", "an"}:
                return entity.name
    return reading.text


def _type_match(q: Question, fact: Fact, reading: Reading, index: Index) -> float:
    """Whether the reader's span overlaps a stored span or entity mention of a label the
    question asks for (a date for "when", a person for "who"): 1 if so, -1 if the question asks
    for a type and the span has none of it, 0 for a question of no type or no span."""
    if not q.expected or not reading.text:
        return 0.0
    lo, hi = reading.start, reading.end
    for sp in fact.spans:
        if sp.label in q.expected and sp.start < hi and lo < sp.end:
            return 1.0
    for m in fact.mentions:
        entity = index.entities.get(m.entity_id)
        if entity is not None and entity.label in q.expected and m.start < hi and lo < m.end:
            return 1.0
    return -1.0


_YEAR = re.compile(r"\b\d{4}\b")


def _tense_match(q: Question, fact: Fact, reading: Reading, index: Index) -> float:
    """-1 where the date the reader's span holds lies on the other side of its article's date
    than a "when" question looks: before it for "when will the talks resume?" / "when is the
    next round?", after it for "when did they meet?"; 0 otherwise (no tense asked, no date, a
    date on the asked side or holding the article's day). Only a clash counts: on the written
    questions a date on the asked side was no more often right than one without a tense
    (bench/README.md, "Dates by tense")."""
    if q.tense is None or "DATE" not in q.expected or not reading.text:
        return 0.0
    article = index.articles.get(fact.article_id)
    if article is None:
        return 0.0
    lo, hi = reading.start, reading.end
    for sp in fact.spans:
        if sp.resolved and sp.label in {"DATE", "TIME"} and sp.start < hi and lo < sp.end:
            if _YEAR.search(sp.text):
                # "in 2008", "April 2005": a calendar date, whose side is only as good as the
                # article's date, and an article loaded without one is dated the day it loads.
                # A relative one ("on Monday", "in May") was resolved by its clause's tense.
                continue
            side = relative_time(sp.resolved, article.published)
            if side and (side > 0) != (q.tense == "future"):
                return -1.0
    return 0.0


def _held_for_another(q: Question, fact: Fact, reading: Reading, index: Index) -> bool:
    """The span names a person described with the asked role only for another (``holders``)."""
    if not reading.text:
        return False
    return holders.held_for_another(
        q, holders.people_in(fact, reading.start, reading.end, index), index
    )


def _names_a_place(q: Question) -> bool:
    """ "that city", "this country": a demonstrative before a place noun stands for a place."""
    return any(
        w in {"that", "this"} and nxt in _PLACE_NOUNS for w, nxt in itertools.pairwise(q.tokens)
    )


def _another_one(q: Question, fact: Fact) -> bool:
    """Whether the fact names a noun of the question without any of the two or more words that
    narrow it there ("the Syrian opposition's negotiating team" against "a team led by
    Macron"): then it likely speaks of another one."""
    terms = set(fact.terms)
    for noun, words, names in q.modifiers:
        if terms.isdisjoint(q.groups[noun]):
            continue
        if len(words) + len(names) < 2:  # one word ("the next round") is too often paraphrased
            continue
        found = any(not terms.isdisjoint(q.groups[w]) for w in words)
        if not found and set(names).isdisjoint(fact.entity_ids):
            return True
    return False


class Candidate(NamedTuple):
    """A fact the reader read for a question: what it found there, how the retriever ranked the
    fact (its score over the best candidate's; first or not; the share of the question's idf
    mass and of its entities the fact holds), whether the question names something no article
    mentions, and what the rule engine made of the question."""

    fact: Fact
    reading: Reading
    rank: float
    first: bool
    coverage: float
    entities: float
    unknown: bool
    rules: float  # the rule engine's confidence in its own answer to the question
    agree: float  # ... where its answer's fact is this one; 0 otherwise
    typed: float  # 1: the span is of the asked type (an entity, a date), -1: not, 0: no type
    tense: float  # -1: the span's date lies on the other side of its article's date than the
    # question asks about ("when will..." and a date before it); 0 otherwise
    holder: float  # 1: the span names a person the articles give the asked role only for
    # another than the question names ("French President" for "the president of Syria")
    dense: float  # the fact's cosine with the question (the reading order's; not a
    # feature of the choice: of the confidence, ``question_features``)
    article: float  # the reading order's belief in the fact's article (``rank.article_shares``;
    # like ``dense``, a feature of the confidence only)

    def features(self) -> tuple[float, ...]:
        """In ``READER_FEATURES`` order (``ReaderWeights.logit``'s)."""
        r = self.reading
        return (
            r.margin,
            r.score,
            self.rank,
            float(self.first),
            self.coverage,
            self.entities,
            float(self.unknown),
            self.rules,
            self.agree,
            self.typed,
            self.tense,
            self.holder,
        )


class _Judged(NamedTuple):
    """How a candidate's answer stands in its fact: what it loses in the typed rerank, its
    relation to the question's words (for the kinds it is computed for) and its distance from
    them in arcs."""

    penalty: float
    related: tuple[float, float] | None
    distance: float | None


def _judge(
    q: Question, fact: Fact, doc: Doc, short: str | None, kind: AnswerKind, *, weights: RankWeights
) -> _Judged:
    """A candidate's penalty in the rerank is much when its answer is not of the asked type, a
    little when its clause names nothing of the question, and a little per dependency arc
    between the answer and the question's words beyond the first. The relation and distance
    are kept for the confidence, so they are computed once."""
    related = relation(q, fact, doc, short) if kind in _RELATED_KINDS else None
    distance = anchor_distance(q, fact, doc, short)
    if not fits(q, short, kind):
        return _Judged(weights.misfit_penalty, related, distance)
    penalty = 0.0
    if related is not None and related[0] == 0.0:
        penalty += weights.unrelated_penalty  # nothing the question names in the answer's clause
    if distance is not None:
        penalty += weights.distance_penalty * max(0.0, distance - 1)
    return _Judged(penalty, related, distance)


def _said_of(span: SpacySpan, *, person: bool) -> str | None:
    """What the sentence around a mention calls the thing it names, if anything."""
    doc, root = span.doc, span.root
    modal = any(c.tag_ == "MD" for c in root.head.children)  # "would be": a guess
    if root.dep_ == "nsubj" and root.head.lemma_ == "be" and not modal:
        found = [c for c in root.head.children if c.dep_ == "attr"]
    elif person:
        found = [
            c
            for c in root.children
            if c.dep_ == "appos" or (c.dep_ == "prep" and c.lower_ in {"of", "at"})
        ]
    else:  # "Astana, Kazakhstan" is where Astana is, not what it is
        before = _called_before(span)
        if before:
            return before
        found = [c for c in root.children if c.dep_ == "appos" and c.pos_ == "NOUN"]
    for tok in found:
        # the phrase without a clause hung on it (", which commissioned the survey")
        clauses = {t.i for c in tok.subtree if c.dep_ in {"relcl", "acl"} for t in c.subtree}
        sub = [t for t in tok.subtree if t.i not in clauses]
        inside = any(span.start <= t.i < span.end for t in sub)
        if sub and len(sub) <= CARD_WORDS and not inside:
            text = doc[sub[0].i : sub[-1].i + 1].text.strip(" ,.\"'")
            return re.sub(r"^(an?|the)\s+", "", text, flags=re.I) or None
    return None


def _called_before(span: SpacySpan) -> str | None:
    """ "the ferry company Nordlink": the common nouns (and adjectives) right before a name that
    modify it, or the noun it stands in apposition to ("company, Nordlink" as parsed)."""
    doc, root = span.doc, span.root
    j = span.start
    while j > 0 and doc[j - 1].pos_ in {"NOUN", "ADJ"} and doc[j - 1].dep_ in _MODIFIER_DEPS:
        j -= 1
    if j < span.start and doc[span.start - 1].pos_ == "NOUN":
        return doc[j : span.start].text
    head = root.head
    if root.dep_ == "appos" and head.i == span.start - 1 and head.pos_ == "NOUN":
        words = [t for t in doc[head.left_edge.i : head.i + 1] if t.pos_ != "DET"]
        return " ".join(t.text for t in words)
    return None


def _distance_factor(distance: float | None, cal: Calibration = DEFAULT.calibration) -> float:
    """An answer many dependency arcs away from the question's words is seldom what it asks:
    on the SQuAD DEV_ARTICLES, typed answers 2-4 arcs away are right about 60% of the time, 5-6
    arcs away 43%, 7 or more about 28%."""
    if distance is None:
        return 1.0
    lost = cal.distance_slope * max(0.0, distance - cal.distance_free)
    return max(cal.distance_floor, 1.0 - lost)


def _without_name(text: str, entity: Entity) -> str | None:
    """What a span says of an entity without the entity's own name at either end ("the UN
    Special Envoy for Syria Staffan" → "the UN Special Envoy for Syria"); None where nothing
    else is left or the name stands inside it (the span is not a description of it)."""
    named = {w for n in (entity.name, *entity.aliases) for w in word_list(n)}
    tokens = text.split()
    while tokens and normalise(tokens[-1]).strip(".,;:") in named:
        tokens.pop()
    while tokens and normalise(tokens[0]).strip(".,;:") in named:
        tokens.pop(0)
    if not tokens or any(len(w) > 2 and w in named for w in word_list(" ".join(tokens))):
        return None
    return " ".join(tokens)


def _completed(span: str, descriptions: Sequence[str]) -> str:
    """The span, or the description of an entity that it is one word short of ("China's special
    envoy on the Syrian" → "China's special envoy on the Syrian issue"): the reader may stop a
    word before the noun a description ends on. Only one word: a longer description goes on
    past the noun phrase ("chief executive of Wippit, a UK-based music download service"), and
    on the unseen written "who is X?" questions taking it cost F1 0.947 → 0.939
    (bench/README.md, "Three epochs")."""
    said = word_list(span)
    for d in descriptions:
        stored = d.split()
        if len(stored) > 1 and stored[-1].isalpha() and word_list(" ".join(stored[:-1])) == said:
            return d
    return span


def _echoes(span: str, question: str) -> bool:
    """Whether a span holds nothing but words of the question (a hyphenated word's parts
    count on their own: "Italian" of "Italian-Swedish")."""
    asked = {p for w in word_list(question) for p in (w, *w.split("-"))}
    said = [p for w in word_list(span) for p in w.split("-") if p]
    return bool(said) and all(p in asked for p in said)


def _asks_definition(q: Question) -> bool:
    """ "What are stents?", "what is a squib?": a question whose answer is the other side of
    "X is Y" (not "what is the largest city in Y?", which a fact may answer in other ways)."""
    return (
        q.wh in {"what", "which"}
        and 2 < len(q.tokens) <= 5
        and _is_be(q)
        and not q.expected
        and len(q.groups) + len(q.entity_ids) == 1
    )


def _asks_manner(q: Question) -> bool:
    """ "How did X reach Y?": a question whose answer is a means or a manner."""
    return q.wh == "how" and not q.quote


def _asks_who_is(q: Question) -> bool:
    """ "Who is the president of Syria?": the question asks which entity a description fits."""
    return q.wh == "who" and len(q.tokens) > 2 and q.tokens[:1] == ("who",) and _is_be(q)


def _is_be(q: Question) -> bool:
    """ "Who is the X of Y?" (not "who is X suing?")."""
    return q.tokens[1] in BE_FORMS and q.copular


class Engine:
    """Answers questions and shows entities from an index: question analysis → retrieval →
    rerank → short answer → confidence. Not thread-safe by itself: ``knowledge.Newsroom``
    serialises every call and swaps the index it reads."""

    def __init__(
        self,
        nlp: Language,
        index: Index | None = None,
        *,
        config: QAConfig = DEFAULT,
        reader: Reader | None = None,
        embedder: Embedder | None = None,
    ) -> None:
        self.config = config
        self.nlp = nlp
        self.index = index if index is not None else Index()
        self.reader = reader  # None: the rules alone choose the fact and the short answer
        self.embedder = embedder  # None: no meaning feature in the reading order (the rules')
        self._parses: OrderedDict[tuple[int, str], Doc] = OrderedDict()  # least recent first

    def use(self, index: Index) -> None:
        """Answer from another index (rebuilt from the store)."""
        self.index = index
        self.forget_parses()

    def forget_parses(self) -> None:
        """Drop cached parses (fact ids of a removed or replaced article may come back)."""
        self._parses.clear()

    def _named(self, text: str) -> list[Entity]:
        """The entities whose name or alias ``text`` is, exactly (no fuzzy match)."""
        ids = self.index.aliases.get(name_key(text), ())
        return [self.index.entities[i] for i in ids if i in self.index.entities]

    def find_entities(self, name: str) -> list[Entity]:
        """Entities whose name, alias or description is ``name`` (fuzzy when nothing is exact)."""
        key = name_key(name)
        ids = self.index.aliases.get(key) or self.index.descriptions.get(key)
        if not ids:
            try:
                q = self.analyse(name)
            except QuestionError:
                return []
            ids = set(q.entity_ids)
        return sorted((self.index.entities[i] for i in ids), key=lambda e: -self._weight(e.id))

    def _weight(self, entity_id: int) -> int:
        return len(self.index.entity_facts.get(entity_id, ()))

    def answer(
        self, question: str, *, context: Turn | Answer | None = None, max_chars: int | None = None
    ) -> Answer:
        """Answer one question; ``context`` (the previous turn) resolves follow-ups. A question
        over ``max_chars`` (the caller's setting) is refused."""
        try:
            return self._answer(question, context, max_chars)
        except QuestionError as e:
            return Answer(
                question=question or "",
                answered=False,
                short=None,
                facts=(),
                confidence=0.0,
                reply=str(e),
                reply_template=e.template,
                reply_params=e.params,
            )

    def who(self, name: str) -> Answer:
        """An entity card: who or what the name is and the key facts about it."""
        entities = self.find_entities(name)
        if not entities:
            unknown = "I don't know anyone or anything called “{name}”."
            return self._decline(name, [], unknown, params={"name": name})
        return self._card(name, entities[0])

    def analyse(self, text: str, max_chars: int | None = None) -> Question:
        """What a question asks, against this index."""
        return analyse(text, index=self.index, nlp=self.nlp, max_chars=max_chars)

    def _in_context(
        self, text: str, context: Turn | Answer | None, max_chars: int | None
    ) -> tuple[Question, frozenset[int], int | None]:
        """The question analysed, with the entities a pronoun stands for named in it, those
        entities, and the previous answer's fact where the question points back at it."""
        q = self.analyse(text, max_chars)
        previous = context.answer if isinstance(context, Turn) else context
        context_entities, previous_fact = self._context(q, previous)
        if context_entities:  # a pronoun stands for these: treat them as named in the question
            q = dataclasses.replace(q, entity_ids=q.entity_ids | context_entities)
        return q, context_entities, previous_fact

    def _answer(self, text: str, context: Turn | Answer | None, max_chars: int | None) -> Answer:
        q, context_entities, previous_fact = self._in_context(text, context, max_chars)
        # "what is Tim Yeo's job?": how the articles describe him, where the rules answer. The
        # reader reads the facts themselves better: on the 22 unseen written questions that ask
        # so, F1 0.645 against the card's 0.475 (bench/README.md, "A job asked of the reader").
        role_of = self._role_of(q) if self.reader is None else None
        if role_of is not None:
            return self._card(text, role_of)
        if q.card and not context_entities:
            entity = max(
                (self.index.entities[i] for i in q.entity_ids), key=lambda e: self._weight(e.id)
            )
            card = self._card(text, entity, by_description=q.card_by_description)
            if self.reader is None or not card.answered or q.wh is None:
                return card  # a bare name ("Kazakhstan") is asked for its card
            return self._read_card(text, q, entity, card)
        if self.reader is not None:
            return self._reader_answer(text, q, context_entities, previous_fact)
        scored = self._scored(q, context_entities, previous_fact)
        if not scored:
            return self._decline(text, [], None)
        return self._by_rules(text, q, scored, context_entities)

    def _reader_answer(
        self,
        text: str,
        q: Question,
        context_entities: frozenset[int] = frozenset(),
        previous_fact: int | None = None,
    ) -> Answer:
        """The reader's answer to an analysed question, past any card (declined where the
        retriever finds nothing)."""
        scored = self._scored(q, context_entities, previous_fact)
        if not scored:
            return self._decline(text, [], None)
        opinion = self._opinion(text, q, scored, context_entities)
        return self._read(text, q, scored, context_entities, opinion, previous_fact=previous_fact)

    def _read_card(self, text: str, q: Question, entity: Entity, card: Answer) -> Answer:
        """ "Who is X?" read by the reader, answered in the card's shape (X: what the reader
        read, the fact it read it in, X's other facts) so that a follow-up's "he" is X. The
        card's own answer where the reader declines or reads X's name or another person's: on
        335 unseen written such questions, F1 0.836 (the card) against 0.934
        (bench/role_card.py). Asked by a description ("who is the England coach?"), the
        reader's answer as it is."""
        read = self._reader_answer(text, q)
        if not read.answered or not read.short:
            return card
        if q.card_by_description:
            # A span of the question's own words ("Italian" for "who is the Italian-Swedish
            # diplomat?") reads the description back: whom it describes, the card's name, is
            # the answer. (A span naming that person, as "Sir John Stevens", stays: the card
            # would drop "Sir"; bench/README.md, "A title before a name, names asked with a
            # hyphen, and a description read back".)
            return card if _echoes(read.short, text) else read
        if any(e.id != entity.id and e.label == "PERSON" for e in self._named(read.short)):
            return card  # another person's name ("The UN negotiator" for "who is Macron?")
        short = _without_name(read.short, entity)
        if short is None:
            return card
        short = _completed(short, entity.descriptions)
        best = read.facts[0]
        top = (best, *[f for f in card.facts if f.fact.id != best.fact.id][:4])
        return dataclasses.replace(
            card,
            short=short,
            facts=top,
            confidence=read.confidence,
            reply=self._card_reply(f"{entity.name}: {short}", top, tentative=read.tentative),
            articles={f.fact.article_id: self.index.articles[f.fact.article_id] for f in top},
            tentative=read.tentative,
        )

    def _opinion(
        self,
        text: str,
        q: Question,
        scored: list[tuple[float, rank.Features, Fact]],
        context_entities: frozenset[int],
    ) -> Callable[[], Answer | None]:
        """The rule engine's answer as the reader's second opinion, where its weights weigh it,
        to be collected by calling the result. It runs in a helper thread while the reader reads:
        its parse holds the GIL and the reader's model pass releases it, so the two overlap
        (README.md, "What each costs"). The rules rerank a copy of ``scored``: the reading order
        orders the candidates by itself."""
        if not self.config.reader.consults_rules:
            return lambda: None
        helper = _helper(os.getpid())
        future = helper.submit(self._by_rules, text, q, list(scored), context_entities)
        return future.result

    def _by_rules(
        self,
        text: str,
        q: Question,
        scored: list[tuple[float, rank.Features, Fact]],
        context_entities: frozenset[int],
    ) -> Answer:
        """The rule engine's answer: the rerank of typed answers, the rules' short answer and
        the hand-set confidence (the whole engine with ``TALKS_READER=off``; with the reader,
        a second opinion its confidence weighs)."""
        weighting, cal = self.config.rank, self.config.calibration
        score, feats, best = scored[0]
        reranks = bool(q.expected or _asks_manner(q) or _asks_definition(q))
        close: list[tuple[float, rank.Features, Fact]] = []  # the runners-up weighed below
        if reranks:
            close = list(
                itertools.takewhile(
                    lambda s: s[0] >= score - weighting.rerank_margin,
                    scored[1 : weighting.rerank_depth],
                )
            )
            self._parse_all([best, *(f for _, _, f in close)])  # one batch for them all
        doc = self._parse(best.id, best.text)
        policy = self.config.spans
        short, kind = locate(q, best, doc, self.index, policy=policy)
        judged: _Judged | None = None
        if reranks:
            # Among close runners-up, the one whose span of the asked type sits nearest the
            # question's words in the parse answers best: a year for "since what year" beats a
            # best fact holding none, and the object of "told" beats a name deep in the quote.
            judged = _judge(q, best, doc, short, kind, weights=weighting)
            options = [(score - judged.penalty, 0, doc, short, kind, judged)]
            for k, (other_score, _, other) in enumerate(close, start=1):
                other_doc = self._parse(other.id, other.text)
                other_short, other_kind = locate(q, other, other_doc, self.index, policy=policy)
                judged = _judge(q, other, other_doc, other_short, other_kind, weights=weighting)
                options.append(
                    (other_score - judged.penalty, k, other_doc, other_short, other_kind, judged)
                )
            _, k, doc, short, kind, judged = max(options, key=lambda o: (o[0], -o[1]))
            if k:
                scored.insert(0, scored.pop(k))
                score, feats, best = scored[0]
        elif kind in _RELATED_KINDS:
            judged = _judge(q, best, doc, short, kind, weights=weighting)
        related = judged.related if judged is not None else None
        confidence = self._confidence(q, feats, short, kind=kind, related=related)
        if adds_nothing(q, short):  # "early September" for "what date in September": no answer
            confidence *= cal.no_answer_factor
        elif (
            q.expected
            and kind is AnswerKind.TYPED
            and q.focus in DATE_FOCUS
            and not fits(q, short, kind)
        ):
            confidence *= cal.untyped_factor  # "which day" answered by a month only
        if kind in _RELATED_KINDS and self._by_pronoun_only(q, best, short):
            confidence *= cal.unrelated_factor  # "he said" answers "who heads X?" only by its "he"
        if q.expected and misses_date(q, best):  # "what date in September": a fact without it
            confidence *= cal.unrelated_factor
        if kind in _RELATED_KINDS and judged is not None:
            confidence *= _distance_factor(judged.distance, cal)
        if _another_one(q, best):
            confidence *= cal.another_factor  # "the opposition's team" answered by Macron's team
        facts = tuple(ScoredFact(f, round(s, 4)) for s, _, f in scored[:5])
        if confidence < cal.threshold:
            return self._decline(text, [f for f in facts], None, confidence=confidence)
        return self._answered(
            text, q, context_entities, short=short, facts=facts, confidence=confidence
        )

    def _answered(
        self,
        text: str,
        q: Question,
        context_entities: frozenset[int],
        *,
        short: str | None,
        facts: tuple[ScoredFact, ...],
        confidence: float,
        tentative: bool = False,
    ) -> Answer:
        """An answer given: the short answer, the facts best first, the reply (``tentative``:
        said as a possible answer)."""
        best = facts[0]
        article = self.index.articles[best.fact.article_id]
        return Answer(
            question=text,
            answered=True,
            short=short,
            facts=facts,
            confidence=round(confidence, 3),
            reply=reply.answer_text(short, best, article, tentative=tentative),
            tentative=tentative,
            articles={f.fact.article_id: self.index.articles[f.fact.article_id] for f in facts},
            focus_entity_ids=self._focus(q, context_entities, short, best.fact),
        )

    def candidates(self, text: str, *, context: Turn | Answer | None = None) -> list[Candidate]:
        """What the reader makes of the retriever's best facts for a question (for fitting the
        reader's weights: ``bench/fit_reader.py``); empty without a reader or for a card."""
        if self.reader is None:
            return []
        q, context_entities, previous_fact = self._in_context(text, context, None)
        scored = self._scored(q, context_entities, previous_fact)
        if not scored:
            return []
        opinion = self._opinion(text, q, scored, context_entities)
        return self._candidates(q, scored, context_entities, opinion, previous_fact=previous_fact)

    def ranked(self, text: str, *, context: Turn | Answer | None = None) -> list[Fact]:
        """The retriever's candidate facts for a question, best first (in the reading order
        where there is a reader): the reader reads the first ``ReaderWeights.passages`` (for
        training it on what it will see: ``bench/news_questions.py``)."""
        q, context_entities, previous_fact = self._in_context(text, context, None)
        scored = self._scored(q, context_entities, previous_fact)
        if self.reader is not None:
            scored = self._reading_order(q, scored, context_entities, previous_fact)
        return [fact for _, _, fact in scored]

    def scored(
        self, text: str, *, context: Turn | Answer | None = None
    ) -> list[tuple[float, rank.Features, Fact]]:
        """The second stage's candidates, each with its hand-set score and features (the
        embeddings' cosine of every one, where there are embeddings), best first by that score
        (for fitting the reading order: ``bench/fit_ranker.py``)."""
        q, context_entities, previous_fact = self._in_context(text, context, None)
        scored = self._scored(q, context_entities, previous_fact)
        return self._with_cosines(q, scored, context_entities, len(scored))

    def _with_cosines(
        self,
        q: Question,
        scored: list[tuple[float, rank.Features, Fact]],
        context_entities: frozenset[int],
        first: int,
        asked: np.ndarray | None = None,
    ) -> list[tuple[float, rank.Features, Fact]]:
        """``scored`` with the embeddings' cosine as the ``dense`` feature of its ``first``
        candidates (0 for the others, and all of them without embeddings); ``asked``: the
        question's vector, where made already."""
        if self.embedder is None or not scored:
            return scored
        head = scored[:first]
        question = self._reader_question(q, context_entities)
        cosines = self.embedder.similarities(
            question, [f.text for _, _, f in head], [f.vector for _, _, f in head], asked
        )
        return [
            (s, dataclasses.replace(feats, dense=c), fact)
            for (s, feats, fact), c in zip(head, cosines, strict=True)
        ] + scored[first:]

    def _reading_order(
        self,
        q: Question,
        scored: list[tuple[float, rank.Features, Fact]],
        context_entities: frozenset[int],
        previous_fact: int | None,
    ) -> list[tuple[float, rank.Features, Fact]]:
        """The candidates in the reading order. With embeddings, in two passes: the order without
        them picks the ``ReadingOrder.embedded`` the embeddings compare (a question has up to
        150 candidates; their vectors are stored, but one without is made here), then the
        order with them. The others keep no cosine and stay behind: measured on the fitting
        rows with the static vectors, hit@1 and hit@5 were the same as with every candidate
        compared (bench/README.md); the order is fitted so for the encoder. A few facts of
        the first articles that are no candidates join the compared ones (``_same_article``)."""
        order = self.config.order
        if self.embedder is not None:
            partial = rank.reading_order(scored, order, previous_fact)
            head = partial[: order.embedded]
            asked = self.embedder.vectors([self._reader_question(q, context_entities)])[0]
            extra = self._same_article(q, partial, context_entities, asked)
            partial = head + extra + partial[order.embedded :]
            scored = self._with_cosines(
                q, partial, context_entities, len(head) + len(extra), asked=asked
            )
        return rank.reading_order(scored, order, previous_fact)

    def _same_article(
        self,
        q: Question,
        partial: list[tuple[float, rank.Features, Fact]],
        context_entities: frozenset[int],
        asked: np.ndarray,
    ) -> list[tuple[float, rank.Features, Fact]]:
        """The facts that are not candidates yet, of the first ``ReadingOrder.same_article``
        articles in ``partial`` (the order without cosines), closest in meaning to the question
        (``asked``, its vector): the ``same_kept`` closest, scored by the second stage with no
        first-stage BM25 (they share no rare word or entity with the question)."""
        assert self.embedder is not None
        facts = self._of_first_articles(partial)
        closest = self.embedder.closest(
            asked, [f.vector for f in facts], self.config.order.same_kept
        )
        return self._second_stage(q, [facts[i] for i in closest], context_entities)

    def beside(
        self, text: str, *, context: Turn | Answer | None = None
    ) -> list[tuple[float, rank.Features, Fact]]:
        """Every fact of the reading order's first ``ReadingOrder.same_article`` articles that is
        no candidate, scored by the second stage (for fitting the reading order on the few of
        them the engine compares: ``bench/fit_ranker.py``)."""
        q, context_entities, previous_fact = self._in_context(text, context, None)
        scored = self._scored(q, context_entities, previous_fact)
        partial = rank.reading_order(scored, self.config.order, previous_fact)
        return self._second_stage(q, self._of_first_articles(partial), context_entities)

    def _of_first_articles(self, partial: list[tuple[float, rank.Features, Fact]]) -> list[Fact]:
        """The facts of the first ``ReadingOrder.same_article`` articles in ``partial`` that are
        not in it."""
        picked: list[int] = []
        for _, _, f in partial:
            if len(picked) == self.config.order.same_article:
                break
            if f.article_id not in picked:
                picked.append(f.article_id)
        seen = {f.id for _, _, f in partial}
        return [
            self.index.facts[fid]
            for aid in picked
            for fid in self.index.article_facts.get(aid, ())
            if fid not in seen
        ]

    def _second_stage(
        self, q: Question, facts: Sequence[Fact], context_entities: frozenset[int]
    ) -> list[tuple[float, rank.Features, Fact]]:
        """``facts`` scored by the second stage, with no first-stage BM25."""
        if not facts:
            return []
        weighting = self.config.rank
        weights = rank.group_weights(q, self.index, context=context_entities, config=weighting)
        out = []
        for fact in facts:
            feats = rank.features(
                q,
                fact,
                self.index,
                context_entities=context_entities,
                weights=weights,
                config=weighting,
            )
            out.append((feats.score, feats, fact))
        return out

    def _scored(
        self, q: Question, context_entities: frozenset[int], previous_fact: int | None
    ) -> list[tuple[float, rank.Features, Fact]]:
        """The first stage's candidates scored by the second, best first."""
        weighting = self.config.rank
        first = rank.retrieve(q, self.index, boost_entities=context_entities, config=weighting)
        ids = rank.top(first, weighting.max_candidates)
        if previous_fact is not None and previous_fact not in ids:
            ids.append(previous_fact)
        top_bm25 = max((first.get(fid, 0.0) for fid in ids), default=0.0) or 1.0
        weights = rank.group_weights(q, self.index, context=context_entities, config=weighting)
        scored = []
        for fid in ids:
            fact = self.index.facts[fid]
            feats = rank.features(
                q,
                fact,
                self.index,
                context_entities=context_entities,
                bm25=first.get(fid, 0.0) / top_bm25,
                weights=weights,
                config=weighting,
            )
            score = feats.score + (0.15 if fid == previous_fact else 0.0)
            scored.append((score, feats, fact))
        scored.sort(key=lambda s: (-s[0], s[2].id))
        return scored

    def passage(self, fact: Fact) -> str | Passage:
        """A fact as the reader reads it: with its neighbours or its article's headline where
        the model was trained so."""
        assert self.reader is not None
        if self.reader.context == "none":
            return fact.text
        if self.reader.context == "headline":
            article = self.index.articles.get(fact.article_id)
            return self.reader.passage(fact.text, headline=article.title if article else "")
        return self.reader.passage(fact.text, *self.index.neighbours(fact))

    def _candidates(
        self,
        q: Question,
        scored: list[tuple[float, rank.Features, Fact]],
        context_entities: frozenset[int],
        opinion: Callable[[], Answer | None],
        *,
        previous_fact: int | None,
    ) -> list[Candidate]:
        assert self.reader is not None
        try:
            order = self._reading_order(q, scored, context_entities, previous_fact)
            top = order[: self.config.reader.passages]
            question = self._reader_question(q, context_entities)
            readings = self.reader.read(question, [self.passage(f) for _, _, f in top])
        finally:  # collected whatever happens: the helper must be done before the next question
            ruled = opinion()
        if not top:
            return []
        best = top[0][0]
        shares = rank.article_shares(order)
        unknown = bool(q.unknown_names)
        rules_fact = ruled.fact.id if ruled is not None and ruled.fact is not None else None
        rules_confidence = ruled.confidence if ruled is not None else 0.0
        return [
            Candidate(
                fact,
                reading,
                math.exp(score - best),  # the logits' odds against the first: 1 for it
                k == 0,
                feats.coverage,
                feats.entities,
                unknown,
                rules_confidence,
                rules_confidence if fact.id == rules_fact else 0.0,
                _type_match(q, fact, reading, self.index),
                _tense_match(q, fact, reading, self.index),
                float(_held_for_another(q, fact, reading, self.index)),
                feats.dense,
                shares[fact.article_id],
            )
            for k, ((score, feats, fact), reading) in enumerate(zip(top, readings, strict=True))
        ]

    def _read(
        self,
        text: str,
        q: Question,
        scored: list[tuple[float, rank.Features, Fact]],
        context_entities: frozenset[int],
        opinion: Callable[[], Answer | None],
        *,
        previous_fact: int | None,
    ) -> Answer:
        """The reader's answer: of the retriever's best facts, the one whose span the fitted
        model rates likeliest; declined below the confidence model's threshold."""
        weights = self.config.reader
        cands = self._candidates(q, scored, context_entities, opinion, previous_fact=previous_fact)
        features = [c.features() for c in cands]
        logits = [weights.logit(f) for f in features]
        probs = [sigmoid(z) for z in logits]
        order = sorted(range(len(cands)), key=lambda k: (-probs[k], k))
        facts = tuple(ScoredFact(cands[k].fact, round(probs[k], 4)) for k in order)
        best = cands[order[0]]
        articles = len(self.index.articles)
        sure = self.config.confidence_in(articles)  # the model for a store of this many
        confidence = self._reader_confidence(q, cands, features, logits, order[0], sure=sure)
        if confidence < self.config.reader_threshold(articles):  # "did you mean": likeliest read
            return self._decline(
                text, list(facts), None, confidence=confidence, least=weights.suggest
            )
        short = _typed(q, best.fact, best.reading, self.index)
        return self._answered(
            text,
            q,
            context_entities,
            short=short,
            facts=facts,
            confidence=confidence,
            tentative=bool(sure.weights) and confidence < sure.sure,
        )

    def _reader_confidence(
        self,
        q: Question,
        cands: Sequence[Candidate],
        features: Sequence[Sequence[float]],
        logits: Sequence[float],
        chosen: int,
        *,
        sure: ConfidenceWeights,
    ) -> float:
        """How sure the reader's answer (``cands[chosen]``'s span) is: by the confidence model
        ``sure`` (the one for a store of as many articles as this one), which weighs every fact
        read, where it has weights; else the choice's rating of the chosen fact. ``features``:
        each candidate's ``READER_FEATURES``, ``logits`` the choice's (all computed once by the
        caller)."""
        if not sure.weights:
            return sigmoid(logits[chosen])
        feats = question_features(
            bool(q.expected),
            logits=logits,
            readings=features,
            chosen=chosen,
            answer=cands[chosen].reading.text,
            shares=[c.article for c in cands],
            cosines=[c.dense for c in cands],
        )
        return rate(sure, feats)

    def _reader_question(self, q: Question, context_entities: frozenset[int]) -> str:
        """The question as the reader reads it: repaired, and a follow-up's pronoun replaced by
        the name it stands for ("what did he say?" → "what did Staffan de Mistura say?")."""
        if not context_entities or not q.pronouns:
            return q.text
        names = [self.index.entities[e] for e in sorted(context_entities)]
        people = [e.name for e in names if e.label == "PERSON"]
        things = [e.name for e in names if e.label != "PERSON"]
        text = q.text
        if people:
            text = _PERSON_PRONOUN.sub(lambda m: _as(m.group(0), people[0]), text, count=1)
        if things:
            text = _THING_PRONOUN.sub(lambda m: _as(m.group(0), things[0]), text, count=1)
        return text

    def _role_of(self, q: Question) -> Entity | None:
        """The one person a "what is X's job / role / title" question asks about, when the
        articles describe that person."""
        if q.wh not in {"what", "which"} or q.focus not in _ROLE_FOCUS:
            return None
        people = [
            self.index.entities[e]
            for e in q.entity_ids
            if e in self.index.entities and self.index.entities[e].label == "PERSON"
        ]
        if len(people) != 1 or not people[0].descriptions:
            return None
        return people[0]

    def _confidence(
        self,
        q: Question,
        feats: rank.Features,
        short: str | None,
        *,
        kind: AnswerKind = AnswerKind.TYPED,
        related: tuple[float, float] | None = None,
    ) -> float:
        """Mostly how much of the question the fact covers; less where the question names
        something the articles never mention, where the question asks for a type (a date, a
        place, a number) and the fact has no span of it."""
        cal = self.config.calibration
        slot = (1.0 if feats.typed else 0.3) if q.expected else feats.coverage
        if q.count and kind is AnswerKind.LIST and list_size(short) == q.count:
            slot = 1.0  # "which four topics": a list of four is the asked type
        elif _asks_manner(q) and kind is AnswerKind.MANNER:
            slot = 1.0  # "how did X reach Y?": a means or a manner is the asked type
        conf = 0.6 * feats.coverage + 0.2 * feats.fuzzy + 0.2 * slot
        if _asks_definition(q) and kind is not AnswerKind.DEFINITION:
            conf *= cal.untyped_factor  # "what are stents?" answered by no "stents are ..."
        if q.wh == "why" and kind is not AnswerKind.REASON:
            conf *= cal.untyped_factor  # no "because" nor purpose found: a guess at the reason
        if q.unknown_names:
            conf *= cal.unknown_name_factor
        if q.expected and kind is AnswerKind.NONE:
            conf *= cal.no_answer_factor
        elif q.expected and kind not in TYPED_KINDS:
            conf *= cal.untyped_factor
        elif not short:
            conf *= 0.85
        if related is not None:
            clause, phrase = related
            if clause == 0.0:
                conf *= cal.unrelated_factor
            if _asks_who_is(q) and phrase < 1.0:
                conf *= cal.identity_factor
        return max(0.0, min(1.0, conf))

    def _by_pronoun_only(self, q: Question, fact: Fact, short: str | None) -> bool:
        """Whether the fact names the answer only by a pronoun and holds none of the question's
        words that are not nouns (its verb: "heads", "leads"): then the pronoun's sentence is
        likely about something else."""
        if not short:
            return False
        entities = self.index.entities
        kinds = {
            m.kind
            for m in fact.mentions
            if m.entity_id in entities and entities[m.entity_id].name == short
        }
        if kinds != {"pronoun"}:
            return False
        others = [g for i, g in enumerate(q.groups) if i not in q.nouns]
        terms = set(fact.terms)
        return bool(others) and not any(terms.intersection(g) for g in others)

    def _context(self, q: Question, previous: Answer | None) -> tuple[frozenset[int], int | None]:
        if previous is None or not previous.answered or not q.pronouns:
            return frozenset(), None
        wanted: set[int] = set()
        for eid in previous.focus_entity_ids:
            ent = self.index.entities.get(eid)
            if ent is None:
                continue
            if PERSON_PRONOUNS & set(q.pronouns) and ent.label == "PERSON":
                wanted.add(eid)
            place = _PLACE_PRONOUNS & set(q.pronouns) or _names_a_place(q)
            if place and ent.label in {"GPE", "LOC", "FAC"}:
                wanted.add(eid)
            if {"they", "them", "their"} & set(q.pronouns) and ent.label != "PERSON":
                wanted.add(eid)
        fact = previous.fact
        use_fact = bool(_FACT_PRONOUNS & set(q.pronouns)) and fact is not None
        if not wanted and fact is not None and not q.entity_ids:
            use_fact = True
        return frozenset(wanted - q.entity_ids), (fact.id if use_fact and fact else None)

    def _focus(
        self, q: Question, context_entities: frozenset[int], short: str | None, fact: Fact
    ) -> tuple[int, ...]:
        focus = list(q.entity_ids | context_entities)
        if short:
            for m in fact.mentions:
                said = fact.text[m.start : m.end]
                if said in short or self.index.entities[m.entity_id].name in short:
                    focus.append(m.entity_id)
        people = {
            m.entity_id
            for m in fact.mentions
            if self.index.entities[m.entity_id].label == "PERSON"
        }
        if len(people) == 1:
            focus.extend(people)
        return tuple(dict.fromkeys(focus))

    def _decline(
        self,
        question: str,
        facts: list[ScoredFact],
        message: str | None,
        *,
        confidence: float = 0.0,
        params: Mapping[str, object] | None = None,
        least: float = 0.2,
    ) -> Answer:
        """A decline: ``message`` (a template filled with ``params``) or the plain "the articles
        don't say", with the best facts offered as suggestions: the first three of ``facts``
        scoring over ``least``."""
        suggestions = [f.fact.text for f in facts[:3] if f.score > least]
        said = message.format(**params) if message and params else message
        return Answer(
            question=question,
            answered=False,
            short=None,
            facts=tuple(facts),
            confidence=round(confidence, 3),
            reply=said or reply.decline_text(suggestions),
            reply_template=message,
            reply_params=dict(params or {}),
            articles={f.fact.article_id: self.index.articles[f.fact.article_id] for f in facts},
            suggestions=tuple(suggestions),
        )

    def _card(self, question: str, entity: Entity, *, by_description: bool = False) -> Answer:
        """Who or what an entity is. Asked by a description ("who is the mayor of X?"), the
        answer is the name."""
        fact_ids = sorted(self.index.entity_facts.get(entity.id, ()))
        facts = [self.index.facts[f] for f in fact_ids]
        described = [
            f for f in facts if any(normalise(d) in normalise(f.text) for d in entity.descriptions)
        ]
        ordered = described + [f for f in facts if f not in described]
        short = entity.descriptions[0] if entity.descriptions else None
        # How sure the card is: the articles describe the entity ("the UN envoy"), or only
        # say where something happened ("the G20 summit in Hamburg"), or only name it.
        cal = self.config.calibration
        confidence = cal.card_described if short else cal.card_named
        if by_description:
            short = entity.name
        if short is None and ordered:
            short = self._place_of(entity, ordered)
            confidence = cal.card_placed if short else cal.card_named
        if short is None and ordered:
            short = self._said_to_be(entity, ordered)  # "Guidant is a key producer of ..."
            confidence = cal.card_placed if short else cal.card_named
        top = tuple(ScoredFact(f, 1.0 - 0.01 * i) for i, f in enumerate(ordered[:5]))
        if not top:
            return self._decline(question, [], None)
        head = f"{entity.name}: {short}" if short and short != entity.name else entity.name
        return Answer(
            question=question,
            answered=True,
            short=short or entity.name,
            facts=top,
            confidence=confidence,
            reply=self._card_reply(head, top),
            entity=entity,
            articles={f.fact.article_id: self.index.articles[f.fact.article_id] for f in top},
            focus_entity_ids=(entity.id,),
        )

    def _card_reply(self, head: str, top: Sequence[ScoredFact], *, tentative: bool = False) -> str:
        """A card's reply: its head ("X: the UN envoy") over its first fact and article, then
        "Also:" and the next two facts."""
        best = top[0]
        article = self.index.articles[best.fact.article_id]
        more = "\n".join(f"• {f.fact.text}" for f in top[1:3])
        text = reply.answer_text(head, best, article, tentative=tentative)
        return text + (f"\nAlso:\n{more}" if more else "")

    def _place_of(self, entity: Entity, facts: list[Fact]) -> str | None:
        """What a place is known for in the articles: the city of a country ("Astana,
        Kazakhstan"), or the thing that happened there ("the G20 summit in Hamburg")."""
        for fact in facts:
            doc = self._parse(fact.id, fact.text)
            for m in fact.mentions:
                if m.entity_id != entity.id:
                    continue
                span = doc.char_span(m.start, m.end, alignment_mode="expand")
                if span is None:
                    continue
                root = span.root
                if root.dep_ == "appos" and self._label_at(fact, root.head.idx) in {"GPE", "LOC"}:
                    return root.head.text
                if root.dep_ == "pobj" and root.head.lower_ in {"in", "at", "on"}:
                    head = root.head.head
                    if head.pos_ in {"NOUN", "PROPN"}:
                        toks = [t for t in head.subtree if t.i < root.head.i]
                        phrase = doc[toks[0].i : toks[-1].i + 1] if toks else None
                        if phrase is not None:
                            return phrase.text.removeprefix("the ").strip(" ,")
        return None

    def _said_to_be(self, entity: Entity, facts: list[Fact]) -> str | None:
        """What a fact says the entity is, where the articles give it no title: "X is a Y",
        "X, a Y,", "the ferry company X", or for a person "X of Y" ("Cara Diemont of IT firm
        Dimension Data")."""
        for fact in facts[:CARD_FACTS]:
            doc = self._parse(fact.id, fact.text)
            for m in fact.mentions:
                if m.entity_id != entity.id or m.kind == "pronoun":
                    continue
                span = doc.char_span(m.start, m.end, alignment_mode="expand")
                if span is None:
                    continue
                said = _said_of(span, person=entity.label == "PERSON")
                if said:
                    return said
        return None

    def _label_at(self, fact: Fact, offset: int) -> str | None:
        """The stored NER label of the fact's span or entity mention at a character offset."""
        for sp in fact.spans:
            if sp.start <= offset < sp.end:
                return sp.label
        for m in fact.mentions:
            if m.start <= offset < m.end and m.entity_id in self.index.entities:
                return self.index.entities[m.entity_id].label
        return None

    def _parse(self, fact_id: int, text: str) -> Doc:
        # The fact's entities are stored: the parse is for its syntax, and NER is the slow part.
        key = (fact_id, text)
        doc = self._parses.get(key)
        if doc is None:
            doc = self.nlp(text, disable=_NO_NER)
            self._keep(key, doc)
        else:
            self._parses.move_to_end(key)
        return doc

    def _parse_all(self, facts: Sequence[Fact]) -> None:
        """Parse in one batch the facts not parsed yet: the same parses as one by one, in
        about two thirds of the time (spaCy's per-call work is shared)."""
        missing = list({(f.id, f.text): None for f in facts if (f.id, f.text) not in self._parses})
        texts = [text for _, text in missing]
        for key, doc in zip(missing, self.nlp.pipe(texts, disable=_NO_NER), strict=True):
            self._keep(key, doc)

    def _keep(self, key: tuple[int, str], doc: Doc) -> None:
        self._parses[key] = doc
        if len(self._parses) > _PARSES_KEPT:
            self._parses.popitem(last=False)
