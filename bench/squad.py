"""SQuAD v1.1 dev through the engine: short-answer EM / F1, hit@1 and answered rate.

Only the articles listed in ``../shared/corpus/squad/DEV_ARTICLES.txt`` are read; the other dev
articles are the held-out test and their questions are never looked at.

    .venv/bin/python bench/squad.py [--mode paragraph|article|both] [--limit-articles N]
                                    [--sample-questions N] [--seed N] [--out PATH]

``article`` loads each article whole (its paragraphs joined by blank lines) into a fresh store and
asks every question of it; ``paragraph`` loads paragraphs one at a time, each alone in a fresh
store, and asks its own questions (all of them by default, or a seeded sample of paragraphs with
about ``--sample-questions`` questions). A declined question scores as an empty prediction
(EM = F1 = 0); hit@1 is whether the first fact the engine returns (answered or not) contains a
reference answer. Texts the engine refuses (``KnowledgeError``) or fails on are counted and their
questions score as declined.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import json
import random
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from revision import git_revision
from spacy.language import Language

from knowledge import Newsroom
from knowledge.errors import KnowledgeError
from knowledge.models import Answer
from knowledge.nlp.pipeline import DEFAULT_MODEL, load_pipeline
from knowledge.qa import spans
from knowledge.qa.config import DEFAULT, QAConfig, SpanPolicy
from knowledge.qa.evaluation import normalize_answer, token_f1
from knowledge.qa.reader import Reader
from knowledge.storage.store import Store

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SQUAD_DIR = SHARED / "corpus" / "squad"
SQUAD_DEV = SQUAD_DIR / "dev-v1.1.json"
DEV_ARTICLES = SQUAD_DIR / "DEV_ARTICLES.txt"
RESULTS = ROOT / "bench" / "results"
PUBLISHED = dt.date(2020, 1, 1)
FIXED_NOW = dt.datetime(2020, 1, 2, 12, 0, tzinfo=dt.UTC)
QUESTION_TYPES = (
    "what/which",
    "who",
    "when",
    "where",
    "why",
    "how many/much",
    "how",
    "other",
)


# --- the data ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SquadQuestion:
    id: str
    question: str
    answers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SquadParagraph:
    article: str  # the article's title as SQuAD spells it ("Victoria_(Australia)")
    index: int
    context: str
    questions: tuple[SquadQuestion, ...]


@dataclass(frozen=True, slots=True)
class SquadArticle:
    title: str
    paragraphs: tuple[SquadParagraph, ...]

    @property
    def display_title(self) -> str:
        return self.title.replace("_", " ")

    @property
    def text(self) -> str:
        return "\n\n".join(p.context for p in self.paragraphs)

    @property
    def questions(self) -> list[SquadQuestion]:
        return [q for p in self.paragraphs for q in p.questions]


def shared_missing() -> bool:
    """True (with a message) when ../shared is not beside the project (a user's fresh clone)."""
    if SQUAD_DEV.exists() and DEV_ARTICLES.exists():
        return False
    print(
        f"{SQUAD_DIR} is not here: the benchmarks need ../shared (the team's checkout has it, "
        "a fresh clone does not). Nothing to do."
    )
    return True


def dev_titles(path: Path = DEV_ARTICLES) -> list[str]:
    return [ln.strip() for ln in path.read_text("utf-8").splitlines() if ln.strip()]


def load_dev_articles(
    path: Path = SQUAD_DEV, *, titles: Sequence[str] | None = None
) -> list[SquadArticle]:
    """The DEV_ARTICLES of SQuAD v1.1 dev, in DEV_ARTICLES order; other articles are skipped
    before their questions are read."""
    wanted = list(titles if titles is not None else dev_titles())
    data = json.loads(path.read_text("utf-8"))["data"]
    by_title = {a["title"]: a for a in data if a["title"] in set(wanted)}
    missing = [t for t in wanted if t not in by_title]
    if missing:
        raise SystemExit(f"DEV_ARTICLES names articles that are not in {path.name}: {missing}")
    articles = []
    for title in wanted:
        paragraphs = tuple(
            SquadParagraph(
                article=title,
                index=i,
                context=p["context"],
                questions=tuple(
                    SquadQuestion(
                        id=q["id"],
                        question=q["question"],
                        answers=tuple(dict.fromkeys(a["text"] for a in q["answers"])),
                    )
                    for q in p["qas"]
                ),
            )
            for i, p in enumerate(by_title[title]["paragraphs"])
        )
        articles.append(SquadArticle(title, paragraphs))
    return articles


# --- scoring -----------------------------------------------------------------------------------


def contains_answer(text: str, answers: Iterable[str]) -> bool:
    """Whether ``text`` contains one of the answers as whole words, after SQuAD normalisation
    (so "13" is not found in "1335")."""
    hay = f" {normalize_answer(text)} "
    return any((needle := normalize_answer(a)) and f" {needle} " in hay for a in answers)


def question_type(question: str) -> str:
    """The question's wh-word family (the first one in the question: "In what year..." is
    what/which)."""
    q = question.lower()
    m = re.search(r"\b(what|which|who|whom|whose|when|where|why|how)\b", q)
    if m is None:
        return "other"
    word = m.group(1)
    if word == "how":
        return "how many/much" if re.match(r"how\s+(many|much)\b", q[m.start() :]) else "how"
    if word in {"what", "which"}:
        return "what/which"
    if word in {"who", "whom", "whose"}:
        return "who"
    return word


@dataclass(slots=True)
class Tally:
    n: int = 0
    em: float = 0.0
    f1: float = 0.0
    hits: int = 0
    answered: int = 0

    def add(self, em: float, f1: float, hit: bool, answered: bool) -> None:
        self.n += 1
        self.em += em
        self.f1 += f1
        self.hits += hit
        self.answered += answered

    def row(self) -> list[str]:
        n = max(1, self.n)
        return [
            str(self.n),
            f"{100 * self.em / n:.1f}",
            f"{100 * self.f1 / n:.1f}",
            f"{100 * self.hits / n:.1f}",
            f"{100 * self.answered / n:.1f}",
        ]


@dataclass(slots=True)
class ModeResult:
    mode: str
    total: Tally = field(default_factory=Tally)
    loaded: Tally = field(default_factory=Tally)  # the questions of texts the engine loaded
    by_type: dict[str, Tally] = field(default_factory=lambda: {t: Tally() for t in QUESTION_TYPES})
    texts: int = 0
    refused: list[str] = field(default_factory=list)  # "title #paragraph: reason"
    crashed: list[str] = field(default_factory=list)  # load_text raised a non-KnowledgeError
    refused_questions: int = 0
    note: str = ""
    seconds: float = 0.0

    def try_load(
        self,
        kb: Newsroom,
        title: str,
        text: str,
        where: str,
        questions: Sequence[SquadQuestion],
    ) -> bool:
        """Load one text; when the engine refuses it (or fails), record why and score its
        questions as declined."""
        try:
            load(kb, title, text)
        except KnowledgeError as e:
            self.refused.append(f"{where}: {e}")
        except Exception as e:  # an engine bug, not a refusal: count it, keep going
            self.crashed.append(f"{where}: {error_line(e)}")
        else:
            return True
        self.refused_questions += len(questions)
        for q in questions:
            self.record(q, None)
        return False

    def record(self, q: SquadQuestion, answer: Answer | None) -> None:
        em, f1, hit, answered = score_answer(q, answer)
        self.total.add(em, f1, hit, answered)
        if answer is not None:
            self.loaded.add(em, f1, hit, answered)
        self.by_type[question_type(q.question)].add(em, f1, hit, answered)


def error_line(e: BaseException) -> str:
    """An exception in one line: its type and the first line of its message (for a SQLAlchemy
    error, of the database's own error)."""
    inner = getattr(e, "orig", None) or e
    lines = str(inner).splitlines() or [""]
    return f"{type(e).__name__}: {lines[0]}"


def score_answer(q: SquadQuestion, answer: Answer | None) -> tuple[float, float, bool, bool]:
    """EM, F1 (max over references; a decline is an empty prediction), hit@1, answered."""
    if answer is None:  # the text was refused: nothing to answer from
        return 0.0, 0.0, False, False
    predicted = answer.short if answer.answered and answer.short else ""
    em = max(float(normalize_answer(predicted) == normalize_answer(a)) for a in q.answers)
    f1 = max(token_f1(predicted, a) for a in q.answers)
    hit = bool(answer.facts) and contains_answer(answer.facts[0].fact.text, q.answers)
    return em, f1, hit, answer.answered


# --- running the engine ------------------------------------------------------------------------


@contextlib.contextmanager
def scratch_newsroom(
    nlp: Language, *, seed: bool = False, prefix: str = "bench-", **options: Any
) -> Iterator[Newsroom]:
    """A newsroom on a real SQLite file in a temporary folder, at the fixed clock unless
    ``options`` give another (``options`` go to ``Newsroom``: ``config``, ``reader``,
    ``embedder``, ``clock``); no seed article unless ``seed``. Its connections are closed and
    the folder gone after, whichever way the block ends (an article refused, an error)."""
    options.setdefault("clock", lambda: FIXED_NOW)
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        kb = Newsroom(Store(f"sqlite:///{tmp}/news.db"), nlp, seed=seed, **options)
        try:
            yield kb
        finally:
            kb.store.engine.dispose()


def fold_of(title: str) -> int:
    """The two folds of every cross-validation here: DEV_ARTICLES in even (0) and odd (1)
    places."""
    return dev_titles().index(title) % 2


ReaderFor = Callable[[str], "Reader | bool"]  # an article's title → the reader that answers it


def add_reader_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--reader",
        default="shipped",
        metavar="shipped|off|folds|PATH",
        help="the learned reader: the shipped one, none (the rules alone), each article read "
        "by the fold model trained without it (/tmp/reader-fold{0,1}.onnx from "
        "bench/train_reader.py), or an ONNX file",
    )


def report_path(out: Path | None, name: str, reader: str) -> Path:
    """``--out``, else ``results/NAME.md``, or ``NAME-reader.md`` for the cross-validated reader
    (``--reader folds``), so that its report never overwrites the rules'."""
    if out is not None:
        return out
    return RESULTS / (f"{name}-reader.md" if reader == "folds" else f"{name}.md")


def reader_for(spec: str) -> ReaderFor:
    """What ``--reader`` asks for, as a function of the article's title."""
    if spec in {"shipped", "off"}:
        return lambda title: spec == "shipped"
    if spec == "folds":
        paths = [Path(f"/tmp/reader-fold{k}.onnx") for k in (0, 1)]
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            raise SystemExit(f"no fold models: {missing} (bench/train_reader.py train --fold N)")
        models = [Reader.load(p) for p in paths]
        return lambda title: models[fold_of(title)]
    one = Reader.load(Path(spec))
    return lambda title: one


def load(kb: Newsroom, title: str, text: str) -> int:
    """Load ``text`` as one article; the article id (KnowledgeError propagates)."""
    return kb.load_text(text, title=title, published=PUBLISHED, fmt="txt").id


def run_articles(
    nlp: Language,
    articles: Sequence[SquadArticle],
    config: QAConfig = DEFAULT,
    reader: ReaderFor = lambda title: True,
) -> ModeResult:
    result = ModeResult("article", note="each article loaded whole into a fresh store")
    start = time.perf_counter()
    for art in articles:
        result.texts += 1
        with scratch_newsroom(nlp, prefix="squad-", config=config, reader=reader(art.title)) as kb:
            if not result.try_load(kb, art.display_title, art.text, art.title, art.questions):
                continue
            for q in art.questions:
                result.record(q, kb.answer(q.question))
    result.seconds = time.perf_counter() - start
    return result


def sample_paragraphs(
    articles: Sequence[SquadArticle], *, questions: int, seed: int
) -> list[SquadParagraph]:
    """Paragraphs in a seeded random order until about ``questions`` questions (0: all)."""
    paragraphs = [p for a in articles for p in a.paragraphs]
    if questions <= 0:
        return paragraphs
    rng = random.Random(seed)
    rng.shuffle(paragraphs)
    chosen: list[SquadParagraph] = []
    count = 0
    for p in paragraphs:
        if count >= questions:
            break
        chosen.append(p)
        count += len(p.questions)
    return chosen


def run_paragraphs(
    nlp: Language,
    articles: Sequence[SquadArticle],
    *,
    questions: int,
    seed: int,
    config: QAConfig = DEFAULT,
    reader: ReaderFor = lambda title: True,
) -> ModeResult:
    paragraphs = sample_paragraphs(articles, questions=questions, seed=seed)
    total = sum(len(a.paragraphs) for a in articles)
    sampled = "all" if questions <= 0 else f"a sample (seed {seed})"
    result = ModeResult(
        "paragraph",
        note=f"{sampled}: {len(paragraphs)} of {total} paragraphs, each alone in a fresh store",
    )
    start = time.perf_counter()
    for p in paragraphs:
        result.texts += 1
        with scratch_newsroom(nlp, prefix="squad-", config=config, reader=reader(p.article)) as kb:
            where = f"{p.article} #{p.index}"
            if not result.try_load(kb, p.article.replace("_", " "), p.context, where, p.questions):
                continue
            for q in p.questions:
                result.record(q, kb.answer(q.question))
    result.seconds = time.perf_counter() - start
    return result


# --- the report --------------------------------------------------------------------------------


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def report(
    results: Sequence[ModeResult], *, articles: int, model: str, reader: str = "shipped"
) -> str:
    head = ["mode", "questions", "EM", "F1", "hit@1", "answered"]
    out = [
        "# SQuAD v1.1 dev (DEV_ARTICLES only) through the engine",
        "",
        f"The engine at commit {git_revision()}; {articles} articles; spaCy pipeline `{model}`;"
        f" reader `{reader}` (`folds`: each article read by the model trained without it);"
        " percentages. EM / F1: SQuAD"
        " normalisation, max over the reference answers, a decline scores 0. hit@1: the"
        " engine's first fact (answered or not) contains a reference answer (normalised,"
        " whole words).",
        "",
        table(
            head,
            (
                row
                for r in results
                for row in (
                    [r.mode, *r.total.row()],
                    [f"{r.mode}, loaded texts only", *r.loaded.row()],
                )
            ),
        ),
        "",
    ]
    for r in results:
        refused = (
            f"{len(r.refused)} of {r.texts} texts refused by `load_text` and "
            f"{len(r.crashed)} failed with an unexpected error "
            f"({r.refused_questions} questions, scored as declined)"
        )
        out += [
            f"## {r.mode} mode",
            "",
            f"{r.note}; {refused}; {r.seconds:.0f} s.",
            "",
            table(
                ["question type", "questions", "EM", "F1", "hit@1", "answered"],
                ([t, *r.by_type[t].row()] for t in QUESTION_TYPES if r.by_type[t].n),
            ),
            "",
        ]
        for label, items in (("Refused", r.refused), ("Failed (engine errors)", r.crashed)):
            if items:
                out += [f"{label}:", "", *(f"- {x}" for x in items[:20]), ""]
                if len(items) > 20:
                    out += [f"- … and {len(items) - 20} more", ""]
    return "\n".join(out)


def write_report(text: str, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text + "\n", "utf-8")
    print(f"\n(written to {out})")


def span_policy(args: argparse.Namespace) -> SpanPolicy:
    """The span scorer's policy the command line asks for: the default's, with what it changes."""
    changes: dict[str, Any] = {}
    if args.span_margin is not None:
        changes["margin"] = args.span_margin
    if args.span_policy:
        changes["policy"] = args.span_policy
    if args.span_weights is not None:
        changes["weights"] = spans.load_weights(args.span_weights.read_text("utf-8"))
    if args.no_span_scorer:
        changes["use_scorer"] = False
    return dataclasses.replace(DEFAULT.spans, **changes)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=["paragraph", "article", "both"], default="both")
    parser.add_argument(
        "--limit-articles",
        type=int,
        default=0,
        metavar="N",
        help="only the first N DEV_ARTICLES (0: all)",
    )
    parser.add_argument(
        "--sample-questions",
        type=int,
        default=0,
        metavar="N",
        help="paragraph mode: a seeded sample of paragraphs with about N "
        "questions (default 0: every paragraph; all 32 articles take ~2 min)",
    )
    parser.add_argument("--seed", type=int, default=13, help="the sample's random seed")
    parser.add_argument("--model", default=DEFAULT_MODEL, help="the spaCy pipeline package")
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="the report (default: results/squad-reader.md for --reader folds, else squad.md)",
    )
    parser.add_argument(
        "--fold",
        type=int,
        choices=[0, 1],
        default=None,
        help="only the DEV_ARTICLES in even (0) or odd (1) places: bench/train_spans.py's folds",
    )
    parser.add_argument(
        "--span-weights", type=Path, default=None, help="the span scorer's weights (a JSON file)"
    )
    parser.add_argument(
        "--no-span-scorer", action="store_true", help="the rules alone (SpanPolicy.use_scorer off)"
    )
    parser.add_argument(
        "--span-policy",
        choices=sorted(spans.REPLACES),
        default=None,
        help="which rule answers the span scorer replaces (default: SpanPolicy.policy)",
    )
    parser.add_argument(
        "--span-margin",
        type=float,
        default=None,
        help="SpanPolicy.margin: how much the scorer must prefer its span to the rules' phrase",
    )
    add_reader_option(parser)
    args = parser.parse_args(argv)
    args.out = report_path(args.out, "squad", args.reader)
    if shared_missing():
        return 0
    config = dataclasses.replace(DEFAULT, spans=span_policy(args))
    readers = reader_for(args.reader)
    articles = load_dev_articles()
    if args.fold is not None:
        articles = [a for k, a in enumerate(articles) if k % 2 == args.fold]
    if args.limit_articles > 0:
        articles = articles[: args.limit_articles]
    nlp = load_pipeline(args.model)
    results = []
    if args.mode in {"paragraph", "both"}:
        results.append(
            run_paragraphs(
                nlp,
                articles,
                questions=args.sample_questions,
                seed=args.seed,
                config=config,
                reader=readers,
            )
        )
    if args.mode in {"article", "both"}:
        results.append(run_articles(nlp, articles, config, readers))
    text = report(results, articles=len(articles), model=args.model, reader=args.reader)
    print(text)
    write_report(text, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
