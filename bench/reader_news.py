"""How well a reader model reads news, by itself (before the fitted choice): on the development
sets' questions (``bbc_working`` and ``seed_questions``, never the frozen set), in one store with
their articles.

    PYTHONPATH=.:bench .venv/bin/python bench/reader_news.py [MODEL.onnx ...]

For each model (default: the shipped one):
- *span F1 on the support*: the question read against the fact that holds its support (the right
  sentence given), token F1 of the span with the best reference answer;
- *right by margin @1*: of the retriever's best facts, the one with the highest margin (span
  minus no-answer) has a right span (token F1 ≥ 0.5);
- *AUC*: the highest margin among those facts, answerable questions against unanswerable ones.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from squad import ROOT, SHARED, scratch_newsroom, shared_missing

from knowledge import DEFAULT_MODEL, decode
from knowledge.errors import QuestionError
from knowledge.nlp.pipeline import load_pipeline
from knowledge.qa.evaluation import auc, normalize_answer, read_items, token_f1
from knowledge.qa.reader import Reader

SETS = (
    ROOT / "tests" / "data" / "bbc_working.jsonl",
    ROOT / "tests" / "data" / "seed_questions.jsonl",
)
SHIPPED = ROOT / "knowledge" / "data" / "reader.onnx"


def measure(model: Path) -> dict[str, float]:
    items = [i for path in SETS for i in read_items(path) if not i.context]
    nlp = load_pipeline(DEFAULT_MODEL)
    reader = Reader.load(model)
    with scratch_newsroom(nlp, prefix="news-", seed=True, reader=reader) as kb:
        for name in sorted({i.article for i in items if i.article}):
            kb.load_text(decode((SHARED / "corpus" / name).read_bytes()), source=name)
        facts = list(kb.index.facts.values())
        span_f1, right_at_1, pos, neg = [], [], [], []
        for item in items:
            try:
                cands = kb.engine.candidates(item.question)
            except QuestionError:
                continue
            if item.answers and item.support:
                key = normalize_answer(item.support[0])
                holder = next((f for f in facts if key in normalize_answer(f.text)), None)
                if holder is not None:
                    (read,) = reader.read(item.question, [kb.engine.passage(holder)])
                    span_f1.append(max(token_f1(read.text, a) for a in item.answers))
            if not cands:
                continue
            best = max(cands, key=lambda c: c.reading.margin)
            if item.answers:
                ok = max(token_f1(best.reading.text, a) for a in item.answers) >= 0.5
                right_at_1.append(float(ok))
                pos.append(best.reading.margin)
            else:
                neg.append(best.reading.margin)
    return {
        "span F1 on the support": 100 * sum(span_f1) / max(1, len(span_f1)),
        "right by margin @1": sum(right_at_1) / max(1, len(right_at_1)),
        "AUC (answerable vs not)": auc([(m, True) for m in pos] + [(m, False) for m in neg]),
        "questions": float(len(right_at_1) + len(neg)),
    }


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("models", nargs="*", type=Path, default=[SHIPPED])
    args = ap.parse_args(argv)
    if shared_missing():
        return 0
    for model in args.models:
        result = measure(model)
        print(model, " · ".join(f"{k} {v:.3f}" for k, v in result.items()), file=sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
