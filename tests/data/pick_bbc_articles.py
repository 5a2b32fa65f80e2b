"""Pick the BBC articles for the frozen and working question sets, reproducibly.

Run: python tests/data/pick_bbc_articles.py [CORPUS]   (CORPUS defaults to ../shared/corpus)

All bbc/<category>/NNN.txt files, sorted; exact-duplicate bodies dropped (the first of each
group is kept); the six files already used by other sets dropped; then the whole list is
shuffled once with random.Random(20261201) and walked in that order: the first 2 articles of
each category go to the FROZEN set, the next 2 to the WORKING set. Articles whose body (all
lines after the headline) has under 250 or over 900 words are skipped.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

SEED = 20261201
PER_SET = 2
MIN_WORDS, MAX_WORDS = 250, 900
CATEGORIES = ("business", "entertainment", "politics", "sport", "tech")
USED = {
    "business/010.txt",
    "entertainment/020.txt",
    "politics/030.txt",
    "sport/020.txt",
    "tech/010.txt",
    "tech/030.txt",
}


def body(path: Path) -> str:
    text = path.read_bytes().decode("utf-8", errors="replace")
    return text.split("\n", 1)[1] if "\n" in text else ""


def pick(corpus: Path) -> tuple[list[str], list[str]]:
    bbc = corpus / "bbc"
    files = sorted(p.relative_to(bbc).as_posix() for p in bbc.glob("*/*.txt"))
    seen: set[bytes] = set()
    unique: list[str] = []
    for rel in files:
        text = (bbc / rel).read_bytes()
        key = text.split(b"\n", 1)[1] if b"\n" in text else b""
        if key in seen:
            continue
        seen.add(key)
        unique.append(rel)
    candidates = [rel for rel in unique if rel not in USED]
    random.Random(SEED).shuffle(candidates)
    frozen: list[str] = []
    working: list[str] = []
    taken = dict.fromkeys(CATEGORIES, 0)
    for rel in candidates:
        cat = rel.split("/")[0]
        if taken[cat] >= 2 * PER_SET:
            continue
        words = len(body(bbc / rel).split())
        if not MIN_WORDS <= words <= MAX_WORDS:
            continue
        (frozen if taken[cat] < PER_SET else working).append(f"bbc/{rel}")
        taken[cat] += 1
    return sorted(frozen), sorted(working)


def _say(line: str) -> None:
    sys.stdout.write(f"{line}\n")


def main() -> None:
    default = Path(__file__).resolve().parents[3] / "shared" / "corpus"
    corpus = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    frozen, working = pick(corpus)
    _say("FROZEN")
    for rel in frozen:
        _say(rel)
    _say("WORKING")
    for rel in working:
        _say(rel)


if __name__ == "__main__":
    main()
