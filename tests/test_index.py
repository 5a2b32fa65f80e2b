"""The index's compact postings behave as the sets they replace."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from knowledge.index import Postings

_OPS = st.lists(st.tuples(st.booleans(), st.integers(min_value=0, max_value=60)), max_size=80)


@given(_OPS)
def test_postings_match_a_set_under_adds_and_discards(ops: list[tuple[bool, int]]) -> None:
    postings, reference = Postings(), set()
    for add, fact_id in ops:
        if add:
            postings.add(fact_id)
            reference.add(fact_id)
        else:
            postings.discard(fact_id)
            reference.discard(fact_id)
    assert postings == reference
    assert len(postings) == len(reference)
    assert list(postings) == sorted(reference)  # iteration in id order
    assert all((i in postings) == (i in reference) for i in range(-1, 62))
    assert postings & {1, 2, 3} == reference & {1, 2, 3}
    assert postings | {7} == reference | {7}


def test_postings_are_not_equal_to_other_things() -> None:
    assert Postings([1, 2]) != [1, 2]
    assert "1" not in Postings([1])
