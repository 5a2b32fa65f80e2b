"""Near-duplicate threshold, measured on the BBC News articles (read from ../shared at run time).

Negatives: every pair of different articles in the same category (the hard case: same subject,
often the same story days apart). Positives: copies of each article as syndication makes them —
a byline and trailer added and the last paragraph cut; the first half only (an excerpt); one word
in ten replaced; paragraphs shuffled with a paragraph of another article added.

    .venv/bin/python bench/duplicates.py            # all 2,127 distinct articles
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from knowledge.ingest.dedupe import (  # noqa: E402
    THRESHOLD,
    band_keys,
    containment,
    shingles,
    signature,
)

BBC = ROOT.parent / "shared" / "corpus" / "bbc"
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def read_corpus(limit: int | None) -> dict[str, list[str]]:
    seen: set[str] = set()
    docs: dict[str, list[str]] = {}
    for path in sorted(BBC.glob("*/*.txt")):
        text = path.read_bytes().decode("utf-8", errors="replace")
        digest = hashlib.sha256(text.encode()).hexdigest()
        if digest in seen:
            continue  # the corpus's exact duplicates: the content hash refuses those
        seen.add(digest)
        paragraphs = [p.strip() for p in text.split("\n") if p.strip()][1:]  # no headline
        if len(paragraphs) >= 3:
            docs[f"{path.parent.name}/{path.name}"] = paragraphs
    if limit:
        docs = dict(list(docs.items())[:limit])
    return docs


def variants(paragraphs: list[str], other: list[str], rng: random.Random) -> dict[str, str]:
    words = " ".join(paragraphs).split()
    edited = [
        rng.choice(["the", "new", "said", "also"]) if rng.random() < 0.1 else w for w in words
    ]
    shuffled = [*paragraphs, other[0]]
    rng.shuffle(shuffled)
    return {
        "syndicated": "By Staff Reporter\n"
        + "\n".join(p.replace('"', "“") for p in paragraphs[:-1])
        + "\nThis story first appeared elsewhere.",
        "excerpt (first half of the words)": " ".join(words[: len(words) // 2]),
        "1 word in 10 changed": " ".join(edited),
        "shuffled + 1 foreign paragraph": "\n".join(shuffled),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, help="only the first N articles")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "duplicates.md")
    args = parser.parse_args()
    if not BBC.exists():
        print(f"skipped: {BBC} is not here (it comes with the team's checkout)")
        return
    docs = read_corpus(args.limit)
    names = list(docs)
    sets = {n: shingles("\n".join(p)) for n, p in docs.items()}
    bands = {n: set(band_keys(signature(s))) for n, s in sets.items()}

    negatives: list[float] = []  # each article's closest other article in its category
    pairs: list[float] = []  # every same-category pair above 0.2
    for i, n in enumerate(names):
        cat = n.split("/")[0]
        scores = [
            (containment(sets[n], sets[m]), j)
            for j, m in enumerate(names)
            if m != n and m.startswith(cat)
        ]
        negatives.append(max((c for c, _ in scores), default=0.0))
        pairs.extend(c for c, j in scores if j > i and c >= 0.2)

    rng = random.Random(7)
    positives: dict[str, list[float]] = {}
    lsh_hits: dict[str, int] = {}
    caught: dict[str, int] = {}  # found by the store's lookup: a shared band, then the threshold
    for i, n in enumerate(names):
        other = docs[names[(i + 1) % len(names)]]
        for kind, text in variants(docs[n], other, rng).items():
            sh = shingles(text)
            positives.setdefault(kind, []).append(containment(sh, sets[n]))
            hit = bool(bands[n] & set(band_keys(signature(sh))))
            lsh_hits[kind] = lsh_hits.get(kind, 0) + hit
            caught[kind] = caught.get(kind, 0) + (hit and containment(sh, sets[n]) >= THRESHOLD)

    lines = [
        "# Near-duplicate threshold (BBC News, same-category pairs)",
        "",
        f"Command: `.venv/bin/python bench/duplicates.py`; {len(names)} distinct articles.",
        "",
        "Containment of word 5-gram shingles (the share of the shorter text found in the other).",
        "",
        "| threshold | false duplicates (articles whose closest different article passes) |"
        + "".join(f" {k} |" for k in positives),
        "|---|---|" + "---|" * len(positives),
    ]
    for t in THRESHOLDS:
        fp = sum(v >= t for v in negatives)
        row = f"| {t} | {fp} ({fp / len(negatives):.2%}) |"
        row += "".join(
            f" {sum(v >= t for v in vs) / len(vs):.1%} found |" for vs in positives.values()
        )
        lines.append(row)
    ordered = sorted(negatives)
    lines += [
        "",
        f"Closest different article: max {ordered[-1]:.3f}, 99.9th pct "
        f"{ordered[int(0.999 * (len(ordered) - 1))]:.3f}, "
        f"99th {ordered[int(0.99 * (len(ordered) - 1))]:.3f}, "
        f"median {ordered[len(ordered) // 2]:.3f}.",
        "",
        "Same-category pairs by containment (read them: at 0.95 and above the corpus's own near",
        "copies; 0.6–0.95 rewritten updates of one story; below 0.6 different stories that share",
        "background paragraphs):",
        "",
        "| containment | pairs |",
        "|---|---|",
        *(
            f"| {lo:.2f}–{hi:.2f} | {sum(lo <= c < hi for c in pairs)} |"
            for lo, hi in ((0.2, 0.4), (0.4, 0.6), (0.6, 0.95), (0.95, 1.01))
        ),
        "",
        f"| copy | lowest containment | shares a band (LSH) | refused at {THRESHOLD} |",
        "|---|---|---|---|",
    ]
    for kind, vs in positives.items():
        lines.append(
            f"| {kind} | {min(vs):.3f} | {lsh_hits[kind] / len(vs):.1%} "
            f"| {caught[kind] / len(vs):.1%} |"
        )
    report = "\n".join(lines) + "\n"
    args.out.write_text(report)
    print(report)


if __name__ == "__main__":
    main()
