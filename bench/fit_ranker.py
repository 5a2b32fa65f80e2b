"""Fit the reading order: which of the first stage's candidate facts the reader reads first
(``ReadingOrder`` in ``knowledge/qa/config.py``), on the questions written about BBC news.

    PYTHONPATH=.:bench .venv/bin/python bench/fit_ranker.py            # ~6 min: collect, fit
    PYTHONPATH=.:bench .venv/bin/python bench/fit_ranker.py --cached   # refit the rows (~1 min)
    PYTHONPATH=.:bench .venv/bin/python bench/fit_ranker.py --sources written,squad --out X.md

The second stage scores each first-stage candidate (``knowledge/qa/rank.py``) by a hand-set sum
of its features: the share of the question's idf mass it holds (coverage), the first stage's
BM25 relative to the best, fuzzy similarity, the share of the question's entities it names, a
span of the asked type, a quote by a speaker the question names, its place in its article. The
rules still order the facts by it; the reader reads them in the order of a conditional logit
over the same features, the cosine of the fact's and the question's embeddings
(``knowledge/qa/embedding.py``; every candidate's here) and three of the article (the best
BM25, coverage and cosine among its candidates: how well the article as a whole matches),
fitted here: a softmax over each
question's candidates, the facts holding its support fragment the right ones, on the written
questions (``bench/data/news_questions_*.jsonl``, about 8,000 answerable ones about 732 BBC
articles), each fold's articles in one store with the seed, as the bot holds many. Reported
(``bench/results/ranker-fit.md``): hit@1/3/5 (a fact among the first k holds a support fragment)
in the hand-set order and the fitted one, cross-validated by fold of articles (fitted on one
fold's questions, scored on the other's); then the weights fitted on all, which go into
``ReadingOrder`` by hand (``fit_reader.py`` must then refit the reader's weights: its ``rank``
and ``first`` features follow this order).
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from news_questions import TRAINING, load_articles, load_questions, news_fold
from revision import git_revision
from squad import (
    RESULTS,
    contains_answer,
    fold_of,
    load,
    load_dev_articles,
    scratch_newsroom,
    shared_missing,
    table,
    write_report,
)

from knowledge.errors import QuestionError
from knowledge.nlp.pipeline import DEFAULT_MODEL, load_pipeline
from knowledge.qa import rank
from knowledge.qa.config import ORDER_FEATURES
from knowledge.qa.embedding import Embedder
from knowledge.text import normalise

CACHE = Path("/tmp/ranker-rows.json")


def _squash(text: str) -> str:
    return " ".join(normalise(text).split())


def collect(
    nlp: Any,
    *,
    embedder: bool = True,
    facts: dict[str, dict[str, list[Any]]] | None = None,
    embedders: Path | None = None,
    beside: bool = False,
) -> list[dict[str, Any]]:
    """One row per answerable written question: its fold, its text, its candidates' fact ids,
    features and hand scores, and which candidates hold a support fragment. ``embedder=False``:
    no cosines (``bench/dense_order.py`` adds its own); ``facts``, where given, receives each
    fold's facts as ``{fold: {fact id: [text, article id]}}``; ``embedders``: a folder holding
    ``fold0`` and ``fold1``, each fold's embeddings tuned without its questions
    (``bench/tune_embeddings.py``), for cosines out of sample; ``beside``: each row also
    gets the facts of the first articles that are no candidates (``Engine.beside``: the engine
    compares the closest few of them too) as ``extra_ids``, ``extra_x`` and ``extra_y``."""
    questions = [q for q in load_questions(TRAINING) if q["answers"] and q.get("support")]
    out: list[dict[str, Any]] = []
    for fold in (0, 1):
        mine = [q for q in questions if news_fold(q["article"]) == fold]
        meanings = Embedder.load(embedders / f"fold{fold}") if embedders else embedder
        with scratch_newsroom(
            nlp, prefix="ranker-", seed=True, reader=False, embedder=meanings
        ) as kb:
            load_articles(kb, sorted({q["article"] for q in mine}))
            if facts is not None:
                stored = kb.engine.index.facts.items()
                facts[str(fold)] = {str(i): [f.text, f.article_id] for i, f in stored}
            for q in mine:
                try:
                    scored = kb.engine.scored(q["q"])
                except QuestionError:
                    continue
                support = [_squash(s) for s in q["support"]]
                right = [any(s in _squash(f.text) for s in support) for _, _, f in scored]
                row = _row("written", fold, q["article"], q=q["q"], scored=scored, right=right)
                if beside:
                    extra = kb.engine.beside(q["q"])
                    row["extra_ids"] = [f.id for _, _, f in extra]
                    row["extra_x"] = rank.order_features([*scored, *extra])[len(scored) :]
                    row["extra_y"] = [
                        any(s in _squash(f.text) for s in support) for _, _, f in extra
                    ]
                out.append(row)
        print(f"fold {fold}: {len(mine)} questions", file=sys.stderr)
    return out


def _row(
    source: str,
    fold: int,
    article: str,
    *,
    q: str,
    scored: Sequence[rank.Scored],
    right: list[bool],
) -> dict[str, Any]:
    """A question's row: its candidates' facts, features and hand-set scores, and which are
    right."""
    return {
        "source": source,
        "fold": fold,
        "article": article,
        "q": q,
        "ids": [f.id for _, _, f in scored],
        "x": rank.order_features(scored),
        "hand": [s for s, _, _ in scored],
        "y": right,
    }


def collect_squad(nlp: Any, embedder: Embedder | bool = True) -> list[dict[str, Any]]:
    """The same rows for the SQuAD v1.1 questions of the DEV_ARTICLES, each article whole in a
    fresh store (as ``squad.py``'s article mode): the right facts hold a reference answer."""
    out: list[dict[str, Any]] = []
    for art in load_dev_articles():
        with scratch_newsroom(nlp, prefix="ranker-squad-", reader=False, embedder=embedder) as kb:
            load(kb, art.display_title, art.text)
            for q in art.questions:
                try:
                    scored = kb.engine.scored(q.question)
                except QuestionError:
                    continue
                right = [contains_answer(f.text, q.answers) for _, _, f in scored]
                fold = fold_of(art.title)
                out.append(
                    _row("squad", fold, art.title, q=q.question, scored=scored, right=right)
                )
    print(f"SQuAD: {len(out)} questions", file=sys.stderr)
    return out


def fit(rows: Sequence[dict[str, Any]], l2: float = 1e-4, steps: int = 1500) -> np.ndarray:
    """Conditional-logit weights: maximise the mean over the questions with a right candidate of
    log Σ_right softmax(x·w) (the chance of a right fact, as each question's candidates
    compete), each source (written, squad) weighing the same, less an L2 penalty; Adam on the
    full batch, vectorised over all candidates."""
    qs = [r for r in rows if any(r["y"])]
    per_source: dict[str, int] = {}
    for r in qs:
        per_source[r["source"]] = per_source.get(r["source"], 0) + 1
    weight = np.array([1 / (per_source[r["source"]] * len(per_source)) for r in qs])
    x = np.array([c for r in qs for c in r["x"]], dtype=float)
    y = np.array([v for r in qs for v in r["y"]], dtype=bool)
    starts = np.cumsum([0] + [len(r["x"]) for r in qs[:-1]])
    seg = np.repeat(np.arange(len(qs)), [len(r["x"]) for r in qs])
    w = np.zeros(x.shape[1])
    m = v = np.zeros_like(w)
    for t in range(1, steps + 1):
        s = x @ w
        e = np.exp(s - np.maximum.reduceat(s, starts)[seg])
        p = e / np.add.reduceat(e, starts)[seg]
        er = np.where(y, e, 0.0)
        pr = er / np.add.reduceat(er, starts)[seg]
        grad = x.T @ ((pr - p) * weight[seg]) - l2 * w
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad**2
        w = w + 0.05 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    return w


def hits(rows: Sequence[dict[str, Any]], score: Any, ks: Sequence[int] = (1, 3, 5)) -> list[float]:
    """Share of the questions with a right candidate among the first k by ``score(row)``."""
    firsts = []  # each question's first right candidate's place in the order (None: none)
    for r in rows:
        s = np.asarray(score(r), dtype=float)
        order = sorted(range(len(s)), key=lambda i: (-s[i], i))
        firsts.append(next((p for p, i in enumerate(order) if r["y"][i]), None))
    return [sum(f is not None and f < k for f in firsts) / len(rows) for k in ks]


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--cached", action="store_true", help=f"refit the rows of the last run ({CACHE})"
    )
    ap.add_argument(
        "--without", default="", help="features to leave out, comma-separated (prints only)"
    )
    ap.add_argument(
        "--pairs",
        action="store_true",
        help="add the product of every pair of features (a quadratic order; prints only)",
    )
    ap.add_argument("--out", type=Path, default=RESULTS / "ranker-fit.md")
    ap.add_argument(
        "--sources",
        default="written",
        help="fit on these (written, squad), comma-separated: with squad too, the written "
        "questions' order is worse and SQuAD's no better (bench/README.md)",
    )
    ap.add_argument(
        "--embedders",
        type=Path,
        help="each fold's cosines from DIR/foldN, the embeddings tuned without its questions "
        "(bench/tune_embeddings.py writes them): the shipped ones were tuned on all of them",
    )
    args = ap.parse_args(argv)
    if shared_missing():
        return 0
    start = time.perf_counter()
    if args.cached:
        rows = json.loads(CACHE.read_text("utf-8"))
    else:
        nlp = load_pipeline(DEFAULT_MODEL)
        rows = collect(nlp, embedders=args.embedders) + (
            collect_squad(nlp) if "squad" in args.sources else []
        )
        CACHE.write_text(json.dumps(rows), "utf-8")
    keep = [k for k, f in enumerate(ORDER_FEATURES) if f not in set(args.without.split(","))]
    for r in rows:
        r["x"] = [[x[k] for k in keep] for x in r["x"]] if r["x"] else []
    names = [ORDER_FEATURES[k] for k in keep]
    if args.pairs:
        pairs = list(itertools.combinations_with_replacement(range(len(keep)), 2))
        for r in rows:
            r["x"] = [[*x, *(x[i] * x[j] for i, j in pairs)] for x in r["x"]]
        names += [f"{names[i]}*{names[j]}" for i, j in pairs]
    sources = set(args.sources.split(","))
    rows = [r for r in rows if r["x"] and r["source"] in sources]
    table_rows = []
    for held in (0, 1):
        w = fit([r for r in rows if r["fold"] != held])
        for source in sorted(sources):
            test = [r for r in rows if r["fold"] == held and r["source"] == source]
            for name, score in (
                ("hand-set", lambda r: r["hand"]),
                ("fitted", lambda r, w=w: np.array(r["x"]) @ w),
            ):
                label = f"{source}, fold {held} ({len(test)}), {name}"
                table_rows.append([label, *_pct(hits(test, score))])
    w = fit(rows)
    fitted = ", ".join(f"{n}={v:.4f}" for n, v in zip(names, w, strict=True))
    report = "\n".join(
        [
            "# The reading order's weights (bench/fit_ranker.py)",
            "",
            f"Commit {git_revision()}; sources {', '.join(sorted(sources))}: "
            f"{sum(r['source'] == 'written' for r in rows)} answerable written questions (each "
            "fold's articles in one store with the seed), "
            f"{sum(r['source'] == 'squad' for r in rows)} SQuAD v1.1 DEV_ARTICLES questions (each "
            f"article whole in a fresh store); {time.perf_counter() - start:.0f} s.",
            "",
            "Cross-validated by fold (written: of articles, `news_fold`; SQuAD: DEV_ARTICLES in "
            "even or odd places), fitted on the other fold's questions of every source, each "
            "source weighing the same: a right fact (written: one holding a support fragment; "
            "SQuAD: one holding a reference answer) among the first k.",
            "",
            table(["held out", "hit@1", "hit@3", "hit@5"], table_rows),
            "",
            f"Fitted on all (`ReadingOrder` in knowledge/qa/config.py): {fitted}",
        ]
    )
    if args.without or args.pairs:
        print(report)
    else:
        write_report(report, args.out)
    return 0


def _pct(values: Sequence[float]) -> list[str]:
    return [f"{100 * v:.1f}" for v in values]


if __name__ == "__main__":
    raise SystemExit(main())
