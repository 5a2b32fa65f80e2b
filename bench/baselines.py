"""The engine's sentence retrieval against two plain baselines over the same sentences.

    .venv/bin/python bench/baselines.py [--limit-articles N] [--out PATH]

Baselines rank the sentences of an article (spaCy's sentences, paragraph by paragraph) for a
question and take the top one: (a) rapidfuzz ``fuzz.token_set_ratio(question, sentence)``, as is
and (a') with ``processor=utils.default_process`` (lowercased, no punctuation), (b) BM25
(rank-bm25's ``BM25Okapi``) over lowercase word tokens without spaCy's English stopwords. The
engine's top sentence is ``Newsroom.answer(question).facts[0]``, answered or not.

- support@1 on the seed article's question sets (``../shared/eval/dev_questions.jsonl``,
  ``tests/data/seed_questions.jsonl``; answerable questions only): the top sentence contains one of
  the question's support fragments (case-insensitive).
- hit@1 on SQuAD v1.1 dev, DEV_ARTICLES only, each article whole: the top sentence contains a
  reference answer (SQuAD normalisation, whole words).

Needs the ``bench`` dependency group (``pip install --group bench``) and ``../shared``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz, process, utils
from revision import git_revision
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.language import Language
from squad import (
    QUESTION_TYPES,
    RESULTS,
    ROOT,
    SHARED,
    SquadArticle,
    contains_answer,
    error_line,
    load,
    load_dev_articles,
    question_type,
    scratch_newsroom,
    shared_missing,
    table,
    write_report,
)

from knowledge.errors import KnowledgeError
from knowledge.models import Answer, Turn
from knowledge.nlp.pipeline import DEFAULT_MODEL, load_pipeline
from knowledge.qa.evaluation import Item, evaluate, read_items

try:
    from rank_bm25 import BM25Okapi
except ImportError:  # the `bench` dependency group is not part of a plain install
    raise SystemExit(
        "rank-bm25 is not installed: .venv/bin/pip install --group bench (from the repo root)"
    ) from None

SEED_ARTICLE = ROOT / "knowledge" / "data" / "syria_talks_xinhua.txt"
SEED_SETS = {
    "dev_questions": SHARED / "eval" / "dev_questions.jsonl",
    "seed_questions": ROOT / "tests" / "data" / "seed_questions.jsonl",
}
SEED_NOW = dt.datetime(2017, 7, 15, 12, 0, tzinfo=dt.UTC)
METHODS = ("token_set_ratio", "token_set_ratio, processed", "BM25", "engine")
_WORD = re.compile(r"\w+")

Ranker = Callable[[str], str]  # question → the top sentence


# --- sentences and the two baselines -----------------------------------------------------------


def sentences(nlp: Language, paragraphs: Iterable[str]) -> list[str]:
    """spaCy's sentences, paragraph by paragraph (a sentence never spans two paragraphs)."""
    return [
        s.text.strip()
        for doc in nlp.pipe(paragraphs, batch_size=64)
        for s in doc.sents
        if s.text.strip()
    ]


def bm25_tokens(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in STOP_WORDS]


def fuzzy_ranker(sents: Sequence[str], *, processed: bool = False) -> Ranker:
    """``fuzz.token_set_ratio(question, sentence)`` as is (case and punctuation count), or with
    rapidfuzz's ``default_process`` (lowercase, punctuation removed) on both sides."""
    processor = utils.default_process if processed else None

    def top(question: str) -> str:
        best = process.extractOne(
            question, sents, scorer=fuzz.token_set_ratio, processor=processor
        )
        return best[0] if best is not None else ""

    return top


def baselines(sents: Sequence[str]) -> dict[str, Ranker]:
    return {
        "token_set_ratio": fuzzy_ranker(sents),
        "token_set_ratio, processed": fuzzy_ranker(sents, processed=True),
        "BM25": bm25_ranker(sents),
    }


def bm25_ranker(sents: Sequence[str]) -> Ranker:
    bm25 = BM25Okapi([bm25_tokens(s) for s in sents])

    def top(question: str) -> str:
        scores = bm25.get_scores(bm25_tokens(question))
        return sents[int(scores.argmax())]  # the first of equal scores

    return top


def engine_top(answer: Answer) -> str:
    return answer.facts[0].fact.text if answer.facts else ""


# --- the seed article --------------------------------------------------------------------------


def seed_paragraphs(path: Path = SEED_ARTICLE) -> list[str]:
    """The body's paragraphs (one per line): without the photo caption on the first line and the
    "source: xinhua" line at the end."""
    lines = [ln.strip() for ln in path.read_text("utf-8").splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return [ln for ln in lines[1:-1] if ln]


def supported(top: str, item: Item) -> bool:
    return any(s.lower() in top.lower() for s in item.support)


@dataclass(slots=True)
class SeedRow:
    name: str
    n: int = 0
    followups: int = 0
    hits: dict[str, int] = field(default_factory=lambda: dict.fromkeys(METHODS, 0))
    answered_hits: int = 0  # the engine's top fact when it answered (as `talks-bot eval` counts)
    no_followup_hits: dict[str, int] = field(default_factory=lambda: dict.fromkeys(METHODS, 0))


def run_seed(nlp: Language) -> list[SeedRow]:
    sents = sentences(nlp, seed_paragraphs())
    rankers = baselines(sents)
    rows = []
    with scratch_newsroom(nlp, prefix="seed-", seed=True, clock=lambda: SEED_NOW) as kb:

        def ask(question: str, context: Turn | None) -> Answer:
            return kb.answer(question, context=context)

        for name, path in SEED_SETS.items():
            if not path.exists():
                continue
            row = SeedRow(name)
            # the engine gets follow-ups with their conversation, as `talks-bot eval` does;
            # the baselines see the question alone
            report = evaluate(read_items(path), ask)
            for outcome in report.outcomes:
                item = outcome.item
                if not (item.answers and item.support):
                    continue
                row.n += 1
                row.followups += item.context is not None
                tops = {m: r(item.question) for m, r in rankers.items()}
                tops["engine"] = engine_top(outcome.answer)
                for method, top in tops.items():
                    hit = supported(top, item)
                    row.hits[method] += hit
                    if item.context is None:
                        row.no_followup_hits[method] += hit
                row.answered_hits += outcome.answer.answered and supported(tops["engine"], item)
            rows.append(row)
    return rows


# --- SQuAD -------------------------------------------------------------------------------------


@dataclass(slots=True)
class SquadRow:
    n: int = 0
    hits: dict[str, int] = field(default_factory=lambda: dict.fromkeys(METHODS, 0))


@dataclass(slots=True)
class SquadResult:
    total: SquadRow = field(default_factory=SquadRow)
    loaded: SquadRow = field(default_factory=SquadRow)  # the articles the engine loaded
    by_type: dict[str, SquadRow] = field(
        default_factory=lambda: {t: SquadRow() for t in QUESTION_TYPES}
    )
    articles: int = 0
    sentences: int = 0
    refused: list[str] = field(default_factory=list)


def run_squad(nlp: Language, articles: Sequence[SquadArticle]) -> SquadResult:
    result = SquadResult()
    for art in articles:
        result.articles += 1
        sents = sentences(nlp, (p.context for p in art.paragraphs))
        result.sentences += len(sents)
        rankers = baselines(sents)
        with scratch_newsroom(nlp, prefix="squad-") as kb:
            try:
                load(kb, art.display_title, art.text)
            except KnowledgeError as e:
                result.refused.append(f"{art.title}: {e}")
            except Exception as e:  # an engine bug, not a refusal: its questions score 0
                result.refused.append(f"{art.title}: {error_line(e)}")
            loaded = bool(kb.index.articles)
            for q in art.questions:
                tops = {m: r(q.question) for m, r in rankers.items()}
                tops["engine"] = engine_top(kb.answer(q.question)) if loaded else ""
                rows = [result.total, result.by_type[question_type(q.question)]]
                if loaded:
                    rows.append(result.loaded)
                for row in rows:
                    row.n += 1
                    for method, top in tops.items():
                        row.hits[method] += contains_answer(top, q.answers)
    return result


# --- the report --------------------------------------------------------------------------------


def pct(k: int, n: int) -> str:
    return f"{100 * k / max(1, n):.1f}"


def seed_rows(seed: Sequence[SeedRow]) -> list[list[str]]:
    rows = []
    for r in seed:
        rows.append(
            [
                f"{r.name}: answerable",
                str(r.n),
                *(pct(r.hits[m], r.n) for m in METHODS),
                pct(r.answered_hits, r.n),
            ]
        )
        if r.followups:
            n = r.n - r.followups
            rows.append(
                [
                    f"{r.name}: answerable, no follow-ups",
                    str(n),
                    *(pct(r.no_followup_hits[m], n) for m in METHODS),
                    "",
                ]
            )
    return rows


def report(seed: Sequence[SeedRow], squad: SquadResult | None, *, model: str) -> str:
    out = [
        "# Sentence retrieval: the engine against token_set_ratio and BM25",
        "",
        f"The engine at commit {git_revision()}; spaCy pipeline `{model}`; percentages. Baselines"
        " rank spaCy's sentences of the article (per paragraph); the engine's top sentence is"
        " `answer(...).facts[0]`, answered or not.",
        "",
        "## support@1 on the seed article (answerable questions)",
        "",
        "The top sentence contains a support fragment (case-insensitive). The engine gets"
        " follow-ups with their conversation; the baselines see the question alone, hence the"
        ' rows without follow-ups. "engine, answered" counts a hit only when the engine'
        " answered (as `talks-bot eval` does).",
        "",
        table(
            ["question set", "questions", *METHODS, "engine, answered"],
            seed_rows(seed),
        ),
        "",
    ]
    if squad is not None:
        refused = (
            f". Not loaded by the engine ({len(squad.refused)}; their questions score 0 for it):"
            + "".join(f"\n- {x}" for x in squad.refused)
            + "\n\n"
            if squad.refused
            else ". "
        )
        out += [
            "## hit@1 on SQuAD v1.1 dev (DEV_ARTICLES, each article whole)",
            "",
            f"{squad.articles} articles, {squad.sentences} sentences, {squad.total.n} questions"
            f"{refused}The top sentence contains a reference answer (SQuAD normalisation,"
            " whole words).",
            "",
            table(
                ["question type", "questions", *METHODS],
                (
                    [name, str(row.n), *(pct(row.hits[m], row.n) for m in METHODS)]
                    for name, row in [
                        ("all", squad.total),
                        *(
                            [("all, of the articles the engine loaded", squad.loaded)]
                            if squad.refused
                            else []
                        ),
                        *((t, squad.by_type[t]) for t in QUESTION_TYPES),
                    ]
                    if row.n
                ),
            ),
            "",
        ]
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--limit-articles",
        type=int,
        default=0,
        metavar="N",
        help="SQuAD: only the first N DEV_ARTICLES (0: all)",
    )
    parser.add_argument("--no-squad", action="store_true", help="the seed article only")
    parser.add_argument("--model", default=DEFAULT_MODEL, help="the spaCy pipeline package")
    parser.add_argument("--out", type=Path, default=RESULTS / "baselines.md")
    args = parser.parse_args(argv)
    if shared_missing():
        return 0
    start = time.perf_counter()
    nlp = load_pipeline(args.model)
    seed = run_seed(nlp)
    squad = None
    if not args.no_squad:
        articles = load_dev_articles()
        if args.limit_articles > 0:
            articles = articles[: args.limit_articles]
        squad = run_squad(nlp, articles)
    text = report(seed, squad, model=args.model)
    print(text)
    print(f"({time.perf_counter() - start:.0f} s)")
    write_report(text, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
