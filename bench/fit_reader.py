"""Fit how the reader's scores choose a fact and give a confidence (``ReaderWeights`` in
``knowledge/qa/config.py``), and choose the threshold below which the engine declines.

    PYTHONPATH=.:bench .venv/bin/python bench/fit_reader.py [--squad-questions N]
                                                          [--fold-models DIR] [--out PATH]
    PYTHONPATH=.:bench .venv/bin/python bench/fit_reader.py --cached --cv "" --cv first

``--cv FEATURES`` (repeatable) fits nothing to ship: it compares feature sets on the news
questions (development and written) cross-validated by article (two folds of articles; fitted
on SQuAD and the other fold, the threshold chosen on the other fold), which says whether a
feature earns its place on articles the fit did not see.

Data, none of it a frozen set:

1. the development sets ``tests/data/bbc_working.jsonl`` and ``tests/data/seed_questions.jsonl``
   in one store with the seed article (and the articles the working set names), read by the
   shipped reader (which never saw their text);
2. SQuAD DEV_ARTICLES, each article whole in a fresh store, its v1.1 questions and its v2.0
   unanswerable ones (a seeded sample of about ``--squad-questions``), each read by the fold
   model that was trained *without* its article (``bench/train_reader.py train --fold N`` writes
   ``/tmp/reader-foldN.onnx``): the shipped reader has seen these questions, so its scores on
   them would be too sure. Skipped where the fold models are absent.
3. the questions written about other BBC articles (``bench/data/news_questions_*.jsonl``, a
   seeded sample of about ``--written-questions``), each fold's articles in one store with the
   seed, read by the fold model trained without that fold's articles (``news_questions.news_fold``;
   the shipped reader has seen them all). They are what people ask a news bot, thousands of them.

Every question gives one row per fact the reader read (the retriever's best
``ReaderWeights.passages``): the reader's margin and span score, the retriever's relative score,
first or not; the label is whether that fact's span answers it (token F1 ≥ 0.5 with a reference
answer; never, for an unanswerable question). A logistic regression (L2, Newton's method) over
those rows gives the weights. The threshold is chosen on the news questions (the two development
sets and the written ones; not on SQuAD), as the highest confidence that declines at most 10 % of
their answerable questions; the curves are in the report. ``--sources`` fits on fewer sources.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from revision import git_revision
from squad import (
    PUBLISHED,
    RESULTS,
    ROOT,
    SHARED,
    SQUAD_DIR,
    dev_titles,
    fold_of,
    scratch_newsroom,
    shared_missing,
    table,
    write_report,
)

from knowledge import DEFAULT_MODEL, Newsroom, decode
from knowledge.errors import KnowledgeError, QuestionError
from knowledge.nlp.pipeline import load_pipeline
from knowledge.qa.config import DEFAULT, READER_FEATURES, ReaderWeights
from knowledge.qa.embedding import Embedder
from knowledge.qa.evaluation import auc, read_items, token_f1
from knowledge.qa.reader import Reader

WORKING = ROOT / "tests" / "data" / "bbc_working.jsonl"
OURS = ROOT / "tests" / "data" / "seed_questions.jsonl"
CORPUS = SHARED / "corpus"
MAX_FALSE_DECLINES = 0.10
SOURCES = ("working", "ours", "squad", "written")
NEWS_SOURCES = frozenset({"working", "ours", "written"})  # the threshold is chosen on these
CACHE = Path("/tmp/reader-fit-rows.json")


@dataclasses.dataclass(slots=True)
class Question:
    source: str  # one of SOURCES
    answerable: bool
    rows: list[tuple[list[float], bool]]  # a candidate's features, and whether it is right
    article: str = ""  # the article it asks about (its title, for SQuAD)


def right_span(span: str, answers: Sequence[str]) -> bool:
    """Whether a reader's span answers the question: token F1 >= 0.5 with a reference answer
    (none for an unanswerable question)."""
    return bool(answers) and max(token_f1(span, a) for a in answers) >= 0.5


def _rows(kb: Newsroom, question: str, answers: Sequence[str]) -> list[tuple[list[float], bool]]:
    try:
        cands = kb.engine.candidates(question)
    except QuestionError:
        return []
    return [(list(c.features()), right_span(c.reading.text, answers)) for c in cands]


def _newsroom(
    nlp: Any, weights: ReaderWeights, *, seed: bool = True, **options: Any
) -> contextlib.AbstractContextManager[Newsroom]:
    """A scratch newsroom (``squad.scratch_newsroom``) whose engine chooses with ``weights``,
    with the seed article unless told otherwise."""
    config = dataclasses.replace(DEFAULT, reader=weights)
    return scratch_newsroom(nlp, prefix="fit-", seed=seed, config=config, **options)


def fold_readers(fold_models: Path) -> dict[int, Reader] | None:
    """The two fold models (``train_reader.py train --fold N``), or None where one is missing."""
    paths = {fold: fold_models / f"reader-fold{fold}.onnx" for fold in (0, 1)}
    if missing := [str(p) for p in paths.values() if not p.exists()]:
        print(
            f"{', '.join(missing)} missing: SQuAD and the written questions left out of the fit",
            file=sys.stderr,
        )
        return None
    return {fold: Reader.load(path) for fold, path in paths.items()}


def working(nlp: Any, weights: ReaderWeights) -> list[Question]:
    items = read_items(WORKING) + read_items(OURS)
    with _newsroom(nlp, weights) as kb:
        for name in sorted({i.article for i in items if i.article}):
            kb.load_text(decode((CORPUS / name).read_bytes()), source=name)
        return [
            Question(
                "working" if i.id.startswith("w") else "ours",
                bool(i.answers),
                _rows(kb, i.question, i.answers),
                i.article or "seed",
            )
            for i in items
            if not i.context  # a follow-up needs its turn: left to the evaluation
        ]


def squad_sample(sample: int, seed: int) -> dict[str, tuple[str, list[tuple[str, list[str]]]]]:
    """A seeded sample of about ``sample`` SQuAD DEV_ARTICLES questions (v1.1's and v2.0's
    unanswerable ones): for each article title, its paragraphs joined and its chosen questions
    with their reference answers (none for an unanswerable one)."""
    titles = set(dev_titles())
    v1 = json.loads((SQUAD_DIR / "dev-v1.1.json").read_text("utf-8"))["data"]
    v2 = json.loads((SQUAD_DIR / "dev-v2.0.json").read_text("utf-8"))["data"]
    asked: dict[str, list[tuple[str, list[str]]]] = {}
    texts: dict[str, str] = {}
    for art in v1:
        if art["title"] not in titles:  # the held-out articles' questions are never read
            continue
        texts[art["title"]] = "\n\n".join(p["context"] for p in art["paragraphs"])
        for p in art["paragraphs"]:
            for q in p["qas"]:
                answers = list(dict.fromkeys(a["text"] for a in q["answers"]))
                asked.setdefault(art["title"], []).append((q["question"], answers))
    for art in v2:
        if art["title"] not in titles or art["title"] not in texts:
            continue
        for p in art["paragraphs"]:
            for q in p["qas"]:
                if q.get("is_impossible"):
                    asked[art["title"]].append((q["question"], []))
    everything = [(t, q) for t in dev_titles() for q in asked.get(t, [])]
    rng = random.Random(seed)
    chosen = set(rng.sample(range(len(everything)), min(sample, len(everything))))
    out = {}
    for title in dev_titles():
        mine = [q for k, (t, q) in enumerate(everything) if t == title and k in chosen]
        if mine:
            out[title] = (texts[title], mine)
    return out


def squad(
    nlp: Any, readers: dict[int, Reader], sample: int, seed: int, weights: ReaderWeights
) -> list[Question]:
    out: list[Question] = []
    for title, (text, mine) in squad_sample(sample, seed).items():
        with _newsroom(nlp, weights, seed=False, reader=readers[fold_of(title)]) as kb:
            try:
                kb.load_text(text, title=title.replace("_", " "), published=PUBLISHED)
            except KnowledgeError as e:
                print(f"{title}: {e}", file=sys.stderr)
                continue
            out.extend(Question("squad", bool(a), _rows(kb, q, a), title) for q, a in mine)
    return out


def written(
    nlp: Any,
    readers: dict[int, Reader],
    sample: int,
    seed: int,
    weights: ReaderWeights,
    *,
    embedders: Path | None = None,
) -> list[Question]:
    """The written questions' rows; ``embedders``: a folder of each fold's embeddings tuned
    without its questions (``tune_embeddings.py``), since the shipped ones were tuned on them
    all and would order their facts better than a new question's."""
    from news_questions import TRAINING, load_articles, load_questions, news_fold

    everything = load_questions(TRAINING)
    rng = random.Random(seed)
    chosen = rng.sample(everything, min(sample, len(everything)))
    out = []
    for fold, reader in readers.items():
        mine = [q for q in chosen if news_fold(q["article"]) == fold]
        if not mine:
            continue
        # Every article of the fold in one store, as the bot holds many: retrieval must find it.
        articles = sorted({q["article"] for q in everything if news_fold(q["article"]) == fold})
        meanings = Embedder.load(embedders / f"fold{fold}") if embedders else None
        with _newsroom(nlp, weights, reader=reader, embedder=meanings) as kb:
            load_articles(kb, articles)
            for q in mine:
                rows = _rows(kb, q["q"], q["answers"])
                out.append(Question("written", bool(q["answers"]), rows, q["article"]))
    return out


def fit(
    questions: Sequence[Question], without: frozenset[str] = frozenset(), l2: float = 1.0
) -> np.ndarray:
    """Logistic regression over every candidate row (Newton's method); bias first. Each source
    weighs the same in all, however many questions it has: the 3,000 SQuAD questions would
    otherwise drown the news articles the bot is for. Features in ``without`` are left out
    (their weight stays 0)."""
    keep = np.array([True] + [f not in without for f in READER_FEATURES])
    # A reading without a span has a margin of -inf (the engine's sigmoid clamps it): clipped
    # here as there, or one such row turns every weight into NaN.
    xs = np.clip(np.array([[1.0, *f] for q in questions for f, _ in q.rows])[:, keep], -30, 30)
    ys = np.array([float(r) for q in questions for _, r in q.rows])
    per_source = {
        s: n for s in SOURCES if (n := sum(len(q.rows) for q in questions if q.source == s))
    }
    sw = np.array(
        [len(xs) / len(per_source) / per_source[q.source] for q in questions for _ in q.rows]
    )
    full = np.zeros(len(keep))
    full[keep] = logistic(xs, ys, sw, l2)
    return full


def logistic(xs: np.ndarray, ys: np.ndarray, sw: np.ndarray, l2: float = 1.0) -> np.ndarray:
    """L2-penalised logistic regression by Newton's method, rows weighted by ``sw``; the bias
    (column 0) unpenalised."""
    w = np.zeros(xs.shape[1])
    reg = l2 * np.eye(len(w))
    reg[0, 0] = 0.0
    for _ in range(50):
        p = 1 / (1 + np.exp(-(xs @ w)))
        grad = xs.T @ (sw * (p - ys)) + reg @ w
        hess = (xs * (sw * p * (1 - p))[:, None]).T @ xs + reg
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def weights_of(w: np.ndarray, threshold: float) -> ReaderWeights:
    values = dict(zip(("bias", *READER_FEATURES), (round(float(v), 4) for v in w), strict=True))
    return ReaderWeights(**values, threshold=threshold)


def choose(q: Question, weights: ReaderWeights) -> tuple[float, bool]:
    """The engine's choice for one question: the confidence, and whether the chosen fact's span
    is right."""
    if not q.rows:
        return 0.0, False
    scored = [(weights.logit(f), r) for f, r in q.rows]
    z, right = max(scored, key=lambda s: s[0])
    return float(1 / (1 + np.exp(-z))), right


def curve(questions: Sequence[Question], weights: ReaderWeights) -> list[list[str]]:
    """Declined (unanswerable) vs false declines (answerable) at a range of thresholds."""
    chosen = [(choose(q, weights), q.answerable) for q in questions]
    rows = []
    for t in np.arange(0.05, 0.96, 0.05):
        una = [c for c, a in chosen if not a]
        ans = [c for c, a in chosen if a]
        declined = sum(conf < t for conf, _ in una) / max(1, len(una))
        false = sum(conf < t for conf, _ in ans) / max(1, len(ans))
        right = sum(conf >= t and ok for conf, ok in ans) / max(1, len(ans))
        rows.append([f"{t:.2f}", f"{declined:.3f}", f"{false:.3f}", f"{right:.3f}"])
    return rows


def threshold_for(questions: Sequence[Question], weights: ReaderWeights) -> float:
    """The highest threshold (on a 0.01 grid) that declines at most ``MAX_FALSE_DECLINES`` of
    the answerable questions."""
    return threshold_of([choose(q, weights)[0] for q in questions if q.answerable])


def threshold_of(confidences: Sequence[float]) -> float:
    """The highest threshold (on a 0.01 grid) below which at most ``MAX_FALSE_DECLINES`` of
    these answerable questions' confidences fall."""
    best = 0.0
    for t in np.arange(0.01, 1.0, 0.01):
        if sum(c < t for c in confidences) / max(1, len(confidences)) <= MAX_FALSE_DECLINES:
            best = round(float(t), 2)
    return best


Chooser = Callable[[Question], tuple[float, bool]]  # a question's confidence; its span right


def cross_validate(
    qs: Sequence[Question], make: Callable[[Sequence[Question]], Chooser]
) -> dict[str, float]:
    """The news questions in two folds by article: a choice ``make``s from SQuAD and the other
    fold, the threshold chosen on the other fold (``threshold_of``), scored on this one. Chosen
    right: the chosen span is right (of the answerable questions); answered right: and not
    declined."""
    news = [q for q in qs if q.source in NEWS_SOURCES]
    articles = sorted({q.article for q in news})
    fold = {a: k % 2 for k, a in enumerate(articles)}
    n_ans = sum(q.answerable for q in news)
    n_una = len(news) - n_ans
    out = dict.fromkeys(
        ("chosen right", "answered right", "declined", "false declines", "AUC"), 0.0
    )
    for k in (0, 1):
        test = [q for q in news if fold[q.article] == k]
        train = [q for q in qs if q.source == "squad" or fold[q.article] != k]
        choose = make(train)
        t = threshold_of(
            [choose(q)[0] for q in train if q.source in NEWS_SOURCES and q.answerable]
        )
        chosen = [(q, *choose(q)) for q in test]
        for q, conf, right in chosen:
            if q.answerable:
                out["chosen right"] += right / n_ans
                out["answered right"] += (conf >= t and right) / n_ans
                out["false declines"] += (conf < t) / n_ans
            else:
                out["declined"] += (conf < t) / n_una
        out["AUC"] += auc([(conf, q.answerable) for q, conf, _ in chosen]) / 2
    return out


def logistic_choice(without: frozenset[str]) -> Callable[[Sequence[Question]], Chooser]:
    """The shipped kind of choice, fitted without the features in ``without``."""

    def make(train: Sequence[Question]) -> Chooser:
        fitted = weights_of(fit(train, without), 0.5)
        return lambda q: choose(q, fitted)

    return make


def fixed_choice(weights: ReaderWeights) -> Callable[[Sequence[Question]], Chooser]:
    """A choice with these weights, whatever the training questions."""
    return lambda _train: lambda q: choose(q, weights)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--squad-questions", type=int, default=3000)
    ap.add_argument("--written-questions", type=int, default=1500)
    ap.add_argument("--fold-models", type=Path, default=Path("/tmp"))
    ap.add_argument(
        "--embedders",
        type=Path,
        help="the written questions' cosines from DIR/foldN, the embeddings tuned without them "
        "(bench/tune_embeddings.py writes them)",
    )
    ap.add_argument(
        "--sources",
        default=",".join(SOURCES),
        help=f"fit on these sources only, comma-separated (of {', '.join(SOURCES)})",
    )
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument(
        "--passages",
        type=int,
        default=0,
        help="fit as if the reader read only the first N of the facts collected (ReaderWeights."
        "passages; 0: all)",
    )
    ap.add_argument("--out", type=Path, default=RESULTS / "reader-fit.md")
    ap.add_argument(
        "--cached", action="store_true", help=f"re-fit the rows of the last run ({CACHE})"
    )
    ap.add_argument(
        "--without",
        default="",
        help="features to leave out, comma-separated (rules,agree: no rule engine consulted)",
    )
    ap.add_argument(
        "--cv",
        action="append",
        default=[],
        help="compare: the news sets cross-validated by article, with these features left out "
        "(comma-separated; '' for none); repeatable. Prints a table and writes nothing.",
    )
    args = ap.parse_args(argv)
    if shared_missing():
        return 0
    without = frozenset(f for f in args.without.split(",") if f)
    if unknown := without - set(READER_FEATURES):
        ap.error(f"no such features: {', '.join(sorted(unknown))}")
    # Rows are collected with the left-out features' weights at 0: without "rules" and "agree"
    # the engine does not consult the rules at all (nor rerank by them).
    collect = dataclasses.replace(ReaderWeights(), **{f: 0.0 for f in without})
    cache = CACHE.with_name(f"reader-fit-rows{''.join('-' + f for f in sorted(without))}.json")
    start = time.perf_counter()
    if args.cached:
        qs = [Question(**d) for d in json.loads(cache.read_text("utf-8"))]
    else:
        nlp = load_pipeline(DEFAULT_MODEL)
        qs = working(nlp, collect)
        if (readers := fold_readers(args.fold_models)) is not None:
            qs += squad(nlp, readers, args.squad_questions, args.seed, collect)
            qs += written(
                nlp, readers, args.written_questions, args.seed, collect, embedders=args.embedders
            )
        cache.write_text(json.dumps([dataclasses.asdict(q) for q in qs]), "utf-8")
    sources = set(args.sources.split(","))
    if unknown_sources := sources - set(SOURCES):
        ap.error(f"no such sources: {', '.join(sorted(unknown_sources))}")
    qs = [q for q in qs if q.source in sources]
    if args.passages:  # as if the engine read only the first N: its rows are in reading order
        qs = [dataclasses.replace(q, rows=q.rows[: args.passages]) for q in qs]
    if args.cv:
        rows = []
        for spec in args.cv:
            left = frozenset(f for f in spec.split(",") if f) | without
            r = cross_validate(qs, logistic_choice(left))
            rows.append([", ".join(sorted(left)) or "none"] + [f"{v:.3f}" for v in r.values()])
        print(table(["left out", *r], rows))
        return 0
    w = fit(qs, without)
    work = [q for q in qs if q.source in NEWS_SOURCES]
    weights = weights_of(w, 0.5)
    weights = dataclasses.replace(weights, threshold=threshold_for(work, weights))
    if args.passages:
        weights = dataclasses.replace(weights, passages=args.passages)
    print(weights)
    n = {s: sum(q.source == s for q in qs) for s in SOURCES}
    lines = [
        "# The reader's weights and threshold (bench/fit_reader.py)",
        "",
        f"Commit {git_revision()}; {n['working']} working-set questions, {n['ours']} of "
        f"seed_questions, {n['squad']} SQuAD "
        f"DEV_ARTICLES questions and {n['written']} written news questions (both read by the "
        "fold model trained without their article); "
        f"{time.perf_counter() - start:.0f} s.",
        "",
        f"Fitted: `{weights}`" + (f" (left out: {', '.join(sorted(without))})" if without else ""),
        "",
        "Threshold chosen on the news questions (development and written): the highest that "
        "declines at most "
        f"{MAX_FALSE_DECLINES:.0%} of its answerable questions.",
        "",
    ]
    for source in SOURCES:
        part = [q for q in qs if q.source == source]
        if not part:
            continue
        lines += [
            f"## {source}: declined (unanswerable) vs false declines (answerable) by threshold",
            "",
            table(
                ["threshold", "declined", "false declines", "answered right"], curve(part, weights)
            ),
            "",
        ]
    write_report("\n".join(lines), args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
