"""Whether the reading order gains by being refitted on rows that hold the facts of the first
articles which the engine compares beside the first stage's candidates
(``ReadingOrder.same_article``, ``same_kept``; ``Engine._same_article``).

    PYTHONPATH=.:bench .venv/bin/python bench/dense_order.py --cached   # its rows first (~4 min
                                                                       # without --cached)
    PYTHONPATH=.:bench .venv/bin/python bench/order_refit.py            # ~50 min with the fold
                                                                       # encoders to tune, else ~5

The shipped order was fitted on the first stage's candidates only, so the facts that join them
(no first-stage BM25) are in a state its weights never saw. Here each fold's rows get the cosines
of the encoder tuned on the other fold (``ship_encoder.fold_encoder``: ``--models/foldk.onnx``,
tuned unless there), then for each number kept (0: none, as fitted) the ``kept`` closest join
(``dense_order.with_cosines``), and the order is scored three ways: fitted on one half of the
articles without them and scored on the other half with them (the engine as shipped), refitted
with them (``tune_encoder.within_fold``'s halves), and with the shipped weights (in sample: they
were fitted on these rows without the extras). Also the order's shape on the rows with the
shipped number kept: a quadratic order (every pair of features) against the linear one.
Reported (``--out``): hit@1 / hit@3 / hit@5 of a right fact, and the share of the questions with
no right candidate at all.
"""

from __future__ import annotations

import argparse
import itertools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from dense_order import Facts, Rows, cached_rows, with_cosines
from fit_ranker import fit, hits
from revision import git_revision
from ship_encoder import FOLDS, fold_encoder
from squad import RESULTS, shared_missing, table, write_report
from tune_embeddings import half

from knowledge.qa.config import ORDER_FEATURES, ReadingOrder
from knowledge.qa.embedding import Embedder

Score = Callable[[dict[str, Any]], np.ndarray]


def joined(rows: Rows, facts: Facts, models: Path, kept: int) -> Rows:
    """``rows`` with their fold encoder's cosines (``fold_encoder``: tuned on the other fold,
    unless saved) and the ``kept`` closest extra facts joined."""
    out: Rows = []
    for held in FOLDS:
        encode = Embedder.load_encoder(fold_encoder(rows, facts, models, held)).vectors
        mine = [r for r in rows if r["fold"] == held]
        out += with_cosines(mine, {str(held): facts[str(held)]}, encode, kept=kept)
    return out


def halves(train: Rows, test: Rows, fitter: Callable[[Rows], Score]) -> list[float]:
    """hit@1/3/5 on ``test``, each half of its articles scored by ``fitter`` fitted on the other
    half of ``train`` (the same questions, with or without the extra facts)."""
    total = np.zeros(3)
    for h in (0, 1):
        score = fitter([r for r in train if half(r["article"]) != h])
        mine = [r for r in test if half(r["article"]) == h]
        total += np.array(hits(mine, score)) * len(mine)
    return list(total / len(test))


def linear(train: Rows) -> Score:
    w = fit(train)
    return lambda r: np.array(r["x"]) @ w


def quadratic(rows: Rows) -> Rows:
    """Each candidate's features and the product of every pair of them."""
    n = len(ORDER_FEATURES)
    pairs = list(itertools.combinations_with_replacement(range(n), 2))
    return [{**r, "x": [[*x, *(x[i] * x[j] for i, j in pairs)] for x in r["x"]]} for r in rows]


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", type=Path, default=Path("/tmp/tuned-encoder"))
    ap.add_argument("--kept", default="5,10,1000", help="numbers of extra facts joined")
    ap.add_argument("--out", type=Path, default=RESULTS / "order-refit.md")
    args = ap.parse_args(argv)
    if shared_missing():
        return 0
    if (cached := cached_rows()) is None:
        return 1
    rows, facts = cached
    if not any("extra_ids" in r for r in rows):
        print("the rows hold no extra facts: run bench/dense_order.py again")
        return 1
    args.models.mkdir(parents=True, exist_ok=True)
    shipped = np.array([getattr(ReadingOrder(), name) for name in ORDER_FEATURES])

    def fmt(found: Sequence[float]) -> str:
        return " / ".join(f"{100 * h:.1f}" for h in found)

    def missing(rs: Rows) -> str:
        return f"{100 * sum(not any(r['y']) for r in rs) / len(rs):.1f} %"

    base = joined(rows, facts, args.models, 0)
    lines = [["0 (the first stage's only)", missing(base), fmt(halves(base, base, linear)), "—"]]
    lines[0].append(fmt(hits(base, lambda r: np.array(r["x"]) @ shipped)))
    shape: list[list[str]] = []
    for kept in (int(k) for k in args.kept.split(",")):
        more = joined(rows, facts, args.models, kept)
        lines.append(
            [
                str(kept),
                missing(more),
                fmt(halves(base, more, linear)),
                fmt(halves(more, more, linear)),
                fmt(hits(more, lambda r: np.array(r["x"]) @ shipped)),
            ]
        )
        if kept == ReadingOrder().same_kept:
            shape = [["linear", fmt(halves(more, more, linear))]]
            squared = quadratic(more)
            shape.append(["quadratic", fmt(halves(squared, squared, linear))])
        print(lines[-1], flush=True)
    report = "\n".join(
        [
            "# The reading order refitted with the first articles' facts (bench/order_refit.py)",
            "",
            f"Commit {git_revision()}; {len(base)} answerable written questions (the fitting "
            "batches), each fold's with the cosines of the int8 encoder tuned on the other fold. "
            "hit@1 / hit@3 / hit@5 of a right fact, the order fitted on one half of the "
            "articles and scored on the other (both ways); the shipped weights in sample.",
            "",
            table(
                [
                    "extra facts joined",
                    "no right candidate",
                    "fitted without them",
                    "refitted with them",
                    "shipped weights",
                ],
                lines,
            ),
            "",
            f"The order's shape, {ReadingOrder().same_kept} joined, refitted:",
            "",
            table(["order", "hit@1 / 3 / 5"], shape),
        ]
    )
    write_report(report, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
