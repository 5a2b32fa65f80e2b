"""Fit how sure the engine is of the reader's answer (``ConfidenceWeights`` in
``knowledge/qa/config.py``) and the threshold below which it declines, and measure it against
the choice's own rating (the confidence before it).

    PYTHONPATH=.:bench .venv/bin/python bench/fit_confidence.py            # ~25 min
    PYTHONPATH=.:bench .venv/bin/python bench/fit_confidence.py --cached   # re-fit the rows

Data: the written news questions of the batches that neither the shipped reader, embeddings and
reading order nor the choice (``ReaderWeights``) were fitted on (``UNSEEN``, less those about a
near copy of an article they were fitted on: ``news_questions.unseen_questions``, 6,244
questions, 1,338 of them unanswerable, about 446 BBC articles that no question set of ours asks
about), the
articles of each fold (``news_fold``) in one store with the seed, asked its fold's questions and
``OFF_STORE`` of the other's (unanswerable there), read by the shipped chain: what the engine
makes of questions it has never seen, which the confidence must judge. The same questions are
asked again each of a store holding its article alone (``alone``; ``--no-alone`` leaves them
out): a store of one article, a fresh install's, where the reading order's belief in an article
says nothing; they measure the model for such a store and are not fitted on. The development
sets (``DEVELOPMENT``, not the follow-ups; the seed's asked of the seed alone as well) only
choose the thresholds and are reported; no frozen set.

Two models are fitted on the same written questions: one for a store of many articles
(``QAConfig.confidence``), one for a store of one (``confidence_alone``) with the article's
share held at 0, each with its own threshold.

Each question gives the features of ``knowledge/qa/confidence.py`` (the chosen fact's and all
the facts read) and two labels: answerable, and answered right (the chosen fact's span has
token F1 >= 0.5 with a reference answer). Two L2 logistic regressions, one per label, are
averaged (``ConfidenceWeights``' docstring says why). The threshold is the highest that declines
at most 10 % of the answerable questions; ``sure``, below which an answer is said as unsure, is
where the written questions' answers turn from more often wrong to more often right
(``sure_level``). Cross-validated by article (``news_fold``): fitted and
thresholded on one fold, scored on the other; the report compares the choice's rating, each
model alone and their average.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from fit_reader import (
    Question,
    choose,
    fixed_choice,
    fold_readers,
    logistic,
    logistic_choice,
    right_span,
    squad_sample,
    threshold_of,
    weights_of,
)
from fit_reader import cross_validate as choice_cv
from fit_reader import fit as fit_choice
from news_questions import load_articles, news_fold, unseen_questions
from revision import git_revision
from squad import (
    PUBLISHED,
    RESULTS,
    ROOT,
    SHARED,
    fold_of,
    scratch_newsroom,
    shared_missing,
    table,
    write_report,
)

from knowledge import DEFAULT_MODEL, Newsroom, decode
from knowledge.errors import KnowledgeError, QuestionError
from knowledge.nlp.pipeline import load_pipeline
from knowledge.qa.confidence import question_features, rate, sigmoid
from knowledge.qa.config import (
    CONFIDENCE_FEATURES,
    DEFAULT,
    READER_FEATURES,
    ConfidenceWeights,
    QAConfig,
    ReaderWeights,
)
from knowledge.qa.embedding import Embedder
from knowledge.qa.evaluation import auc, declined_at, read_items

FITTED = frozenset({"written", "squad"})  # the sources the confidence is fitted on
ARTICLE = CONFIDENCE_FEATURES.index("article")
ONE_MODEL = " (one-article model)"  # follows a source rated by the one-article model
# A development set's seed questions asked of a store holding the seed alone (a fresh install's):
# their source is the set's name and this (``development_alone``).
SEED_ALONE = ", seed alone"
DEVELOPMENT = (
    ROOT / "tests" / "data" / "bbc_working.jsonl",
    ROOT / "tests" / "data" / "seed_questions.jsonl",
)
CACHE = Path("/tmp/confidence-rows.json")
# The other store's questions each store is asked as well. Without them, only 37 written
# questions name something no article mentions, 35 of them answerable (a misspelt name): the
# written unanswerable questions ask about their own article's people and things, and the
# weight of "unknown" came out positive, so "What did Erdogan say in Astana?" of the seed
# article, declined before at 0.01, was answered at 0.36.
OFF_STORE = 500
# Of the other fold's questions, how many each one-article store (``alone``) is asked as well.
ALONE_OFF_STORE = 2
# The rule engine's opinion, as features of the choice: what it is worth is measured by a
# choice and a confidence fitted here with them and without (``rules_table``). Measured on
# 5 December, not acted on: bench/README.md, "The rules' opinion, weighed again".
RULES = frozenset({"rules", "agree"})
# Features of the choice added after ``fit_reader.py`` last fitted it (on the fold models'
# readings): each is measured by the choice refitted here (``choice_of``) with all its features
# and without it (``choice_table``, ``refit_table``).
LATER = ("tense", "holder")


@dataclasses.dataclass(slots=True)
class Asked:
    """One question as the engine read it."""

    source: str  # "written", "squad", or a development set's name
    fold: int  # a written question's store (``news_fold``), a SQuAD one's ``fold_of``; else 0
    answerable: bool
    typed: bool
    rows: list[list[float]]  # each fact read: its READER_FEATURES, in reading order
    right: list[bool]  # each fact read: its span answers the question
    answer: list[str]  # each fact read: its span
    question: str = ""  # as asked
    facts: list[str] = dataclasses.field(default_factory=list)  # each fact read: its text
    dense: list[float] = dataclasses.field(default_factory=list)  # each fact read: its cosine
    article: list[float] = dataclasses.field(default_factory=list)  # ... its article's share


def _asked(
    kb: Newsroom, source: str, fold: int, question: str, answers: Sequence[str]
) -> Asked | None:
    try:
        analysed = kb.engine.analyse(question)
        cands = kb.engine.candidates(question)
    except QuestionError:
        return None
    if not cands:
        return None
    return Asked(
        source,
        fold,
        bool(answers),
        bool(analysed.expected),
        [list(c.features()) for c in cands],
        [right_span(c.reading.text, answers) for c in cands],
        [c.reading.text for c in cands],
        question,
        [c.fact.text for c in cands],
        [c.dense for c in cands],
        [c.article for c in cands],
    )


def written_stores(
    nlp: Any, off_store: int = OFF_STORE, seed: int = 13, **options: Any
) -> Iterator[tuple[int, Newsroom, list[tuple[dict[str, Any], list[str]]]]]:
    """For each fold (``news_fold``): a store holding all the unseen written questions' articles
    of that fold (``options`` go to its ``Newsroom``), and what it is asked: the fold's questions
    with their answers, and ``off_store`` of the other fold's with none, as unanswerable: a user
    asks about news the bot has not loaded (their names are no article's, which the written
    unanswerable questions, about their own article, never are). The store is closed after."""
    questions = unseen_questions()
    rng = random.Random(seed)
    for fold in (0, 1):
        mine = [q for q in questions if news_fold(q["article"]) == fold]
        others = [q for q in questions if news_fold(q["article"]) != fold]
        with scratch_newsroom(nlp, prefix="confidence-", seed=True, **options) as kb:
            loaded = set(load_articles(kb, sorted({q["article"] for q in mine})).values())
            asked = [(q, q["answers"]) for q in mine if q["article"] in loaded]
            # (A copy of another article, which the store refused, is left out.)
            asked += [(q, []) for q in rng.sample(others, min(off_store, len(others)))]
            yield fold, kb, asked


def written(
    nlp: Any,
    off_store: int = OFF_STORE,
    seed: int = 13,
    config: QAConfig = DEFAULT,
    embedder: Embedder | bool | None = None,
) -> list[Asked]:
    """Every unseen written question, asked of its fold's store (``written_stores``);
    ``embedder`` as ``Newsroom`` takes it (None: the shipped one)."""
    out = []
    for fold, kb, asked in written_stores(nlp, off_store, seed, config=config, embedder=embedder):
        for q, answers in asked:
            a = _asked(kb, "written", fold, q["q"], answers)
            out += [a] if a else []
    return out


def alone(
    nlp: Any, off_store: int = ALONE_OFF_STORE, seed: int = 13, config: QAConfig = DEFAULT
) -> list[Asked]:
    """Every unseen written question asked of a store holding its article alone (no seed), and
    ``off_store`` of the other fold's questions asked of each (unanswerable there): the bot as
    one article makes it, a fresh install's. There every fact read is of the one article, so the
    reading order's belief in it (``article``) tells nothing, where in a store of many it tells
    whether the store holds anything about the question. They measure the one-article model;
    fitted on, they made it rank the seed's questions asked of the seed alone worse."""
    questions = unseen_questions()
    rng = random.Random(seed)
    by_article: dict[str, list[dict[str, Any]]] = {}
    of_fold: dict[int, list[dict[str, Any]]] = {0: [], 1: []}
    for q in questions:
        by_article.setdefault(q["article"], []).append(q)
        of_fold[news_fold(q["article"])].append(q)
    out = []
    for name in sorted(by_article):
        fold = news_fold(name)
        with scratch_newsroom(nlp, prefix="confidence-", config=config) as kb:
            if not load_articles(kb, [name]):
                continue
            asked = [(q, q["answers"]) for q in by_article[name]]
            asked += [(q, []) for q in rng.sample(of_fold[1 - fold], off_store)]
            for q, answers in asked:
                a = _asked(kb, "alone", fold, q["q"], answers)
                out += [a] if a else []
    return out


def squad(nlp: Any, sample: int, seed: int, fold_models: Path) -> list[Asked]:
    """About ``sample`` SQuAD DEV_ARTICLES questions (``fit_reader.squad_sample``), each article
    whole in a fresh store, read by the fold model trained without it (the shipped reader has
    seen them): the confidence on articles and questions of another kind than news. None
    without the fold models."""
    if (readers := fold_readers(fold_models)) is None:
        return []
    out = []
    for title, (text, mine) in squad_sample(sample, seed).items():
        with scratch_newsroom(nlp, prefix="confidence-", reader=readers[fold_of(title)]) as kb:
            try:
                kb.load_text(text, title=title.replace("_", " "), published=PUBLISHED)
            except KnowledgeError as e:
                print(f"{title}: {e}", file=sys.stderr)
                continue
            for question, answers in mine:
                a = _asked(kb, "squad", fold_of(title), question, answers)
                out += [a] if a else []
    return out


def development(
    nlp: Any, config: QAConfig = DEFAULT, embedder: Embedder | bool | None = None
) -> list[Asked]:
    """The development sets' questions (not the follow-ups, which need their turn), in one store
    with the seed and the articles they name, as ``fit_reader.working`` asks them; ``embedder``
    as ``Newsroom`` takes it (None: the shipped one)."""
    sets = {path.stem: read_items(path) for path in DEVELOPMENT}
    out = []
    with scratch_newsroom(
        nlp, prefix="confidence-", seed=True, config=config, embedder=embedder
    ) as kb:
        for name in sorted({i.article for items in sets.values() for i in items if i.article}):
            kb.load_text(decode((SHARED / "corpus" / name).read_bytes()), source=name)
        for source, items in sets.items():
            for i in items:
                if not i.context:
                    a = _asked(kb, source, 0, i.question, i.answers)
                    out += [a] if a else []
    return out


def development_alone(nlp: Any, config: QAConfig = DEFAULT) -> list[Asked]:
    """The development sets' questions about the seed (not the follow-ups) asked of a store
    holding the seed alone, a fresh install's: the threshold must hold there too, where every
    fact's article share is 1 (source: the set's name and ``SEED_ALONE``)."""
    out = []
    with scratch_newsroom(nlp, prefix="confidence-", seed=True, config=config) as kb:
        for path in DEVELOPMENT:
            for i in read_items(path):
                if not i.context and not i.article:
                    a = _asked(kb, path.stem + SEED_ALONE, 0, i.question, i.answers)
                    out += [a] if a else []
    return out


@dataclasses.dataclass(frozen=True, slots=True)
class Judged:
    """A question's confidence features, and what its answer was."""

    source: str
    features: tuple[float, ...]
    answerable: bool
    right: bool  # answerable, and the chosen fact's span right
    choice: float  # the choice's rating of the chosen fact (the confidence before)


def judged(asked: Sequence[Asked], choice: ReaderWeights) -> list[Judged]:
    out = []
    for a in asked:
        logits = [choice.logit(r) for r in a.rows]
        k = max(range(len(logits)), key=lambda i: (logits[i], -i))
        feats = question_features(
            a.typed,
            logits=logits,
            readings=a.rows,
            chosen=k,
            answer=a.answer[k],
            shares=a.article,
            cosines=a.dense,
        )
        right = a.answerable and a.right[k]
        out.append(Judged(a.source, feats, a.answerable, right, sigmoid(logits[k])))
    return out


def without_confidence(data: Sequence[Judged], dropped: Sequence[int]) -> list[Judged]:
    """``data`` with the confidence features at ``dropped`` (indices) held at 0."""
    return [
        dataclasses.replace(
            d, features=tuple(0.0 if i in dropped else v for i, v in enumerate(d.features))
        )
        for d in data
    ]


def without_features(asked: Sequence[Asked], names: frozenset[str]) -> list[Asked]:
    """The questions as the engine reads them when the choice weighs none of ``names``: those
    features 0 in every fact read (the rule engine's, where the rows were collected with it)."""
    drop = [READER_FEATURES.index(n) for n in names]
    return [
        dataclasses.replace(
            a, rows=[[0.0 if i in drop else v for i, v in enumerate(r)] for r in a.rows]
        )
        for a in asked
    ]


def read_first(asked: Asked, n: int) -> Asked:
    """The question as the engine would read it reading only the first ``n`` facts."""
    return dataclasses.replace(
        asked,
        rows=asked.rows[:n],
        right=asked.right[:n],
        answer=asked.answer[:n],
        facts=asked.facts[:n],
        dense=asked.dense[:n],
        article=asked.article[:n],
    )


def choice_of(asked: Sequence[Asked], without: frozenset[str]) -> ReaderWeights:
    """The choice fitted on the written questions among ``asked`` (``fit_reader.fit``), without
    the features in ``without``. Its threshold, the highest that declines at most 10 % of their
    answerable ones by its own rating, counts only where the confidence has no weights."""
    qs = written_choices(asked)
    fitted = weights_of(fit_choice(qs, without), 0.5)
    t = threshold_of([choose(q, fitted)[0] for q in qs if q.answerable])
    return dataclasses.replace(fitted, threshold=t)


def fit(data: Sequence[Judged], mix: float = 0.5) -> ConfidenceWeights:
    """``mix`` of the "answerable" model's log-odds plus the rest of the "right" model's, with
    the threshold that declines at most 10 % of the answerable news questions of each source.
    Each source weighs the same in the fit, however many questions it has."""
    xs = np.array([[1.0, *d.features] for d in data])
    counts = {s: sum(d.source == s for d in data) for s in {d.source for d in data}}
    sw = np.array([len(data) / len(counts) / counts[d.source] for d in data])
    w = mix * logistic(xs, np.array([d.answerable for d in data], dtype=float), sw)
    w += (1 - mix) * logistic(xs, np.array([d.right for d in data], dtype=float), sw)
    fitted = ConfidenceWeights(float(w[0]), tuple(round(float(v), 4) for v in w[1:]))
    news = [d for d in data if d.source != "squad"]
    return dataclasses.replace(fitted, threshold=threshold(news, _rate(fitted)))


def threshold(data: Sequence[Judged], rate: Callable[[Judged], float]) -> float:
    """The highest threshold that declines at most 10 % of the answerable questions of every
    source in ``data``: the written questions, and each development set where they are given
    (a set the fit did not see may rate its answers lower, as the development sets do)."""
    return min(
        threshold_of([rate(d) for d in data if d.answerable and d.source == source])
        for source in {d.source for d in data}
    )


def sure_level(data: Sequence[Judged], weights: ConfidenceWeights) -> float:
    """The confidence at which the answers given (at or above the threshold) turn from more
    often wrong to more often right: where a logistic fit of "right" on the confidence's
    log-odds crosses one half. Below it the engine says it is not sure (``ConfidenceWeights.
    sure``)."""
    rated = [(rate(weights, d.features), d.right) for d in data]
    given = [(c, r) for c, r in rated if c >= weights.threshold]
    c = np.clip(np.array([c for c, _ in given]), 1e-6, 1 - 1e-6)
    xs = np.column_stack([np.ones_like(c), np.log(c / (1 - c))])
    w = logistic(xs, np.array([float(r) for _, r in given]), np.ones_like(c), 1e-6)
    return round(float(sigmoid(-w[0] / w[1])), 2)


def sure_table(data: Sequence[Judged], weights: ConfidenceWeights) -> list[list[str]]:
    """Of each source's answers given, the share said as unsure and how often those and the
    others are right."""
    rows = []
    for source in sorted({d.source for d in data}, reverse=True):
        rated = [(rate(weights, d.features), d) for d in data if d.source == source]
        given = [(c, d) for c, d in rated if c >= weights.threshold]
        unsure = [d for c, d in given if c < weights.sure]
        sure = [d for c, d in given if c >= weights.sure]
        rows.append(
            [
                source,
                str(len(given)),
                f"{len(unsure) / max(1, len(given)):.2f}",
                f"{sum(d.right for d in unsure) / max(1, len(unsure)):.2f}",
                f"{sum(d.right for d in sure) / max(1, len(sure)):.2f}",
            ]
        )
    return rows


def _rate(weights: ConfidenceWeights) -> Callable[[Judged], float]:
    return lambda d: rate(weights, d.features)  # as the engine rates its answer


def tally(test: Sequence[Judged], rate: Callable[[Judged], float], t: float) -> dict[str, float]:
    ans = [d for d in test if d.answerable]
    una = [d for d in test if not d.answerable]
    return {
        "answered right": sum(rate(d) >= t and d.right for d in ans) / len(ans),
        "declined": sum(rate(d) < t for d in una) / len(una),
        "false declines": sum(rate(d) < t for d in ans) / len(ans),
        "AUC": auc([(rate(d), d.answerable) for d in test]),
    }


def cross_validate(
    data: Sequence[Judged], folds: Sequence[int], label: str = ""
) -> list[list[str]]:
    """Each way of rating, fitted and thresholded on one fold of articles (its ``FITTED``
    sources), scored on the other (each source); the two folds' means. ``label`` follows each
    source's name."""
    ways: dict[str, Callable[[Sequence[Judged]], tuple[Callable[[Judged], float], float]]] = {
        "the choice's rating (before)": lambda train: (
            lambda d: d.choice,
            threshold_of([d.choice for d in train if d.answerable and d.source != "squad"]),
        ),
        "answerable model": lambda train: _fitted(fit(train, mix=1.0)),
        "right model": lambda train: _fitted(fit(train, mix=0.0)),
        "their average (shipped)": lambda train: _fitted(fit(train)),
    }
    rows = []
    for source in sorted({d.source for d in data}, reverse=True):  # written first
        for name, way in ways.items():
            sums: dict[str, float] = {}
            for k in (0, 1):
                train = [
                    d for d, f in zip(data, folds, strict=True) if f != k and d.source in FITTED
                ]
                test = [
                    d for d, f in zip(data, folds, strict=True) if f == k and d.source == source
                ]
                rate, t = way(train)
                for key, v in tally(test, rate, t).items():
                    sums[key] = sums.get(key, 0.0) + v / 2
            rows.append([source + label, name] + [f"{v:.3f}" for v in sums.values()])
    return rows


Way = tuple[str, frozenset[str] | None]  # a label, and the choice's features left out


def refit_table(
    asked: Sequence[Asked], dev: Sequence[Asked], ways: Sequence[Way]
) -> list[list[str]]:
    """What a feature of the choice is worth: the choice and the confidence both fitted on one
    fold of the written questions and scored on the other (chosen right, then as ``tally``,
    then the share of unanswerable questions declined at <= 10 % false declines), for each way:
    the choice fitted without the named features (``choice_of``), or, for ``None``, the shipped
    choice held and only the confidence fitted; and the development sets, with both fitted on
    every written question."""
    rows = []
    for name, without in ways:
        drop = without or frozenset()
        written = without_features([a for a in asked if a.source == "written"], drop)
        sums: dict[str, float] = {}
        for k in (0, 1):
            train = [a for a in written if a.fold != k]
            test = [a for a in written if a.fold == k]
            choice = DEFAULT.reader if without is None else choice_of(train, without)
            weights = fit(judged(train, choice))
            for key, v in _scores(judged(test, choice), weights).items():
                sums[key] = sums.get(key, 0.0) + v / 2
        rows.append(["written", name, *(f"{v:.3f}" for v in sums.values())])
        choice = DEFAULT.reader if without is None else choice_of(written, without)
        weights = fit(judged(written, choice))
        for source in sorted({a.source for a in dev}):
            test = judged(without_features([a for a in dev if a.source == source], drop), choice)
            rows.append([source, name, *(f"{v:.3f}" for v in _scores(test, weights).values())])
    return rows


def _scores(test: Sequence[Judged], weights: ConfidenceWeights) -> dict[str, float]:
    ans = [d for d in test if d.answerable]
    rated = [(rate(weights, d.features), d.answerable) for d in test]
    return {
        "chosen right": sum(d.right for d in ans) / len(ans),
        **tally(test, _rate(weights), weights.threshold),
        "declined at <= 10 % false": declined_at(rated),
    }


def choice_table(qs: Sequence[Question]) -> list[list[str]]:
    """The choice (``ReaderWeights``) on the written questions: the shipped one against one
    refitted on them, cross-validated as ``fit_reader.py --cv`` does (its rating as the
    confidence, thresholded on the other fold), with all its features and without each of
    ``LATER`` (``choice_of``). These questions (``written_choices``) were read by the shipped
    reader, which never saw them, so they show whether the choice has more to learn."""
    rows = [("shipped", choice_cv(qs, fixed_choice(DEFAULT.reader)))]
    rows.append(("refitted on these questions", choice_cv(qs, logistic_choice(frozenset()))))
    rows += [
        (f"refitted without `{name}`", choice_cv(qs, logistic_choice(frozenset({name}))))
        for name in LATER
    ]
    return [[name, *(f"{v:.3f}" for v in r.values())] for name, r in rows]


def written_choices(asked: Sequence[Asked]) -> list[Question]:
    """The written questions as ``fit_reader``'s rows; the fold stands in for the article
    (fit_reader's folds go by sorted article names)."""
    return [
        Question("written", a.answerable, list(zip(a.rows, a.right, strict=True)), f"f{a.fold}")
        for a in asked
        if a.source == "written"
    ]


def pasted_choice(weights: ReaderWeights) -> str:
    """``ReaderWeights``' fitted fields as they stand in ``knowledge/qa/config.py``."""
    names = ("bias", *READER_FEATURES, "threshold")
    return "\n".join(f"    {n}: float = {round(getattr(weights, n), 4)}" for n in names)


def _fitted(weights: ConfidenceWeights) -> tuple[Callable[[Judged], float], float]:
    return _rate(weights), weights.threshold


def pasted(weights: ConfidenceWeights, name: str) -> str:
    """``weights`` as ``name`` stands in ``knowledge/qa/config.py``."""
    lines = [f"{name} = ConfidenceWeights(", f"    bias={weights.bias:.4f},", "    weights=("]
    lines += [
        f"        {w:.4f},  # {feature}"
        for feature, w in zip(CONFIDENCE_FEATURES, weights.weights, strict=True)
    ]
    tail = ["    ),", f"    threshold={weights.threshold},", f"    sure={weights.sure},", ")"]
    return "\n".join([*lines, *tail])


def fitted_model(data: Sequence[Judged], dev: Sequence[Judged]) -> ConfidenceWeights:
    """``fit`` on ``data`` (the fitted sources), its threshold holding on ``dev`` too, and its
    ``sure`` level."""
    weights = fit(data)
    news = [d for d in data if d.source != "squad"]
    weights = dataclasses.replace(weights, threshold=threshold([*news, *dev], _rate(weights)))
    return dataclasses.replace(weights, sure=sure_level(news, weights))


def development_table(
    dev: Sequence[Judged], before: ReaderWeights, after: ConfidenceWeights
) -> list[list[str]]:
    """Each development set at the shipped threshold, with the choice's rating and with the
    confidence model; and how many unanswerable questions each declines at <= 10 % false
    declines (``declined_at``), whatever the threshold."""
    rows = []
    for source in sorted({d.source for d in dev}):
        mine = [d for d in dev if d.source == source]
        for name, rating, t in (
            ("the choice's rating (before)", lambda d: d.choice, before.threshold),
            ("the confidence model", _rate(after), after.threshold),
        ):
            r = tally(mine, rating, t)
            at = declined_at([(rating(d), d.answerable) for d in mine])
            rows.append([source, name, *(f"{v:.3f}" for v in r.values()), f"{at:.3f}"])
    return rows


def curve(data: Sequence[Judged], weights: ConfidenceWeights) -> list[list[str]]:
    """Declined (unanswerable) / false declines (answerable) of each source at thresholds."""
    rate = _rate(weights)
    sources = sorted({d.source for d in data})
    rows = []
    for t in (0.05, 0.10, 0.15, 0.20, 0.25, 0.30, 0.40, 0.50):
        cells = []
        for source in sources:
            r = tally([d for d in data if d.source == source], rate, t)
            cells.append(f"{r['declined']:.2f} / {r['false declines']:.2f}")
        rows.append([f"{t:.2f}", *cells])
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--cached", action="store_true", help=f"re-fit the rows of the last run ({CACHE})"
    )
    ap.add_argument(
        "--consult-rules",
        action="store_true",
        help="collect the rows with the rule engine's opinion even where the shipped choice "
        "weighs none of it, for the 'rules' table (the shipped choice weighs it now)",
    )
    ap.add_argument(
        "--squad-questions",
        type=int,
        default=0,
        help="SQuAD DEV_ARTICLES questions in the fit as well, each source weighing the same "
        "(needs the fold models; measured: 3,000 made the development sets worse, bench/README)",
    )
    ap.add_argument(
        "--passages",
        type=int,
        default=0,
        help="as if the engine read only the first N facts of each question (its rows are in "
        "reading order; 0: all it read)",
    )
    ap.add_argument(
        "--drop",
        default="",
        help="confidence features (comma-separated, of CONFIDENCE_FEATURES) held at 0: to "
        "measure what one is worth, fitted and cross-validated without it",
    )
    ap.add_argument(
        "--no-alone",
        action="store_true",
        help="without the one-article stores' questions (``alone``, measured, not fitted on)",
    )
    ap.add_argument("--fold-models", type=Path, default=Path("/tmp"))
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--out", type=Path, default=RESULTS / "confidence-fit.md")
    args = ap.parse_args(argv)
    if shared_missing():
        return 0
    start = time.perf_counter()
    if args.cached:
        asked = [Asked(**d) for d in json.loads(CACHE.read_text("utf-8"))]
        # A cache from before these sources were collected: collect what it lacks, once.
        lacks_seed_alone = not any(a.source.endswith(SEED_ALONE) for a in asked)
        lacks_alone = not args.no_alone and not any(a.source == "alone" for a in asked)
        if lacks_seed_alone or lacks_alone:
            nlp = load_pipeline(DEFAULT_MODEL)
            asked += development_alone(nlp) if lacks_seed_alone else []
            asked += alone(nlp) if lacks_alone else []
            CACHE.write_text(json.dumps([dataclasses.asdict(a) for a in asked]), "utf-8")
    else:
        config = DEFAULT
        if args.consult_rules and not DEFAULT.reader.consults_rules:
            config = dataclasses.replace(
                DEFAULT, reader=dataclasses.replace(DEFAULT.reader, rules=1.0, agree=1.0)
            )
        nlp = load_pipeline(DEFAULT_MODEL)
        asked = written(nlp, config=config) + development(nlp, config=config)
        asked += development_alone(nlp, config=config)
        asked += alone(nlp, config=config)
        if args.squad_questions:
            asked += squad(nlp, args.squad_questions, args.seed, args.fold_models)
        CACHE.write_text(json.dumps([dataclasses.asdict(a) for a in asked]), "utf-8")
    if not args.squad_questions:
        asked = [a for a in asked if a.source != "squad"]
    if args.no_alone:
        asked = [a for a in asked if a.source != "alone"]
    if args.passages:
        asked = [read_first(a, args.passages) for a in asked]
    consulted = any(r[READER_FEATURES.index("rules")] for a in asked for r in a.rows)
    development_asked = [a for a in asked if a.source not in FITTED and a.source != "alone"]
    ways: list[Way] = [
        ("the shipped choice held", None),
        ("refitted, all its features", frozenset()),
        *((f"refitted without `{n}`", frozenset({n})) for n in LATER),
        *([("refitted without the rules' opinion", RULES)] if consulted else []),
    ]
    many_dev = [a for a in development_asked if not a.source.endswith(SEED_ALONE)]
    refits = refit_table(asked, many_dev, ways)
    # Two models: one for a store of many articles; one for a store of one, fitted on the same
    # questions with the article's share held at 0 (it is 1 for every fact there).
    # The one-article stores' questions (``alone``) are measured, not fitted on: fitted on, they
    # made the seed's development questions asked of the seed alone rank worse (bench/README.md).
    # SQuAD's questions (``--squad-questions``) are asked of stores of one article each, where
    # the article's share is 1 whatever is asked: they are fitted on by the one-article model
    # only.
    mine = [a for a in asked if a.source in FITTED]
    many = [a for a in mine if a.source != "squad"]
    measured = [a for a in asked if a.source == "alone"]
    dropped = [CONFIDENCE_FEATURES.index(n) for n in args.drop.split(",") if n]
    data = without_confidence(judged(many, DEFAULT.reader), dropped)
    one_data = without_confidence(judged([*mine, *measured], DEFAULT.reader), [*dropped, ARTICLE])
    dev_all = without_confidence(judged(development_asked, DEFAULT.reader), dropped)
    dev = [d for d in dev_all if not d.source.endswith(SEED_ALONE)]
    # Rated by the one-article model: the seed's questions asked of the seed alone, and (too few
    # alone to set a threshold by) the development sets asked of their store of many.
    one_dev = [
        d if d.source.endswith(SEED_ALONE) else dataclasses.replace(d, source=d.source + ONE_MODEL)
        for d in without_confidence(dev_all, [ARTICLE])
    ]
    cv = cross_validate(data, [a.fold for a in many])
    cv += cross_validate(one_data, [a.fold for a in [*mine, *measured]], ONE_MODEL)
    weights = fitted_model(data, dev)
    one = fitted_model([d for d in one_data if d.source in FITTED], one_dev)
    one_news = [d for d in one_data if d.source != "squad"]  # the written questions and alone
    head = ["confidence", "answered right", "declined", "false declines", "AUC"]
    dev_head = ["set", *head, "declined at <= 10 % false"]
    print(table(["questions", *head], cv))
    dev_rows = development_table(dev, DEFAULT.reader, weights)
    dev_rows += development_table(one_dev, DEFAULT.reader, one)
    print(table(dev_head, dev_rows))
    refits_head = ["questions", "choice", "chosen right", *head[1:], "declined at <= 10 % false"]
    print(table(refits_head, refits))
    print(pasted(weights, "MANY_ARTICLES"))
    print(pasted(one, "ONE_ARTICLE"))
    choices = written_choices(asked)
    refitted = choice_of(asked, frozenset())
    print("The choice refitted on every written question (ReaderWeights):")
    print(pasted_choice(refitted))
    n_una = sum(not d.answerable for d in data)
    lines = [
        "# How sure the reader's answer is (bench/fit_confidence.py)",
        "",
        f"Commit {git_revision()}; {len(data)} written news questions ({n_una} unanswerable, "
        f"{OFF_STORE} of them per store the other store's questions), each store holding the "
        "articles of one fold, none of them seen by the reader, the embeddings, the reading "
        "order or the choice; "
        f"{time.perf_counter() - start:.0f} s.",
        "",
        "Cross-validated by article (two folds; fitted and thresholded on one, scored on the "
        "other; the threshold declines at most 10 % of the fitting fold's answerable questions). "
        "The model for a store of many articles, and the one for a store of one article "
        "(`QAConfig.confidence_alone`: fitted on the same written questions with the article's "
        "share held at 0), also scored on the written questions asked each of a store holding "
        "its article alone (`alone`, measured, not fitted on):",
        "",
        table(["questions", *head], cv),
        "",
        "Fitted on all of them; the threshold is the highest that declines at most 10 % of the "
        "answerable questions of the written ones and of each development set (their "
        "questions that are not follow-ups, in a store with the seed and their articles; for "
        "the one-article model, the seed's asked of the seed alone as well):",
        "",
        table(dev_head, dev_rows),
        "",
        "What each feature of the choice is worth: the choice (`choice_of`) and the confidence "
        "both fitted on one fold of the written questions and scored on the other, the choice "
        "refitted with all its features and without some, or the shipped choice held; the "
        "development sets with both fitted on every written question:",
        "",
        table(refits_head, refits),
        "",
        "The threshold's curve, declined / false declines (the written questions fitted on), "
        "the many-article model's, then the one-article model's:",
        "",
        table(
            ["threshold", *sorted({d.source for d in [*data, *dev]})],
            curve([*data, *dev], weights),
        ),
        "",
        table(
            ["threshold", *sorted({d.source for d in [*one_news, *one_dev]})],
            curve([*one_news, *one_dev], one),
        ),
        "",
        "The choice among the facts read (`ReaderWeights`), cross-validated the same way, its "
        "own rating as the confidence:",
        "",
        table(
            ["choice", "chosen right", "answered right", "declined", "false declines", "AUC"],
            choice_table(choices),
        ),
        "",
        "The choice refitted on all of them (not shipped: `ReaderWeights` is `fit_reader.py`'s):",
        "",
        "```",
        pasted_choice(refitted),
        "```",
        "",
        f"Answers said as unsure: below {weights.sure}, where the written questions' answers "
        "turn from more often wrong to more often right (`sure_level`; the share of answers "
        "given that are said as unsure, and how often those and the others are right):",
        "",
        table(
            ["questions", "answers given", "unsure", "unsure right", "sure right"],
            sure_table([*data, *dev], weights),
        ),
        "",
        f"The one-article model's, below {one.sure}:",
        "",
        table(
            ["questions", "answers given", "unsure", "unsure right", "sure right"],
            sure_table([*one_news, *one_dev], one),
        ),
        "",
        f"Many articles: bias {weights.bias:.4f}, threshold {weights.threshold}, sure "
        f"{weights.sure}; one article: bias {one.bias:.4f}, threshold {one.threshold}, sure "
        f"{one.sure}:",
        "",
        table(
            ["feature", "many articles", "one article"],
            [
                [n, f"{w:+.4f}", f"{v:+.4f}"]
                for n, w, v in zip(CONFIDENCE_FEATURES, weights.weights, one.weights, strict=True)
            ],
        ),
    ]
    write_report("\n".join(lines), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
