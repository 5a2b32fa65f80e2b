"""The answering algorithm's knobs as frozen values, passed in rather than read from module
globals: a bench or a test builds another one (``dataclasses.replace(QAConfig(), ...)``) and
hands it to ``Newsroom(..., config=...)``, and nothing shared is rebound.

The defaults are the tuned values; the comments say where each was tuned."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class SpanPolicy:
    """When the learned span scorer (``knowledge/qa/spans.py``) answers instead of the rules."""

    use_scorer: bool = True
    # Which rule answers it replaces: a name in ``spans.REPLACES`` ("fallback", "phrase", "most").
    policy: str = "fallback"
    # How much higher the scorer must rate its span than the rules' own before it replaces it.
    margin: float = 2.0
    # The scorer's weights (a benchmark's fold); None: the shipped ``knowledge/data/spans.json``.
    # Left out of equality and the hash: a mapping is neither, and a policy names its weights.
    weights: Mapping[str, float] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Calibration:
    """How sure an answer is, and how sure it must be to be given.

    From a sweep over both question sets and SQuAD (tests/data, DEV_ARTICLES whole): at 0.40
    with the relation factors below our set declines 71% of unanswerables with 8.0% false
    declines (the one more than without them was a wrong answer), the dev set 100% and 0%, and
    SQuAD F1 goes 35.0 → 34.0 (answered 85% → 82%); 0.35 declines 53% / 8.0%, 0.45 71% / 13.6%.
    """

    threshold: float = 0.4
    unknown_name_factor: float = 0.4  # the question names something no article mentions
    no_answer_factor: float = 0.5  # ... and nothing in it answers at all
    untyped_factor: float = 0.7  # "when"/"who"/"how many"... and no span of that type answers
    unrelated_factor: float = 0.5  # the answer's clause holds nothing else the question names
    identity_factor: float = 0.35  # "who is the X of Y": the answer's noun phrase lacks X or Y
    another_factor: float = 0.7  # the fact's thing lacks all the words narrowing the question's
    # Typed answers on the SQuAD DEV_ARTICLES 2-4 arcs from the question's words are right about
    # 60% of the time, 5-6 arcs away 43%, 7 or more about 28%.
    distance_free: float = 5.0  # mean arcs from the question's words that cost nothing
    distance_slope: float = 0.1  # ... and the confidence lost per arc past that
    distance_floor: float = 0.3
    # An entity card: the articles describe the entity ("the UN envoy"), only say where
    # something happened ("the G20 summit in Hamburg") or what it is, or only name it.
    card_described: float = 0.95
    card_placed: float = 0.8
    card_named: float = 0.6


@dataclass(frozen=True, slots=True)
class RankWeights:
    """The two ranking stages (``knowledge/qa/rank.py``) and the typed rerank of the engine."""

    max_candidates: int = 150
    # Terms in more than this share (or number) of facts don't select candidates alone.
    common_share: float = 0.2
    common_df: int = 1000
    k1: float = 1.2  # BM25 (tf is 1: a fact holds each term once, so k1 scales the length norm)
    b: float = 0.5  # length normalisation, tuned on the SQuAD DEV_ARTICLES (0.3-0.75 in noise)
    context_entity_weight: float = 0.6  # an entity a pronoun stands for counts less than a name
    synonym_credit: float = 0.7  # a question word found only through its synonym class
    kin_weight: float = 0.4  # "China" for the question's "Chinese" (knowledge/nlp/demonyms.py)
    coverage: float = 0.4  # second stage: idf-weighted share of the question found in the fact
    focus_weight: float = 0.3  # the noun naming the asked type ("which country"), times its idf
    description_weight: float = 0.3  # a word of a description naming an entity, times its idf
    bm25: float = 0.45  # second stage: the first stage's score relative to the best candidate's
    rerank_depth: int = 5  # typed questions: how many of the best facts may supply the answer
    rerank_margin: float = 0.1  # ... when they score within this of the best
    misfit_penalty: float = 0.3  # ... losing this when their answer is not of the asked type
    distance_penalty: float = 0.03  # ... and this per dependency arc from the question past one
    unrelated_penalty: float = 0.1  # ... and this when its clause holds nothing else asked


@dataclass(frozen=True, slots=True)
class ReadingOrder:
    """Which of the first stage's candidates the reader reads: the second stage's features, the
    cosine of the fact's and the question's embeddings (``embedding.py``: meaning beyond shared
    words) and three of the fact's article (its best BM25, coverage and cosine among the
    candidates) (``ORDER_FEATURES``, computed by ``rank.order_features``) weighed by a
    conditional logit fitted on the questions written about BBC news (the facts holding a
    question's support fragment are the right ones): on both folds of their articles, each
    with the cosines of the encoder tuned on the other fold's questions (``bench/ship_encoder.py``;
    the shipped encoder is tuned on both), so that the cosine is weighed as it is worth on
    questions the encoder never saw. Fitted on one half of the articles and scored on the
    other, it puts the right fact first for 73.1 questions in 100 and among the first five for
    90.4 (on fold 0 alone, 74.6 and 91.3; 64.6 and 85.3 without the cosines). The hand-set stage
    (``RankWeights``) still orders the facts for the rules (and alone with the reader off). Of a
    follow-up, the fact of the previous answer gets ``previous`` more: no written question is a
    follow-up to fit it on, so it is the rules' bonus (0.15 where coverage weighs 0.4) in this
    scale (coverage weighs 2.93 here). It is kept so that a follow-up reads the fact it follows
    as the rules do."""

    coverage: float = 2.9313
    bm25: float = 0.5752
    fuzzy: float = 0.1044
    entities: float = -0.3500
    typed: float = 1.7391
    quote: float = 0.8128
    position: float = -0.4200
    article_bm25: float = 5.9422
    article_coverage: float = -1.5814
    dense: float = 12.3404
    article_dense: float = 6.5003
    previous: float = 1.06
    embedded: int = 30  # the candidates (first in the order without them) the embeddings compare
    # Of the first ``same_article`` articles in the order without cosines, the ``same_kept``
    # other facts closest in meaning to the question join the candidates compared: an answer's
    # sentence often shares no word with the question ("the gadget" for the PSP) but sits in
    # the article it is about. On the 7,202 unseen written questions support@1 0.810 -> 0.814,
    # F1 0.779 -> 0.783, false declines 0.075 -> 0.070 (bench/README.md "Facts of the first
    # articles as candidates"). The weights above were fitted without them; refitted with them
    # the order ranks no better (bench/order_refit.py).
    same_article: int = 3
    same_kept: int = 5

    def logits(self, features: Sequence[Sequence[float]]) -> list[float]:
        """For each candidate's features in ``ORDER_FEATURES`` order (the weights read once
        for all of them: a question has up to 150 candidates)."""
        w = tuple(getattr(self, name) for name in ORDER_FEATURES)
        return [sum(a * x for a, x in zip(w, f, strict=True)) for f in features]

    def logit(self, features: Sequence[float]) -> float:
        """For one candidate's features in ``ORDER_FEATURES`` order."""
        return self.logits([features])[0]


ORDER_FEATURES = (
    "coverage",
    "bm25",
    "fuzzy",
    "entities",
    "typed",
    "quote",
    "position",
    "article_bm25",
    "article_coverage",
    "dense",
    "article_dense",
)


@dataclass(frozen=True, slots=True)
class ReaderWeights:
    """How the learned reader's scores (``knowledge/qa/reader.py``) become a choice among the
    retriever's best facts and a confidence: a logistic model of "this fact's span is the
    answer" over the reader's margin (best span minus no-answer) and span score, and the
    retrieval's agreement: the fact's odds against the first in the reading order
    (``ReadingOrder``), whether it is first there, the share of the question's idf mass and of
    its entities it holds, whether the question names something no article mentions, the rule
    engine's second opinion (its confidence, and whether its answer is this fact), whether
    the span is of the asked type, whether its date lies on the other side of its article's
    date than a "when will..." or "when did..." question asks (``tense``), and whether it
    names a person described with the asked role only for another (``holder``: "French
    President" for "who is the president of Syria?").
    Fitted by ``bench/fit_reader.py`` (the data and the threshold's curve:
    ``bench/results/reader-fit.md``). The rules' opinion stays: without it (``rules`` and
    ``agree`` 0, which saves its parses, 4–7 ms a question) the 7,424 unseen written questions
    and the frozen BBC set are answered as well, but the held-out seed set loses two right
    answers (bench/README.md, "The rules' opinion, weighed again")."""

    passages: int = 5  # the retriever's best facts the reader reads
    bias: float = -2.8187
    margin: float = 0.2082
    span: float = 0.0409
    rank: float = 1.0845
    first: float = 0.3334
    coverage: float = 0.0043
    entities: float = 0.7196
    unknown: float = -0.4595
    rules: float = -0.1168
    agree: float = 1.267
    typed: float = 0.0775
    # Added after the others were fitted: fitted by bench/fit_confidence.py (``ALONE``) on the
    # written questions they were not fitted on, the others held. ``holder``: the span names a
    # person the articles give the asked role only for another (``qa/holders.py``).
    tense: float = 0.9928
    holder: float = -2.452
    # The highest that declines at most 10% of the news questions' answerable ones (fit_reader).
    threshold: float = 0.19  # below it the engine declines
    # A decline offers the facts read this likely to answer (up to three, likeliest first) as
    # "did you mean": on the 7,426 unseen written questions one holding the support for 44 %
    # of the answerable ones declined, against 35 % by the reading order's first three, with
    # fewer facts offered (bench/README.md, "What a decline offers").
    suggest: float = 0.02

    @property
    def consults_rules(self) -> bool:
        """Whether the rule engine's answer is a feature (it costs a parse per runner-up)."""
        return bool(self.rules or self.agree)

    def logit(self, features: Sequence[float]) -> float:
        """The log-odds for a candidate's features, in ``READER_FEATURES`` order."""
        pairs = zip(READER_FEATURES, features, strict=True)
        return self.bias + sum(getattr(self, name) * x for name, x in pairs)


READER_FEATURES = (
    "margin",
    "span",
    "rank",
    "first",
    "coverage",
    "entities",
    "unknown",
    "rules",
    "agree",
    "typed",
    "tense",
    "holder",
)


CONFIDENCE_FEATURES = (
    # Not the choice's log-odds of the chosen fact: a sum of these features, it gave the fit a
    # flat direction, and each refit moved the weights along it (bench/README.md).
    *READER_FEATURES,  # the chosen fact's
    "best_margin",  # of all the facts read
    "second_margin",
    "lead",  # the chosen fact's log-odds over the runner-up's
    "answering",  # how many facts read have a positive margin
    "mean_margin",
    "words",  # log(1 + the answer's words)
    "typed_question",  # the question asks for a type (a date, a person, a number)
    "dense",  # the chosen fact's cosine with the question (``qa.embedding``; 0 without)
    "best_dense",  # the best cosine of the facts read: is anything stored about this at all?
    # The reading order's belief in the chosen fact's article (``rank.article_shares``): a
    # question about nothing stored spreads it over many. Weighed in a store of many articles
    # only (``QAConfig.confidence_in``): in a store of one every fact's is 1. Not a feature of
    # the choice (bench/README.md, "The order's belief in an article").
    "article",
)


@dataclass(frozen=True, slots=True)
class ConfidenceWeights:
    """How sure the engine is of the reader's answer (``knowledge/qa/confidence.py``): a linear
    model over ``CONFIDENCE_FEATURES``, the average of two logistic models' log-odds, one of
    "the question is answerable", one of "the answer is right" (the first declines more
    unanswerable questions, the second keeps more right answers; their average does either
    nearly as well). Fitted by ``bench/fit_confidence.py`` on written news questions the reader
    and the choice never saw (bench/results/confidence-fit.md); refit it after the choice.
    Without weights, the choice's rating of the chosen fact is the confidence, declined below
    ``ReaderWeights.threshold`` (and no answer is marked unsure)."""

    bias: float = 0.0
    weights: tuple[float, ...] = ()  # in CONFIDENCE_FEATURES order; () for none
    # The highest that declines at most 10% of the answerable questions of the written ones and
    # of each development set.
    threshold: float = 0.5
    # Below this the answer is given as one the bot is not sure of: where the written questions'
    # answers turn from more often wrong to more often right.
    sure: float = 1.0

    def logit(self, features: Sequence[float]) -> float:
        return self.bias + sum(w * x for w, x in zip(self.weights, features, strict=True))


# The confidence in a store of many articles (``fit_confidence.py``: the written questions
# asked of two stores of ~230 articles each, with the seed).
MANY_ARTICLES = ConfidenceWeights(
    bias=-4.6178,
    weights=(
        0.1579,  # margin
        0.0143,  # span
        0.1057,  # rank
        -0.1783,  # first
        1.0154,  # coverage
        0.4739,  # entities
        -0.9231,  # unknown
        0.5603,  # rules
        0.1225,  # agree
        -0.0585,  # typed
        1.3340,  # tense
        -0.9102,  # holder
        0.0151,  # best_margin
        0.0061,  # second_margin
        0.1199,  # lead
        -0.0072,  # answering
        -0.0155,  # mean_margin
        0.0393,  # words
        -0.5948,  # typed_question
        0.5319,  # dense
        1.1964,  # best_dense
        2.7215,  # article
    ),
    threshold=0.29,
    sure=0.62,
)
# The confidence in a store of one article, a fresh install's: fitted on the same questions with
# the article's share held at 0. There every fact's share is 1 whatever is asked, and the model
# that weighs it rated that store's answers too high (bench/README.md, "The order's belief in an
# article, in the confidence").
ONE_ARTICLE = ConfidenceWeights(
    bias=-4.2238,
    weights=(
        0.1396,  # margin
        -0.0073,  # span
        0.7324,  # rank
        0.0210,  # first
        0.8844,  # coverage
        0.6996,  # entities
        -0.9582,  # unknown
        0.4732,  # rules
        0.4370,  # agree
        -0.1309,  # typed
        1.4374,  # tense
        -0.7952,  # holder
        0.0374,  # best_margin
        0.0192,  # second_margin
        0.2100,  # lead
        -0.0808,  # answering
        -0.0327,  # mean_margin
        0.1250,  # words
        -0.6272,  # typed_question
        0.9393,  # dense
        2.4923,  # best_dense
        0.0000,  # article
    ),
    threshold=0.2,
    sure=0.62,
)


@dataclass(frozen=True, slots=True)
class QAConfig:
    """All of the answering's knobs; the defaults are the shipped behaviour."""

    spans: SpanPolicy = SpanPolicy()
    calibration: Calibration = Calibration()
    rank: RankWeights = RankWeights()
    order: ReadingOrder = ReadingOrder()
    reader: ReaderWeights = ReaderWeights()
    confidence: ConfidenceWeights = MANY_ARTICLES  # in a store of many articles
    confidence_alone: ConfidenceWeights = ONE_ARTICLE  # in a store of one

    def confidence_in(self, articles: int) -> ConfidenceWeights:
        """The confidence model for a store of ``articles`` articles."""
        return self.confidence if articles > 1 else self.confidence_alone

    def reader_threshold(self, articles: int) -> float:
        """The confidence below which the reader's answer is declined in a store of
        ``articles`` articles: its confidence model's threshold where it has weights, else the
        choice's."""
        sure = self.confidence_in(articles)
        return sure.threshold if sure.weights else self.reader.threshold


DEFAULT = QAConfig()  # the default of every function that takes a part of one
