"""Which sentence embeddings help the reading order, compared on the same rows as
``bench/fit_ranker.py`` (the written news questions, each fold's articles in one store with the
seed), cross-validated by fold of articles.

    PYTHONPATH=.:bench .venv/bin/python bench/dense_order.py                  # ~12 min
    PYTHONPATH=.:bench .venv/bin/python bench/dense_order.py --cached --encoders static

Each question's candidates get the ``ORDER_FEATURES`` without the embeddings' two (``dense``,
``article_dense``), then each encoder's pair: the fact's cosine with the question (the raw
question text) and the best cosine among its article's candidates. Encoders: ``static``, the
Model2Vec vectors as distilled (``bench/distill_embeddings.py``; the shipped ones were tuned on
these rows by ``bench/tune_embeddings.py``, so they would score in sample here), and ``minilm``,
all-MiniLM-L6-v2 itself
as an int8 ONNX file (``bench/dense.py``'s encoder, the ``bench`` group): a neural pass per fact,
which the engine would have to make when an article is loaded and store. Reported:
hit@1/3/5 of the right fact (one holding a support fragment) and the seconds each encoder took.
The rows also hold every fact of the first articles that is no candidate (``Engine.beside``),
which ``with_cosines(..., kept=k)`` can join as the engine does (``bench/order_refit.py``).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import fit_ranker
import numpy as np
from fit_ranker import fit, hits
from revision import git_revision
from squad import RESULTS, shared_missing, table, write_report

from knowledge.nlp.pipeline import DEFAULT_MODEL, load_pipeline
from knowledge.qa.config import ORDER_FEATURES

CACHE = Path("/tmp/dense-order-rows.json")
Rows = list[dict[str, Any]]
Facts = dict[str, dict[str, list[Any]]]  # each fold's facts: {fold: {fact id: [text, article]}}
BASE = [k for k, name in enumerate(ORDER_FEATURES) if name not in ("dense", "article_dense")]
# The article's best first-stage score and coverage, side by side in ``BASE`` (and
# ``ORDER_FEATURES``), taken over the candidates that ``with_cosines`` keeps.
ARTICLE_BM25 = ORDER_FEATURES.index("article_bm25")
assert ORDER_FEATURES[ARTICLE_BM25 + 1] == "article_coverage"
assert BASE[: ARTICLE_BM25 + 2] == list(range(ARTICLE_BM25 + 2))
Encode = Callable[[Sequence[str]], np.ndarray]


def collect(
    nlp: Any, *, beside: bool = True
) -> tuple[list[dict[str, Any]], dict[str, dict[str, list[Any]]]]:
    """``fit_ranker.collect``'s rows without the embeddings' features, and each fold's facts;
    ``beside``: with the facts of the first articles that are no candidates (``extra_*``)."""
    facts: dict[str, dict[str, list[Any]]] = {}
    rows = [
        {**r, "x": [[x[k] for k in BASE] for x in r["x"]]}
        | ({"extra_x": [[x[k] for k in BASE] for x in r["extra_x"]]} if "extra_x" in r else {})
        for r in fit_ranker.collect(nlp, embedder=False, facts=facts, beside=beside)
        if r["x"]
    ]
    return rows, facts


def cached_rows() -> tuple[Rows, Facts] | None:
    """The rows and facts of the last run (``CACHE``), for the scripts that tune and compare on
    them; None, saying so, where it has not run."""
    if not CACHE.exists():
        print(f"run bench/dense_order.py first (its rows: {CACHE})")
        return None
    rows, facts = json.loads(CACHE.read_text("utf-8"))
    return rows, facts


def encoder(name: str) -> Encode:
    if name == "static":  # distilled, untuned: the shipped ones were tuned on these rows
        from distill_embeddings import OUT

        from knowledge.qa.embedding import Embedder

        if not (OUT / "model.safetensors").exists():
            raise SystemExit(f"run bench/distill_embeddings.py first (the static vectors: {OUT})")
        return Embedder.load(OUT).vectors
    from dense import Encoder

    minilm = Encoder.open()
    return lambda texts: minilm.embed(list(texts))


def with_cosines(
    rows: list[dict[str, Any]],
    facts: dict[str, dict[str, list[Any]]],
    encode: Encode,
    kept: int = 0,
) -> list[dict[str, Any]]:
    """The rows with each candidate's cosine and its article's best appended. Of a row's
    facts of the first articles that are no candidates (``extra_*``, where collected), the
    ``kept`` closest to the question join its candidates, as in the engine
    (``Engine._same_article``, ``ReadingOrder.same_kept``), and the article features are taken
    over them all. None by default: the shipped order was fitted without them, and refitted
    with them it ranks no better (``bench/order_refit.py``)."""
    out = []
    for fold, table_ in facts.items():
        ids = list(table_)
        vectors = dict(zip(ids, _unit(encode([table_[i][0] for i in ids])), strict=True))
        mine = [r for r in rows if str(r["fold"]) == fold]
        for raw, q in zip(mine, _unit(encode([r["q"] for r in mine])), strict=True):
            extra = [float(vectors[str(i)] @ q) for i in raw.get("extra_ids", ())]
            r = _joined(raw, extra, kept)
            cos = [float(vectors[str(i)] @ q) for i in r["ids"]]
            articles = [table_[str(i)][1] for i in r["ids"]]
            best: dict[int, list[float]] = {}
            for c, x, a in zip(cos, r["x"], articles, strict=True):
                b = best.setdefault(a, [0.0, 0.0, -1.0])
                best[a] = [max(b[0], x[1]), max(b[1], x[0]), max(b[2], c)]
            out.append(
                {
                    **r,
                    "x": [
                        [*x[:ARTICLE_BM25], *best[a][:2], *x[ARTICLE_BM25 + 2 :], c, best[a][2]]
                        for x, c, a in zip(r["x"], cos, articles, strict=True)
                    ],
                }
            )
    return out


def _joined(row: dict[str, Any], cosines: Sequence[float], kept: int) -> dict[str, Any]:
    """``row`` with its ``kept`` extra facts closest to the question (``cosines``, one each;
    ties by place) among its candidates, and no ``extra_*`` keys."""
    out = {k: v for k, v in row.items() if not k.startswith("extra_")}
    if not cosines or kept <= 0:
        return out
    closest = sorted(range(len(cosines)), key=lambda j: (-cosines[j], j))[:kept]
    out["ids"] = [*row["ids"], *(row["extra_ids"][j] for j in closest)]
    out["x"] = [*row["x"], *(row["extra_x"][j] for j in closest)]
    out["y"] = [*row["y"], *(row["extra_y"][j] for j in closest)]
    if "hand" in row:
        out["hand"] = [*row["hand"], *(float("-inf") for _ in closest)]
    return out


def _unit(m: np.ndarray) -> np.ndarray:
    m = np.asarray(m, dtype=np.float32)
    return m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-9)


def cross_validated(rows: list[dict[str, Any]]) -> list[str]:
    cells = []
    for held in (0, 1):
        w = fit([r for r in rows if r["fold"] != held])
        test = [r for r in rows if r["fold"] == held]
        found = hits(test, lambda r, w=w: np.array(r["x"]) @ w)
        cells.append(" / ".join(f"{100 * h:.1f}" for h in found))
    return cells


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--cached", action="store_true", help=f"re-use the rows of the last run ({CACHE})"
    )
    ap.add_argument("--encoders", default="static,minilm")
    ap.add_argument("--out", type=Path, default=RESULTS / "dense-order.md")
    args = ap.parse_args(argv)
    if shared_missing():
        return 0
    if args.cached:
        rows, facts = json.loads(CACHE.read_text("utf-8"))
    else:
        rows, facts = collect(load_pipeline(DEFAULT_MODEL))
        CACHE.write_text(json.dumps([rows, facts]), "utf-8")
    lines = [["no embeddings", *cross_validated(rows), "—"]]
    for name in args.encoders.split(","):
        start = time.perf_counter()
        encoded = with_cosines(rows, facts, encoder(name))
        seconds = time.perf_counter() - start
        lines.append([name, *cross_validated(encoded), f"{seconds:.0f}"])
    n_facts = sum(len(t) for t in facts.values())
    report = "\n".join(
        [
            "# Sentence embeddings in the reading order (bench/dense_order.py)",
            "",
            f"Commit {git_revision()}; {len(rows)} answerable written questions, {n_facts} facts "
            "in the two folds' stores. Cross-validated by fold of articles (fitted on the other "
            "fold): hit@1 / hit@3 / hit@5 of the right fact. Seconds: embedding every fact "
            "and question of both folds on this machine.",
            "",
            table(["features", "fold 0", "fold 1", "seconds to embed"], lines),
        ]
    )
    write_report(report, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
