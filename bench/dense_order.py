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
Encode = Callable[[Sequence[str]], np.ndarray]


def collect(nlp: Any) -> tuple[list[dict[str, Any]], dict[str, dict[str, list[Any]]]]:
    """``fit_ranker.collect``'s rows without the embeddings' features, and each fold's facts."""
    facts: dict[str, dict[str, list[Any]]] = {}
    rows = [
        {**r, "x": [[x[k] for k in BASE] for x in r["x"]]}
        for r in fit_ranker.collect(nlp, embedder=False, facts=facts)
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
    rows: list[dict[str, Any]], facts: dict[str, dict[str, list[Any]]], encode: Encode
) -> list[dict[str, Any]]:
    """The rows with each candidate's cosine and its article's best appended."""
    out = []
    for fold, table_ in facts.items():
        ids = list(table_)
        vectors = dict(zip(ids, _unit(encode([table_[i][0] for i in ids])), strict=True))
        mine = [r for r in rows if str(r["fold"]) == fold]
        for r, q in zip(mine, _unit(encode([r["q"] for r in mine])), strict=True):
            cos = [float(vectors[str(i)] @ q) for i in r["ids"]]
            best: dict[int, float] = {}
            for c, i in zip(cos, r["ids"], strict=True):
                a = table_[str(i)][1]
                best[a] = max(best.get(a, -1.0), c)
            extra = zip(cos, [best[table_[str(i)][1]] for i in r["ids"]], strict=True)
            out.append({**r, "x": [[*x, c, b] for x, (c, b) in zip(r["x"], extra, strict=True)]})
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
