"""The index's compact postings behave as the sets they replace (one id at a time or many at
once); its mean fact length follows every change."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from knowledge.models import Fact
from knowledge.qa.index import Index, Postings

from .conftest import ROOT

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


@given(_OPS, st.lists(st.integers(min_value=-1, max_value=62), max_size=30))
def test_postings_hold_the_ids_they_contain_and_still_grow(
    ops: list[tuple[bool, int]], asked: list[int]
) -> None:
    postings = Postings()
    for add, fact_id in ops:
        postings.add(fact_id) if add else postings.discard(fact_id)
    ids = np.array(asked, dtype=np.int64)
    assert postings.holds(ids).tolist() == [i in postings for i in asked]
    postings.add(100)  # no view of the ids outlives the call: the array can still grow
    assert 100 in postings


def test_postings_are_not_equal_to_other_things() -> None:
    assert Postings([1, 2]) != [1, 2]
    assert "1" not in Postings([1])


def _fact(fid: int, article: int, n_terms: int) -> Fact:
    terms = tuple(f"w{i}" for i in range(n_terms))
    return Fact(fid, article, fid, 0, "text", terms, (), ())


def test_mean_fact_length_follows_loads_replacements_and_removals() -> None:
    index = Index()
    index.add_facts([_fact(1, 1, 4), _fact(2, 1, 8), _fact(3, 2, 3)])
    assert index.mean_length() == 5.0
    index.remove_article(1)
    assert index.mean_length() == 3.0
    index.add_facts([_fact(4, 1, 9)])  # the article again, as a replacement loads it
    assert index.mean_length() == 6.0
    index.remove_article(1)
    index.remove_article(2)
    assert index.mean_length() == 1.0  # empty: no division by zero
    with pytest.raises(ValueError, match="already indexed"):
        index.add_facts([_fact(5, 3, 2), _fact(5, 3, 2)])


def test_a_misspelling_close_to_two_words_is_repaired_alike_in_every_process() -> None:
    """ "hed" is as close to "head" as to "held": which one it becomes must not depend on the
    order a set of strings happens to have in a process (PYTHONHASHSEED)."""
    script = (
        "from knowledge.qa.index import Index\n"
        "from knowledge.qa.repair import repair_word\n"
        "index = Index()\n"
        "index.vocabulary.update({'held', 'head', 'herd', 'heed', 'talks', 'envoy'})\n"
        "index._vocabulary_version += 1\n"
        "print(repair_word('hedd', index), repair_word('hed', index))\n"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        ).stdout
        for seed in range(4)
    }
    assert len(outputs) == 1, outputs
