"""How well the engine declines: SQuAD 2.0 paragraphs, half their questions unanswerable.

    .venv/bin/python bench/squad2.py [--limit N] [--out bench/results/squad2.md]

Each paragraph of the SQuAD 2.0 dev articles named in DEV_ARTICLES (the others are the held-out
test and are never read) is loaded alone into a fresh store and all its questions are asked. The
unanswerable ones were written to look answerable from that paragraph (a swapped name, a negation,
an antonym), so this is a hard test of the confidence. Reported, at the engine's threshold and
at others: the share of unanswerable questions declined, of answerable ones declined (false
declines), SQuAD 2.0 F1 (a decline scores 1 on an unanswerable question, 0 on an answerable one),
and the AUC of the confidence for "the first fact holds a reference answer".
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from revision import git_revision
from squad import (
    DEV_ARTICLES,
    SQUAD_DIR,
    ReaderFor,
    add_reader_option,
    contains_answer,
    dev_titles,
    load,
    reader_for,
    report_path,
    scratch_newsroom,
)

from knowledge.errors import KnowledgeError
from knowledge.nlp.pipeline import DEFAULT_MODEL, load_pipeline
from knowledge.qa.config import DEFAULT
from knowledge.qa.evaluation import auc, declined_at, token_f1

SQUAD_V2 = SQUAD_DIR / "dev-v2.0.json"
SWEEP = (0.3, 0.35, 0.4, 0.45, 0.5, 0.6)


@dataclass(frozen=True, slots=True)
class Outcome:
    answerable: bool
    confidence: float
    hit: bool  # the first fact holds a reference answer
    f1: float  # of the short answer, as if answered


def run(limit: int, reader: ReaderFor) -> tuple[list[Outcome], int, float]:
    wanted = set(dev_titles(DEV_ARTICLES))
    data = [a for a in json.loads(SQUAD_V2.read_text("utf-8"))["data"] if a["title"] in wanted]
    nlp = load_pipeline(DEFAULT_MODEL)
    outcomes: list[Outcome] = []
    refused = 0
    start = time.perf_counter()
    for art in data:
        for p in art["paragraphs"][: limit or None]:
            with scratch_newsroom(nlp, prefix="squad2-", reader=reader(art["title"])) as kb:
                try:
                    load(kb, art["title"].replace("_", " "), p["context"])
                except KnowledgeError:
                    refused += len(p["qas"])
                    continue
                for qa in p["qas"]:
                    answers = [a["text"] for a in qa["answers"]]
                    a = kb.answer(qa["question"])
                    top = a.facts[0].fact.text if a.facts else ""
                    outcomes.append(
                        Outcome(
                            answerable=bool(answers),
                            confidence=a.confidence,
                            hit=bool(answers) and contains_answer(top, answers),
                            f1=max((token_f1(a.short or "", x) for x in answers), default=0.0),
                        )
                    )
    return outcomes, refused, time.perf_counter() - start


def at(outcomes: Sequence[Outcome], threshold: float) -> tuple[float, float, float]:
    """Declined (unanswerable), false declines (answerable), SQuAD 2.0 F1 at a threshold."""
    una = [o for o in outcomes if not o.answerable]
    ans = [o for o in outcomes if o.answerable]
    declined = sum(o.confidence < threshold for o in una) / max(1, len(una))
    false = sum(o.confidence < threshold for o in ans) / max(1, len(ans))
    f1 = sum(
        (o.confidence < threshold) if not o.answerable else (o.confidence >= threshold) * o.f1
        for o in outcomes
    )
    return declined, false, 100 * f1 / max(1, len(outcomes))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--limit", type=int, default=0, help="paragraphs per article (0: all)")
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="the report (default: results/squad2-reader.md for --reader folds, else squad2.md)",
    )
    add_reader_option(parser)
    args = parser.parse_args(argv)
    args.out = report_path(args.out, "squad2", args.reader)
    if not SQUAD_V2.exists():
        print(f"{SQUAD_V2} is not here (it is in ../shared, which a fresh clone lacks).")
        return 0
    outcomes, refused, seconds = run(args.limit, reader_for(args.reader))
    # Each SQuAD article is asked of a store holding it alone.
    reader_threshold = DEFAULT.reader_threshold(1)
    threshold = DEFAULT.calibration.threshold if args.reader == "off" else reader_threshold
    una = sum(not o.answerable for o in outcomes)
    lines = [
        "# Declining: SQuAD 2.0 dev paragraphs (DEV_ARTICLES)",
        "",
        f"Commit {git_revision()}; reader `{args.reader}`; {len(outcomes)} questions ({una} "
        f"unanswerable from their paragraph), each paragraph alone in a fresh store; {refused} "
        "questions of refused "
        f'paragraphs left out; {seconds:.0f} s. AUC of the confidence for "the first fact holds '
        f'a reference answer": **{auc([(o.confidence, o.hit) for o in outcomes]):.3f}**; '
        f"unanswerable questions declined at ≤ 10% false declines: "
        f"**{declined_at([(o.confidence, o.answerable) for o in outcomes]):.3f}**. Declining "
        f"everything scores {100 * una / max(1, len(outcomes)):.1f} F1.",
        "",
        "| threshold | unanswerable declined | false declines | SQuAD 2.0 F1 |",
        "|---|---|---|---|",
    ]
    for t in sorted({*SWEEP, threshold}):
        declined, false, f1 = at(outcomes, t)
        mark = " (the engine's)" if t == threshold else ""
        lines.append(f"| {t:.2f}{mark} | {declined:.3f} | {false:.3f} | {f1:.1f} |")
    lines += ["", f"`.venv/bin/python bench/squad2.py --reader {args.reader}`", ""]
    args.out.write_text("\n".join(lines), "utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
