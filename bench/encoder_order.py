"""What the tuned MiniLM encoder (``bench/tune_encoder.py``) would give end to end: the shipped
chain with the reading order's cosine pair from it, on the written questions nobody fitted on.

    PYTHONPATH=.:bench .venv/bin/python bench/encoder_order.py       # ~12 min, 2 cores

The encoder is the one ``tune_encoder.py`` tuned on fold 1 of the fitting batches
(``--models``/fold0.pt, the encoder for held-out fold 0). The reading order is refitted
(``fit_ranker.fit``) on fold 0's rows of ``dense_order.py`` with that encoder's cosines, out of
sample. Then the unseen written questions (``news_questions.UNSEEN``, which neither the encoder
nor anything shipped saw) and the development sets are asked as ``fit_confidence.py`` asks them,
the engine comparing meanings with the encoder (``knowledge.qa.embedding.Embedder`` over it, in
place of the static vectors) and ordering by the refitted order; the reader, its choice
(``ReaderWeights``) and everything else as shipped. Reported against the same run's numbers for
the shipped files (``fit_confidence.py``'s rows, ``--baseline``): of the answerable questions,
a right fact chosen / a right span among the five read / the first read right; the confidence
cross-validated by article (``fit_confidence.cross_validate``); and the choice and the
confidence both refitted on one fold and scored on the other (``fit_confidence._scores``).
An estimate of what shipping it would give: the encoder saw half the fitting questions, and
computes each fact's vector at question time in PyTorch (cached), where a shipped one would
store it at load. Needs the ``train`` group.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from collections.abc import Sequence
from pathlib import Path

import fit_confidence as fc
from dense_order import Facts, Rows, cached_rows, with_cosines
from fit_ranker import fit
from revision import git_revision
from squad import RESULTS, shared_missing, table, write_report
from tune_encoder import Encoder

from knowledge import DEFAULT_MODEL
from knowledge.nlp.pipeline import load_pipeline
from knowledge.qa.config import DEFAULT, ORDER_FEATURES, QAConfig, ReadingOrder
from knowledge.qa.embedding import Embedder


def refitted_order(encoder: Encoder, rows: Rows, facts: Facts) -> ReadingOrder:
    """The reading order fitted on fold 0's rows with ``encoder``'s cosines (it never saw fold
    0): ``dense_order.py`` appends the cosine pair last, as ``ORDER_FEATURES`` ends."""
    mine = [r for r in rows if r["fold"] == 0]
    w = fit(with_cosines(mine, {"0": facts["0"]}, encoder.vectors))
    weights = {name: round(float(v), 4) for name, v in zip(ORDER_FEATURES, w, strict=True)}
    return dataclasses.replace(DEFAULT.order, **weights)


def asked_with(nlp: object, config: QAConfig, embedder: Embedder | bool) -> list[fc.Asked]:
    """The unseen written questions and the development sets (not their follow-ups), asked as
    ``fit_confidence.py`` asks them, of newsrooms with ``config`` and ``embedder``."""
    written = fc.written(nlp, config=config, embedder=embedder)
    return written + fc.development(nlp, config=config, embedder=embedder)


def summary(asked: Sequence[fc.Asked]) -> list[list[str]]:
    """Per source: a right fact chosen (the shipped choice), a right span among those read, the
    first read right (of the answerable questions); for the written ones, the confidence
    cross-validated (answered right / declined / false declines / AUC), then the choice and the
    confidence refitted on the other fold (the same, and declined at <= 10 % false)."""
    rows = []
    for source in ("written", *(p.stem for p in fc.DEVELOPMENT)):
        mine = [a for a in asked if a.source == source]
        ans = [a for a in mine if a.answerable]
        judged = fc.judged(mine, DEFAULT.reader)
        cells = [
            sum(j.right for j in judged) / len(ans),
            sum(any(a.right) for a in ans) / len(ans),
            sum(a.right[0] for a in ans) / len(ans),
        ]
        rows.append([source, *(f"{v:.3f}" for v in cells)])
    written = [a for a in asked if a.source == "written"]
    cv = fc.cross_validate(fc.judged(written, DEFAULT.reader), [a.fold for a in written])
    shipped = next(r for r in cv if r[1] == "their average (shipped)")
    refit: dict[str, float] = {}
    for k in (0, 1):
        train = [a for a in written if a.fold != k]
        choice = fc.choice_of(train, frozenset())
        weights = fc.fit(fc.judged(train, choice))
        test = fc.judged([a for a in written if a.fold == k], choice)
        for key, v in fc._scores(test, weights).items():
            refit[key] = refit.get(key, 0.0) + v / 2
    rows[0] += [" / ".join(shipped[2:]), " / ".join(f"{v:.3f}" for v in refit.values())]
    return [r + ["—"] * (6 - len(r)) for r in rows]


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", type=Path, default=Path("/tmp/tuned-encoder"))
    ap.add_argument(
        "--baseline",
        type=Path,
        default=fc.CACHE,
        help="fit_confidence.py's rows for the shipped files (run it first)",
    )
    ap.add_argument("--out", type=Path, default=RESULTS / "encoder-order.md")
    args = ap.parse_args(argv)
    if shared_missing():
        return 0
    if (cached := cached_rows()) is None:
        return 1
    for needed in (args.baseline, args.models / "fold0.pt"):
        if not needed.exists():
            print(f"{needed} missing: run fit_confidence.py, tune_encoder.py")
            return 1
    started = time.perf_counter()
    encoder = Encoder(args.models / "fold0.pt")
    order = refitted_order(encoder, *cached)
    config = dataclasses.replace(DEFAULT, order=order)
    asked = asked_with(load_pipeline(DEFAULT_MODEL), config, Embedder(encoder))
    baseline = [fc.Asked(**d) for d in json.loads(args.baseline.read_text("utf-8"))]
    head = [
        "questions",
        "a right fact chosen",
        "a right span among the five read",
        "the first read right",
        "confidence CV: answered right / declined / false declines / AUC",
        "choice and confidence refitted, CV: chosen right / answered right / declined / "
        "false declines / AUC / declined at <= 10 % false",
    ]
    lines = [
        "# The reading order with the tuned MiniLM encoder (bench/encoder_order.py)",
        "",
        f"Commit {git_revision()}; {time.perf_counter() - started:.0f} s. The order refitted "
        f"with the encoder's cosines: `{order}`.",
        "",
        "Shipped files (the static vectors and their order; `fit_confidence.py`'s rows):",
        "",
        table(head, summary(baseline)),
        "",
        "The cosine pair from MiniLM tuned on fold 1 of the fitting questions, the order "
        "refitted; the reader, the choice and the rest as shipped:",
        "",
        table(head, summary(asked)),
    ]
    write_report("\n".join(lines), args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
