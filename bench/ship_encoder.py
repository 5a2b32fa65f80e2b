"""Ship the tuned MiniLM encoder: ``knowledge/data/encoder.onnx`` and the reading order's weights
for its cosines.

    PYTHONPATH=.:bench .venv/bin/python bench/dense_order.py        # its rows, ~8 min (once)
    PYTHONPATH=.:bench .venv/bin/python bench/ship_encoder.py       # ~20 min, 2 cores

The encoder is ``tune_encoder.py``'s for held-out fold 0: all-MiniLM-L6-v2 tuned on fold 1's
written questions (tuned here, with ``tune_encoder.py``'s defaults, unless ``--models`` holds
``fold0.pt`` already), exported to int8 ONNX (``tune_encoder.Int8``) as ``--to``. The reading
order is then fitted (``fit_ranker.fit``) on fold 0's rows with the cosines of the file as the
engine reads it (``knowledge.qa.embedding.Embedder.load_encoder``): its weights for them are
learnt on questions the encoder never saw. Printed: the weights for ``ReadingOrder``
(knowledge/qa/config.py) and, as a check, the order's hit@1/3/5 on fold 0 fitted on one half of
its articles and scored on the other (``tune_encoder.within_fold``). Needs the ``train`` group.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path

from dense_order import cached_rows, with_cosines
from fit_ranker import fit
from squad import shared_missing
from tune_encoder import RECIPE, Encoder, Int8, within_fold

from knowledge.qa.config import ORDER_FEATURES
from knowledge.qa.embedding import ENCODER_FILE, Embedder

HELD = 0  # the fold the encoder never saw: the order's weights are fitted on it


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", type=Path, default=Path("/tmp/tuned-encoder"))
    ap.add_argument("--to", type=Path, default=ENCODER_FILE)
    args = ap.parse_args(argv)
    if shared_missing():
        return 0
    if (cached := cached_rows()) is None:
        return 1
    rows, facts = cached
    started = time.perf_counter()
    saved = args.models / f"fold{HELD}.pt"
    if not saved.exists():
        tuned = Encoder()
        tuned.tune([r for r in rows if r["fold"] != HELD], facts, **RECIPE)
        tuned.save(saved)
    Int8(Encoder(saved), args.to)
    shipped = Embedder.load_encoder(args.to)
    mine = with_cosines(
        [r for r in rows if r["fold"] == HELD], {str(HELD): facts[str(HELD)]}, shipped.vectors
    )
    weights = fit(mine)
    print(f"{args.to} ({args.to.stat().st_size / 1e6:.1f} MB, {shipped.name})")
    print("ReadingOrder weights:")
    for name, w in zip(ORDER_FEATURES, weights, strict=True):
        print(f"    {name}: float = {w:.4f}")
    found = " / ".join(f"{100 * h:.1f}" for h in within_fold(mine))
    print(f"fold {HELD} within-fold hit@1/3/5: {found}; {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
