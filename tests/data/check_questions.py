"""Check a question set (JSON lines) against the corpus articles it names.

Run: python tests/data/check_questions.py FILE.jsonl [CORPUS]
(CORPUS defaults to ../shared/corpus)

For every line: the required fields and their types, a unique id, the article exists, every
support fragment occurs in the article (whitespace collapsed, characters otherwise exact), every
answer occurs in at least one support fragment (case-insensitive) and in the article, and
unanswerable lines (tagged "unanswerable" or with no answers) have empty answers and support.
Prints the problems and the counts; exits 1 on any problem.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

FIELDS: dict[str, type] = {
    "id": str,
    "q": str,
    "answers": list,
    "support": list,
    "tags": list,
    "article": str,
}
MAX_SUPPORT_WORDS = 20


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _article_text(corpus: Path, rel: str) -> str | None:
    path = corpus / rel
    if not path.is_file():
        return None
    return _squash(path.read_bytes().decode("utf-8", errors="replace"))


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _check_line(row: dict, corpus: Path, cache: dict[str, str | None]) -> list[str]:
    where = f"{row.get('id', '?')}"
    problems = []
    for name, kind in FIELDS.items():
        if not isinstance(row.get(name), kind):
            problems.append(f"{where}: field {name!r} missing or not {kind.__name__}")
    if problems:
        return problems
    for name in ("answers", "support", "tags"):
        if not all(isinstance(item, str) and item.strip() for item in row[name]):
            problems.append(f"{where}: {name} must hold non-empty strings")
    if not row["q"].strip():
        problems.append(f"{where}: empty question")
    if problems:
        return problems
    rel = row["article"]
    if rel not in cache:
        cache[rel] = _article_text(corpus, rel)
    text = cache[rel]
    if text is None:
        return [f"{where}: article {rel} not found under {corpus}"]
    answers, support = row["answers"], row["support"]
    if "unanswerable" in row["tags"] or not answers:
        if answers or support:
            problems.append(f"{where}: unanswerable but has answers or support")
        if "unanswerable" not in row["tags"]:
            problems.append(f"{where}: no answers but not tagged unanswerable")
        return problems
    if not 1 <= len(support) <= 2:
        problems.append(f"{where}: needs 1-2 support fragments, has {len(support)}")
    for frag in support:
        if _squash(frag) not in text:
            problems.append(f"{where}: support not in article: {frag!r}")
        if len(frag.split()) > MAX_SUPPORT_WORDS:
            problems.append(f"{where}: support over {MAX_SUPPORT_WORDS} words: {frag!r}")
    for answer in answers:
        if _squash(answer) not in text:
            problems.append(f"{where}: answer not in article: {answer!r}")
        if not any(_squash(answer).lower() in _squash(frag).lower() for frag in support):
            problems.append(f"{where}: answer not in any support fragment: {answer!r}")
    return problems


def check(path: Path, corpus: Path) -> list[str]:
    """Every problem found in the question set at path; empty when it is clean."""
    problems: list[str] = []
    try:
        rows = load(path)
    except (OSError, ValueError) as exc:
        return [f"{path}: cannot read: {exc}"]
    seen: set[str] = set()
    cache: dict[str, str | None] = {}
    for number, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            problems.append(f"line {number}: not an object")
            continue
        qid = row.get("id")
        if qid in seen:
            problems.append(f"line {number}: duplicate id {qid!r}")
        seen.add(qid)
        problems.extend(_check_line(row, corpus, cache))
    return problems


def counts(path: Path) -> dict[str, int]:
    rows = load(path)
    return {
        "questions": len(rows),
        "articles": len({row.get("article") for row in rows}),
        "unanswerable": sum(1 for row in rows if not row.get("answers")),
    }


def _say(line: str) -> None:
    sys.stdout.write(f"{line}\n")


def main() -> int:
    if len(sys.argv) < 2:
        _say(__doc__)
        return 2
    path = Path(sys.argv[1])
    default = Path(__file__).resolve().parents[3] / "shared" / "corpus"
    corpus = Path(sys.argv[2]) if len(sys.argv) > 2 else default
    problems = check(path, corpus)
    for problem in problems:
        _say(problem)
    if path.is_file() and not any("cannot read" in p for p in problems):
        summary = counts(path)
        _say(", ".join(f"{value} {name}" for name, value in summary.items()))
    _say(f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
