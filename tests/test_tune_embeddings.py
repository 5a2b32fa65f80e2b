"""Tuning the static embeddings for the reading order (bench/tune_embeddings.py): the right
candidate's cosine rises against the others', and the saved vectors are what the engine loads."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from news_questions import news_fold
from tune_embeddings import Tuner, distilled, half

from knowledge.qa.embedding import Embedder

FACTS = {
    "0": {
        "1": ["The minister resigned on Friday after the vote.", 1],
        "2": ["The minister spoke about the budget on Friday.", 1],
        "3": ["Shares in the firm fell sharply after the report.", 2],
        "4": ["The firm said its profits would rise next year.", 2],
    }
}


def _rows() -> list[dict[str, Any]]:
    return [
        {"q": "Why did the minister quit?", "fold": 0, "article": "a", "ids": [2, 1], "y": [0, 1]},
        {"q": "Did the shares fall?", "fold": 0, "article": "b", "ids": [4, 3], "y": [0, 1]},
    ]


def _margins(encode: Any) -> list[float]:
    out = []
    for r in _rows():
        q = encode([r["q"]])[0]
        cands = encode([FACTS["0"][str(i)][0] for i in r["ids"]]) @ q
        out.append(float(cands[r["y"].index(1)] - cands[r["y"].index(0)]))
    return out


def test_the_halves_split_each_fold_again() -> None:
    articles = [f"bbc/business/{k:03}.txt" for k in range(200)]
    for fold in (0, 1):  # not news_fold again: each fold has articles in both halves
        mine = [a for a in articles if news_fold(a) == fold]
        assert {half(a) for a in mine} == {0, 1}


@pytest.mark.parametrize("mode", ["linear", "rows"])
def test_tuning_raises_the_right_candidates_cosine_and_saves_what_the_engine_loads(
    mode: str, tmp_path: Path
) -> None:
    pytest.importorskip("torch")
    pytest.importorskip("model2vec")  # the train group's: the static vectors are bench-only
    base = distilled()
    tuner = Tuner(base)
    before = _margins(tuner.encoder(tuner.base))
    settings = {"epochs": 20, "lr": 1e-2, "l2": 0.0, "temperature": 0.05, "batch": 2, "seed": 0}
    matrix = tuner.tune(_rows(), FACTS, mode=mode, **settings)
    after = _margins(tuner.encoder(matrix))
    assert all(a > b for a, b in zip(after, before, strict=True)), (before, after)
    tuner.save(matrix, tmp_path / "tuned", base)
    loaded = Embedder.load(tmp_path / "tuned")
    texts = [t for t, _ in FACTS["0"].values()]
    expected = tuner.encoder(matrix.astype(np.float16).astype(np.float32))(texts)
    assert np.allclose(loaded.vectors(texts), expected, atol=1e-3)
