"""The reading order's fitting rows (bench/dense_order.py): the facts of the first articles that
are no candidates join a row as the engine lets them (the ``kept`` closest in meaning), and the
article features are taken again over the candidates kept."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from dense_order import with_cosines

# Each text's vector: its place on a circle, so that cosines are known exactly.
ANGLES = {"q": 0.0, "near": 0.1, "far": 1.5, "mid": 0.7, "cand": 0.3, "other": 1.0}
FACTS = {
    "0": {"1": ["cand", 7], "2": ["other", 8], "3": ["near", 7], "4": ["far", 7], "5": ["mid", 8]}
}


def _encode(texts: Sequence[str]) -> np.ndarray:
    return np.array([[np.cos(ANGLES[t]), np.sin(ANGLES[t])] for t in texts])


def _row() -> dict[str, Any]:
    # BASE features: coverage, bm25, fuzzy, entities, typed, quote, position, article_bm25,
    # article_coverage (the last two as the first stage's candidates alone gave them).
    return {
        "q": "q",
        "fold": 0,
        "article": "a",
        "ids": [1, 2],
        "x": [[0.5, 1.0, 0, 0, 0, 0, 0.1, 1.0, 0.5], [0.2, 0.4, 0, 0, 0, 0, 0.3, 0.4, 0.2]],
        "y": [False, False],
        "hand": [1.0, 0.5],
        "extra_ids": [4, 3, 5],
        "extra_x": [
            [0.1, 0.0, 0, 0, 0, 0, 0.9, 1.0, 0.5],
            [0.9, 0.0, 0, 0, 0, 0, 0.5, 1.0, 0.9],
            [0.3, 0.0, 0, 0, 0, 0, 0.2, 0.4, 0.3],
        ],
        "extra_y": [False, True, False],
    }


def test_the_closest_extras_join_and_the_article_features_are_taken_over_them() -> None:
    (row,) = with_cosines([_row()], FACTS, _encode, kept=2)
    assert row["ids"] == [1, 2, 3, 5]  # "near", then "mid"; "far" left out
    assert row["y"] == [False, False, True, False]
    assert not any(k.startswith("extra_") for k in row)
    by_id = dict(zip(row["ids"], row["x"], strict=True))
    # article 7 now holds "near" (coverage 0.9): its best coverage rises; bm25 stays the best's
    assert by_id[1][7:9] == [1.0, 0.9]
    assert by_id[3][7:9] == [1.0, 0.9]
    assert by_id[2][7:9] == [0.4, 0.3]  # article 8: "mid" has coverage 0.3
    assert by_id[3][9] == pytest.approx(
        np.cos(0.1), abs=1e-6
    )  # its cosine, and its article's best
    assert by_id[1][10] == by_id[3][9]
    assert by_id[2][10] == pytest.approx(np.cos(0.7), abs=1e-6)


def test_by_default_the_extras_are_left_out_and_the_rows_are_as_before() -> None:
    row = _row()
    (none_kept,) = with_cosines([row], FACTS, _encode)  # the shipped order was fitted so
    plain = {k: v for k, v in row.items() if not k.startswith("extra_")}
    (no_extras,) = with_cosines([plain], FACTS, _encode, kept=3)
    assert none_kept == no_extras
    assert none_kept["ids"] == [1, 2]
    assert [x[:9] for x in none_kept["x"]] == row["x"]
