"""The scores the question sets are judged by: the confidence's AUC and declining at a bounded
false-decline rate, checked against their definitions."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from knowledge.models import Answer
from knowledge.qa.evaluation import Item, Outcome, Report, auc, declined_at, score, table

pairs = st.lists(st.tuples(st.sampled_from([0.0, 0.2, 0.4, 0.5, 0.9, 1.0]), st.booleans()))


@given(pairs)
def test_auc_is_the_share_of_right_wrong_pairs_ranked_right(
    scored: list[tuple[float, bool]],
) -> None:
    rights = [c for c, right in scored if right]
    wrongs = [c for c, right in scored if not right]
    if not rights or not wrongs:
        assert auc(scored) == 0.5
        return
    won = sum((r > w) + 0.5 * (r == w) for r in rights for w in wrongs)
    assert abs(auc(scored) - won / (len(rights) * len(wrongs))) < 1e-9


def test_auc_of_a_perfect_and_a_reversed_confidence() -> None:
    assert auc([(0.9, True), (0.8, True), (0.1, False)]) == 1.0
    assert auc([(0.1, True), (0.9, False)]) == 0.0


@given(pairs)
def test_declined_at_is_the_best_threshold_within_the_false_decline_bound(
    scored: list[tuple[float, bool]],
) -> None:
    una = [c for c, answerable in scored if not answerable]
    ans = [c for c, answerable in scored if answerable]
    best = 0.0
    for t in [c for c, _ in scored] + [2.0]:  # decline below t
        false = sum(c < t for c in ans) / max(1, len(ans))
        if una and false <= 0.10:
            best = max(best, sum(c < t for c in una) / len(una))
    assert declined_at(scored) == best


def test_declined_at_a_clean_split() -> None:
    # unanswerable ones all below 0.3, answerable ones above: all declined, none falsely
    assert declined_at([(0.1, False), (0.2, False), (0.5, True), (0.9, True)]) == 1.0
    # the same confidence for both: declining any unanswerable one declines the answerable too
    assert declined_at([(0.5, False), (0.5, True)]) == 0.0


def _outcome(answerable: bool, answered: bool, tentative: bool, right: bool) -> Outcome:
    item = Item(
        id="q", question="q?", answers=("a",) if answerable else (), support=("s",), context=None
    )
    answer = Answer(
        question="q?",
        answered=answered,
        short="a" if answered else None,
        facts=(),
        confidence=0.5,
        reply="",
        tentative=tentative,
    )
    return Outcome(item, answer, right, float(right), float(right), right)


def test_unsure_answers_are_counted_apart_from_the_plain_ones() -> None:
    report = Report(
        [
            _outcome(True, True, False, True),  # plain, right
            _outcome(True, True, False, False),  # plain, wrong
            _outcome(False, True, False, False),  # plain, an unanswerable one answered
            _outcome(True, True, True, False),  # unsure
            _outcome(True, False, False, False),  # declined: neither
            _outcome(False, False, False, False),
        ]
    )
    m = report.metrics()
    assert m["unsure"] == 1 / 4
    assert m["sure_right"] == 1 / 3
    assert "| unsure | sure right |" in table({"set": report})


def test_a_decline_that_offers_the_supporting_fact_is_counted() -> None:
    item = Item(id="q", question="q?", answers=("May",), support=("ended in May",))

    def declined(*suggestions: str) -> Answer:
        return Answer(
            question="q?",
            answered=False,
            short=None,
            facts=(),
            confidence=0.1,
            reply="",
            suggestions=suggestions,
        )

    offered = score(item, declined("The talks began in March.", "The talks ended in May."))
    missed = score(item, declined("The talks began in March."))
    assert offered.offered
    assert not missed.offered
    assert offered.row("set")["offered"] is True
    m = Report([offered, missed]).metrics()
    assert m["offered"] == 0.5
    assert "| declined, right fact offered |" in table({"set": Report([offered, missed])})
    answered = Answer(
        question="q?",
        answered=True,
        short="May",
        facts=(),
        confidence=0.9,
        reply="May",
    )
    none_declined = Report([score(item, answered)])
    assert math.isnan(none_declined.metrics()["offered"])
    assert table({"set": none_declined}).endswith("| — |"), "nothing to count, not 0.000"
    assert "declined, a right fact offered  —" in none_declined.summary()
