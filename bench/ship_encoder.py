"""Ship the tuned MiniLM encoder: ``knowledge/data/encoder.onnx`` and the reading order's weights
for its cosines.

    PYTHONPATH=.:bench .venv/bin/python bench/dense_order.py        # its rows, ~8 min (once)
    PYTHONPATH=.:bench .venv/bin/python bench/ship_encoder.py       # ~70 min, 2 cores

The shipped encoder (``--tuned-on both``) is all-MiniLM-L6-v2 tuned on the written questions of
both folds (``tune_encoder.RECIPE``, one epoch over all of them), exported to int8 ONNX
(``tune_encoder.Int8``) as ``--to``. The reading order is fitted (``fit_ranker.fit``) on both
folds' rows, each with the cosines of the encoder that never saw it: fold k's from
``--models/foldk.onnx``, tuned on the other fold (tuned and exported here unless there; fold 0's
is the file shipped before, ``--tuned-on fold1``, byte for byte), read as the engine reads such a
file (``knowledge.qa.embedding.Embedder.load_encoder``). So the order learns what a cosine is
worth on questions its encoder did not see, as the engine's questions will be. ``--tuned-on
fold1`` reproduces the encoder shipped before: tuned on fold 1 alone, the order fitted on fold 0.
Printed: the weights for ``ReadingOrder`` (knowledge/qa/config.py) and, as a check, the order's
hit@1/3/5 fitted on one half of the rows' articles and scored on the other
(``tune_encoder.within_fold``). Tuning takes about 16 minutes a fold, 32 on both. Needs the
``train`` group.
"""

from __future__ import annotations

import argparse
import shutil
import time
from collections.abc import Sequence
from pathlib import Path

from dense_order import Facts, Rows, cached_rows, with_cosines
from fit_ranker import fit
from squad import shared_missing
from tune_encoder import RECIPE, Encoder, Int8, within_fold

from knowledge.qa.config import ORDER_FEATURES
from knowledge.qa.embedding import ENCODER_FILE, Embedder

HELD = 0  # the fold the encoder never saw: the order's weights are fitted on it
FOLDS = (0, 1)


def tuned(rows: Rows, facts: Facts, saved: Path, held: int | None) -> Path:
    """``saved``: MiniLM tuned (``RECIPE``) on the rows not of fold ``held`` (None: on all),
    tuned here unless saved already."""
    if not saved.exists():
        encoder = Encoder()
        encoder.tune([r for r in rows if r["fold"] != held], facts, **RECIPE)
        encoder.save(saved)
    return saved


def out_of_fold(rows: Rows, facts: Facts, models: Path, folds: Sequence[int]) -> Rows:
    """The rows of ``folds`` with the cosines of the int8 encoder that never saw them (fold k's
    from ``models/foldk.onnx``, tuned on the other fold, made unless there), as the engine
    reads such a file."""
    out: Rows = []
    for held in folds:
        onnx = fold_encoder(rows, facts, models, held)
        mine = [r for r in rows if r["fold"] == held]
        out += with_cosines(
            mine, {str(held): facts[str(held)]}, Embedder.load_encoder(onnx).vectors
        )
    return out


def fold_encoder(rows: Rows, facts: Facts, models: Path, held: int) -> Path:
    """``models/fold{held}.onnx``: the int8 encoder tuned on the rows not of fold ``held``,
    tuned and exported here unless there."""
    onnx = models / f"fold{held}.onnx"
    if not onnx.exists():
        Int8(Encoder(tuned(rows, facts, onnx.with_suffix(".pt"), held)), onnx)
    return onnx


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", type=Path, default=Path("/tmp/tuned-encoder"))
    ap.add_argument("--to", type=Path, default=ENCODER_FILE)
    ap.add_argument(
        "--tuned-on",
        choices=("fold1", "both"),
        default="both",
        help="fold1: the encoder of held-out fold 0, the order fitted on fold 0; both: the "
        "encoder tuned on both folds, the order fitted on both with out-of-fold cosines",
    )
    args = ap.parse_args(argv)
    if shared_missing():
        return 0
    if (cached := cached_rows()) is None:
        return 1
    rows, facts = cached
    started = time.perf_counter()
    args.models.mkdir(parents=True, exist_ok=True)
    if args.tuned_on == "both":
        mine = out_of_fold(rows, facts, args.models, FOLDS)
        Int8(Encoder(tuned(rows, facts, args.models / "all.pt", None)), args.to)
    else:  # fold 0's out-of-fold encoder is the one shipped (its export is the same bytes)
        mine = out_of_fold(rows, facts, args.models, (HELD,))
        shutil.copyfile(args.models / f"fold{HELD}.onnx", args.to)
    shipped = Embedder.load_encoder(args.to)
    weights = fit(mine)
    print(f"{args.to} ({args.to.stat().st_size / 1e6:.1f} MB, {shipped.name})")
    print("ReadingOrder weights:")
    for name, w in zip(ORDER_FEATURES, weights, strict=True):
        print(f"    {name}: float = {w:.4f}")
    found = " / ".join(f"{100 * h:.1f}" for h in within_fold(mine))
    print(
        f"within-fold hit@1/3/5 ({args.tuned_on}): {found}; {time.perf_counter() - started:.0f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
