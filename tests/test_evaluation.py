"""The scores the question sets are judged by: the confidence's AUC and declining at a bounded
false-decline rate, checked against their definitions."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from knowledge.qa.evaluation import auc, declined_at

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
