"""How sure the reader's answer is: the confidence model's features, and the engine declining by
it (or, without its weights, by the choice's rating as before)."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import pytest
from spacy.language import Language

from knowledge import UNSURE, Newsroom
from knowledge.qa.confidence import question_features, rate
from knowledge.qa.config import (
    CONFIDENCE_FEATURES,
    DEFAULT,
    READER_FEATURES,
    ConfidenceWeights,
    QAConfig,
)
from tests.conftest import make_newsroom, with_config


def _reading(margin: float) -> list[float]:
    return [margin, 5.0, 1.0, 0.0, 0.5, 0.0, 0.0, 0.4, 0.0, 1.0, 0.0, 0.0]


def test_features_weigh_every_fact_read_not_only_the_chosen_one() -> None:
    readings = [_reading(2.0), _reading(-math.inf), _reading(0.5)]
    feats = question_features(
        True,
        logits=[1.5, -40.0, 0.25],
        readings=readings,
        chosen=0,
        answer="a b c",
        shares=[0.9, 0.05, 0.9],
    )
    assert len(feats) == len(CONFIDENCE_FEATURES)
    named = dict(zip(CONFIDENCE_FEATURES, feats, strict=True))
    assert "choice" not in named  # a sum of the chosen fact's features: a flat direction
    assert [named[f] for f in READER_FEATURES] == readings[0]
    assert named["best_margin"] == 2.0
    assert named["second_margin"] == 0.5
    assert named["lead"] == 1.25
    assert named["answering"] == 2.0
    assert named["mean_margin"] == pytest.approx((2.0 + 0.5 - 30.0) / 3)  # -inf clipped
    assert named["words"] == pytest.approx(math.log(4))
    assert named["typed_question"] == 1.0
    assert named["article"] == 0.9  # the chosen fact's article's share of the order's belief


def test_features_say_how_close_in_meaning_the_chosen_fact_and_the_best_are() -> None:
    readings = [_reading(2.0), _reading(0.5)]
    feats = question_features(
        False,
        logits=[0.0, 1.0],
        readings=readings,
        chosen=1,
        answer="x",
        shares=[1.0, 1.0],
        cosines=[0.7, 0.4],
    )
    named = dict(zip(CONFIDENCE_FEATURES, feats, strict=True))
    assert named["dense"] == 0.4  # the chosen fact's
    assert named["best_dense"] == 0.7  # of all read
    none = question_features(
        False, logits=[0.0], readings=[_reading(1.0)], chosen=0, answer="", shares=[1.0]
    )
    assert dict(zip(CONFIDENCE_FEATURES, none, strict=True))["best_dense"] == 0.0  # no encoder


def test_one_fact_read_has_no_runner_up() -> None:
    feats = question_features(
        False, logits=[0.0], readings=[_reading(1.0)], chosen=0, answer="", shares=[1.0]
    )
    named = dict(zip(CONFIDENCE_FEATURES, feats, strict=True))
    assert named["second_margin"] == -30.0
    assert named["lead"] == 10.0
    assert named["words"] == 0.0
    assert named["typed_question"] == 0.0


def test_rate_is_the_weights_log_odds_as_a_probability() -> None:
    n = len(CONFIDENCE_FEATURES)
    feats = [1.0] * n
    assert rate(ConfidenceWeights(0.0, (0.0,) * n), feats) == 0.5
    assert rate(ConfidenceWeights(-1.0, (0.5,) + (0.0,) * (n - 1)), feats) == pytest.approx(
        1 / (1 + math.exp(0.5))
    )
    assert rate(ConfidenceWeights(1e6, (0.0,) * n), feats) == pytest.approx(1.0)


def test_the_reader_threshold_is_the_confidence_models_where_it_has_weights() -> None:
    assert DEFAULT.reader_threshold(2) == DEFAULT.confidence.threshold
    assert DEFAULT.reader_threshold(1) == DEFAULT.confidence_alone.threshold
    without = dataclasses.replace(DEFAULT, confidence=ConfidenceWeights(weights=()))
    assert without.reader_threshold(2) == DEFAULT.reader.threshold
    assert without.reader_threshold(1) == DEFAULT.confidence_alone.threshold


@pytest.mark.parametrize("articles", [1, 2])
def test_the_shipped_weights_cover_every_feature(articles: int) -> None:
    sure = DEFAULT.confidence_in(articles)
    assert len(sure.weights) == len(CONFIDENCE_FEATURES)
    assert all(math.isfinite(w) for w in sure.weights)
    assert 0.0 < sure.threshold < sure.sure < 1.0


def test_a_store_of_one_article_does_not_weigh_its_articles_share() -> None:
    # Every fact's share is 1 there, whatever is asked.
    article = CONFIDENCE_FEATURES.index("article")
    assert DEFAULT.confidence_alone.weights[article] == 0.0
    assert DEFAULT.confidence.weights[article] > 0.0


def _alone(**changes: Any) -> QAConfig:
    """The shipped knobs with the one-article store's confidence model changed."""
    return dataclasses.replace(
        DEFAULT, confidence_alone=dataclasses.replace(DEFAULT.confidence_alone, **changes)
    )


def _many(**changes: Any) -> QAConfig:
    """The shipped knobs with the many-article store's confidence model changed."""
    return dataclasses.replace(
        DEFAULT, confidence=dataclasses.replace(DEFAULT.confidence, **changes)
    )


def test_a_store_is_rated_by_the_model_for_as_many_articles_as_it_holds(
    nlp: Language, tmp_path: Path
) -> None:
    kb = make_newsroom(nlp, tmp_path / "t.db")  # the seed article alone
    question = "when will the next round of talks begin?"
    alone = kb.answer(question)
    assert alone.answered
    assert with_config(kb, _many(threshold=0.999)).answer(question).answered
    assert not with_config(kb, _alone(threshold=0.999)).answer(question).answered
    kb.load_text((Path(__file__).parent / "data" / "harbour_council.txt").read_text())
    many = kb.answer(question)
    assert many.answered
    assert many.confidence != alone.confidence  # another model
    assert with_config(kb, _alone(threshold=0.999)).answer(question).answered
    assert not with_config(kb, _many(threshold=0.999)).answer(question).answered


def test_the_engine_declines_below_the_confidence_threshold(nlp: Language, tmp_path: Path) -> None:
    kb = make_newsroom(nlp, tmp_path / "t.db")  # the seed article
    question = "when will the next round of talks begin?"
    answered = kb.answer(question)
    assert answered.answered
    assert answered.confidence >= DEFAULT.confidence_alone.threshold
    # The same answer with a threshold above its confidence is declined, and says so.
    declined = with_config(kb, _alone(threshold=answered.confidence + 0.01)).answer(question)
    assert not declined.answered
    assert declined.confidence == answered.confidence
    assert declined.short is None


def test_without_weights_the_choices_rating_is_the_confidence(
    nlp: Language, tmp_path: Path
) -> None:
    kb = make_newsroom(nlp, tmp_path / "t.db")
    before = with_config(kb, dataclasses.replace(DEFAULT, confidence_alone=ConfidenceWeights()))
    question = "where are the talks held?"
    cands = before.engine.candidates(question)
    rating = max(1 / (1 + math.exp(-DEFAULT.reader.logit(c.features()))) for c in cands)
    answer = before.answer(question)
    assert answer.confidence == pytest.approx(rating, abs=5e-4)  # rounded to 3 places
    assert answer.answered == (rating >= DEFAULT.reader.threshold)


def _sure_at(kb: Newsroom, level: float) -> Newsroom:
    return with_config(kb, _alone(sure=level))  # the seed store: one article


def test_an_answer_below_the_sure_level_is_said_as_unsure(nlp: Language, tmp_path: Path) -> None:
    kb = make_newsroom(nlp, tmp_path / "t.db")
    question = "when will the next round of talks begin?"
    plain = kb.answer(question)
    assert plain.answered
    # The same answer, the level just above or below its confidence (rounded to 3 places):
    # said as unsure, or not.
    above = _sure_at(kb, plain.confidence + 0.01).answer(question)
    assert above.answered
    assert above.tentative
    assert above.reply.startswith(UNSURE + "\n")
    assert above.reply.removeprefix(UNSURE + "\n") == _sure_at(kb, 0.0).answer(question).reply
    at = _sure_at(kb, plain.confidence - 0.001).answer(question)
    assert at.answered
    assert not at.tentative
    assert not at.reply.startswith(UNSURE)
    assert (above.short, above.confidence) == (at.short, at.confidence)


def test_declines_and_the_rules_alone_are_never_unsure(nlp: Language, tmp_path: Path) -> None:
    kb = make_newsroom(nlp, tmp_path / "t.db")
    declined = _sure_at(kb, 1.0).answer("who won the world cup?")
    assert not declined.answered
    assert not declined.tentative
    rules = with_config(make_newsroom(nlp, tmp_path / "r.db", reader=False), _alone(sure=1.0))
    answer = rules.answer("where are the talks held?")
    assert answer.answered
    assert not answer.tentative
