"""How sure the engine is of the reader's answer: a logistic model over what the reader made of
every fact it read for the question, not only of the one it chose.

The choice (``ReaderWeights``) rates each fact alone, and its rating of the chosen fact was the
confidence. But whether a question is answered at all shows in the others too: one fact the
reader finds an answer in, against five it half does; the second-best margin; how far the chosen
fact leads; whether the question asks for a type (an age, a price, a date: what news articles
most often leave open); how much of the reading order's belief the chosen fact's article holds
(a question about nothing stored spreads it over many). ``ConfidenceWeights`` weighs these;
``bench/fit_confidence.py`` fits it on written news questions that neither the reader nor the
choice was fitted on, and measures it."""

from __future__ import annotations

import math
from collections.abc import Sequence

from knowledge.qa.config import ConfidenceWeights


def question_features(
    typed: bool,
    *,
    logits: Sequence[float],
    readings: Sequence[Sequence[float]],
    chosen: int,
    answer: str,
    shares: Sequence[float],
    cosines: Sequence[float] = (),
) -> tuple[float, ...]:
    """In ``CONFIDENCE_FEATURES`` order: the chosen fact's ``READER_FEATURES`` (``readings``:
    each fact's, margin first); the best and second-best margins of all the facts, how many have
    a positive one and their mean; how far the chosen fact's log-odds (``logits``: the
    choice's, one per fact read) lead the runner-up's; the answer's length in words (log);
    whether the question asks for a type (``typed``); the chosen fact's cosine with the
    question and the best of the facts read (``cosines``, one per fact; none: 0); and how much of
    the reading order's belief the chosen fact's article holds (``shares``, one per fact:
    ``rank.article_shares``)."""
    margins = sorted((_clip(r[0]) for r in readings), reverse=True)
    ranked = sorted(logits, reverse=True)
    lead = ranked[0] - ranked[1] if len(ranked) > 1 else 10.0
    return (
        *(_clip(x) for x in readings[chosen]),
        margins[0],
        margins[1] if len(margins) > 1 else -30.0,
        _clip(lead),
        float(sum(m > 0 for m in margins)),
        sum(margins) / len(margins),
        math.log1p(len(answer.split())),
        float(typed),
        cosines[chosen] if cosines else 0.0,
        max(cosines, default=0.0),
        shares[chosen],
    )


def rate(weights: ConfidenceWeights, feats: Sequence[float]) -> float:
    """The confidence in an answer, from 0 to 1: ``weights``' log-odds as a probability."""
    return sigmoid(weights.logit(feats))


def sigmoid(z: float) -> float:
    """Log-odds as a probability (clipped: a margin of -inf makes an infinite log-odds)."""
    return 1.0 / (1.0 + math.exp(-_clip(z)))


def _clip(x: float) -> float:
    # A reading without a span has a margin of -inf.
    return max(-30.0, min(30.0, x))
