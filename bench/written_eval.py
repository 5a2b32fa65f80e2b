"""The engine end to end on the unseen written questions, scored as ``talks-bot eval`` scores a
set: support@1, F1, declined, false declines of the answers the bot would give.

    PYTHONPATH=.:bench .venv/bin/python bench/written_eval.py                    # ~5 min
    PYTHONPATH=.:bench .venv/bin/python bench/written_eval.py --reader X.onnx --details A.jsonl
    PYTHONPATH=.:bench .venv/bin/python bench/written_eval.py --diff A.jsonl B.jsonl

The stores and questions are ``fit_confidence.written_stores``', as that fit asks them: each fold's
articles (``news_fold``) in one store with the seed, asked that fold's questions and ``OFF_STORE``
of the other fold's (unanswerable there). 6,244 questions (``news_questions.unseen_questions``)
about articles that neither the reader, the embeddings, the reading order nor the choice were
fitted on, nor a near copy of one, written the way our news sets are: a set thirty
times the size of a development set, for a change that shapes answers (an answer's span, a date),
where the development sets move by one question. The confidence's weights and threshold *were*
fitted on them (``fit_confidence.py``), so declined / false declines here are in-sample; support@1
and F1 over the answers given are not. ``--details`` writes each question's answer as a JSON line,
the rows of ``talks-bot eval --details``, to see which answers a change moved (``--diff A B``
prints those, of either).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from fit_confidence import OFF_STORE, written_stores
from news_questions import UNSEEN
from revision import git_revision
from squad import RESULTS, shared_missing, write_report

from knowledge import DEFAULT_MODEL, Newsroom
from knowledge.models import Answer, Turn
from knowledge.nlp.pipeline import load_pipeline
from knowledge.qa.evaluation import Item, Report, evaluate, table
from knowledge.qa.reader import Reader


def _item(q: dict[str, Any], answerable: bool) -> Item:
    return Item(
        id=q["id"],
        question=q["q"],
        answers=tuple(q["answers"]) if answerable else (),
        support=tuple(q["support"]) if answerable else (),
        tags=tuple(q.get("tags", ())),
        article=q["article"],
    )


def run(nlp: Any, reader: Reader | None, off_store: int, seed: int) -> dict[str, Report]:
    """Each fold's report (its store and questions: ``fit_confidence.written_stores``)."""
    options: dict[str, Any] = {"reader": reader} if reader is not None else {}
    reports: dict[str, Report] = {}
    for fold, kb, asked in written_stores(nlp, off_store, seed, **options):
        items = [_item(q, bool(answers)) for q, answers in asked]
        reports[f"written fold {fold}"] = evaluate(items, _asker(kb))
    return reports


def _asker(kb: Newsroom) -> Callable[[str, Turn | None], Answer]:
    def ask(question: str, context: Turn | None) -> Answer:
        return kb.answer(question, context=context)

    return ask


def diff(a: Path, b: Path) -> None:
    """The questions whose answer differs between two ``--details`` files, and the sums."""
    rows_a = {(r["set"], r["id"]): r for r in map(json.loads, a.read_text().splitlines())}
    rows_b = {(r["set"], r["id"]): r for r in map(json.loads, b.read_text().splitlines())}
    moved = [k for k in rows_a if k in rows_b and _shown(rows_a[k]) != _shown(rows_b[k])]
    gain = sum(rows_b[k]["f1"] - rows_a[k]["f1"] for k in moved if rows_a[k]["expected"])
    for k in moved:
        ra, rb = rows_a[k], rows_b[k]
        was, now = f"{_shown(ra)!r} {ra['f1']}", f"{_shown(rb)!r} {rb['f1']}"
        print(f"{ra['q']!r} {ra['expected'][:1]}: {was} → {now}")
    print(f"{len(moved)} answers moved; F1 summed over the answerable ones {gain:+.2f}")


def _shown(row: dict[str, Any]) -> str | None:
    return row["answer"] if row["answered"] else None


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reader", type=Path, help="an ONNX reader to use instead of the shipped one")
    ap.add_argument("--off-store", type=int, default=OFF_STORE)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--out", type=Path, default=RESULTS / "written.md")
    ap.add_argument("--details", type=Path, help="write each question's answer here (JSON lines)")
    ap.add_argument("--diff", type=Path, nargs=2, metavar=("A", "B"), help="compare two --details")
    args = ap.parse_args(argv)
    if args.diff:
        diff(*args.diff)
        return 0
    if shared_missing():
        return 0
    if not UNSEEN:
        print("no unseen written questions (bench/data/news_questions_a[f-u].jsonl)")
        return 1
    start = time.perf_counter()
    reader = Reader.load(args.reader) if args.reader else None
    reports = run(load_pipeline(DEFAULT_MODEL), reader, args.off_store, args.seed)
    everything = Report([o for r in reports.values() for o in r.outcomes])
    scores = table({**reports, "written, both folds": everything})
    print(scores)
    head = (
        f"# The engine on the unseen written questions (bench/written_eval.py)\n\nCommit "
        f"{git_revision()}; reader {args.reader or 'shipped'}; {args.off_store} of the other "
        f"fold's questions asked of each store; {time.perf_counter() - start:.0f} s. Declined "
        "and false declines are in-sample: the confidence was fitted on these questions.\n"
    )
    write_report(head + "\n" + scores, args.out)
    if args.details:
        args.details.write_text(
            "".join(
                json.dumps(o.row(name), ensure_ascii=False) + "\n"
                for name, report in reports.items()
                for o in report.outcomes
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
