"""The learned extractive reader: for a question and a few short passages (the retriever's best
facts), the most likely answer span of each and a no-answer score.

The model is all-MiniLM-L6-v2 fine-tuned for extractive QA on the SQuAD DEV_ARTICLES
(``bench/train_reader.py`` reproduces it), shipped as an int8 ONNX file with its tokenizer and run
by onnxruntime: no PyTorch at run time. Like SQuAD 2.0 readers, it scores "no answer" at the
[CLS] token; ``Reading.margin`` (best span minus no-answer) is what says whether a passage
answers the question.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)
DATA = Path(__file__).resolve().parent.parent / "data"
MODEL_FILE = DATA / "reader.onnx"
TOKENIZER_FILE = DATA / "reader-tokenizer.json"
MAX_TOKENS = 128  # question and passage; a longer passage is cut (facts are sentences)
MAX_ANSWER_TOKENS = 24
CONTEXT_KEY = "reader_context"  # the model file's metadata: the context it reads facts with


@dataclass(frozen=True, slots=True)
class Passage:
    """A fact to read, with the sentences either side of it in its article. A reader trained
    with neighbours (``bench/train_reader.py --context``) sees them as context (token type 0,
    the question's) and answers from ``text`` alone (type 1); without them, ``text`` is read
    as it always was."""

    text: str
    before: str = ""
    after: str = ""


@dataclass(frozen=True, slots=True)
class Encoding:
    """A question and passage as the model takes them; ``offsets`` are characters of the
    passage's ``text`` for its tokens (type 1), meaningless for the others."""

    ids: list[int]
    type_ids: list[int]
    attention_mask: list[int]
    offsets: list[tuple[int, int]]


def passage_for(
    context: str, text: str, before: str = "", after: str = "", headline: str = ""
) -> Passage:
    """A sentence with the context ``context`` names: "none", the neighbours ("before" or
    "both"), or its article's ``headline`` (read where the sentence before would be)."""
    if context == "headline":
        return Passage(text, headline)
    return Passage(
        text,
        before if context in ("before", "both") else "",
        after if context == "both" else "",
    )


def cpu_session(model: Path, *, threads: int) -> Any:
    """An onnxruntime session on the CPU running each pass on ``threads`` threads (the reader
    and the reading order's encoder: MiniLM passes over a few dozen tokens)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])


def load_tokenizer(path: Path = TOKENIZER_FILE) -> Any:
    """The reader's tokenizer as ``encode`` takes it: no truncation (``encode`` cuts the parts
    itself) and no padding (the file pads to 128 tokens; a passage is read alone, unpadded)."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(path))
    tok.no_truncation()
    tok.no_padding()
    return tok


def encode(tok: Any, question: str, passage: str | Passage) -> Encoding:
    """The model's input for a question and a passage (``tok`` without truncation: the parts
    are cut here). A bare sentence, or a ``Passage`` without neighbours: [CLS] question [SEP]
    text [SEP], the text cut to ``MAX_TOKENS`` (the tokenizer's pair encoding with
    "only_second" truncation, token for token). With neighbours: [CLS] question [SEP] before
    text after [SEP], the text alone of type 1, the neighbours given what the question and
    text leave of ``MAX_TOKENS``, half each where both are long (the end of the sentence
    before, the start of the one after: the words nearest the text)."""
    if isinstance(passage, str):
        passage = Passage(passage)
    q = tok.encode(question, add_special_tokens=False)
    t = tok.encode(passage.text, add_special_tokens=False)
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    n_text = min(len(t.ids), max(0, MAX_TOKENS - 3 - len(q.ids)))
    none = (0, 0)
    if not (passage.before or passage.after):
        ids = [cls, *q.ids, sep, *t.ids[:n_text], sep]
        types = [0] * (len(q.ids) + 2) + [1] * (n_text + 1)
        offsets = [none, *q.offsets, none, *t.offsets[:n_text], none]
        return Encoding(ids, types, [1] * len(ids), offsets)
    b = tok.encode(passage.before, add_special_tokens=False) if passage.before else None
    a = tok.encode(passage.after, add_special_tokens=False) if passage.after else None
    b_ids, a_ids = (b.ids if b else []), (a.ids if a else [])
    room = max(0, MAX_TOKENS - 3 - len(q.ids) - n_text)
    n_before = min(len(b_ids), max(room // 2, room - len(a_ids)))
    n_after = min(len(a_ids), room - n_before)
    before = b_ids[len(b_ids) - n_before :]
    ids = [cls, *q.ids, sep, *before, *t.ids[:n_text], *a_ids[:n_after], sep]
    lead = len(q.ids) + 2 + n_before
    types = [0] * lead + [1] * n_text + [0] * (n_after + 1)
    offsets = [none] * lead + list(t.offsets[:n_text]) + [none] * (n_after + 1)
    return Encoding(ids, types, [1] * len(ids), offsets)


@dataclass(frozen=True, slots=True)
class Reading:
    """What the reader makes of one passage: its best span (character offsets into the passage)
    and the scores (logits) of that span and of "no answer"."""

    text: str
    start: int
    end: int
    score: float
    null: float

    @property
    def margin(self) -> float:
        """Above 0: the passage answers the question, by the reader's lights."""
        return self.score - self.null


class Reader:
    """An ONNX extractive reader. Thread-safe (onnxruntime sessions are)."""

    def __init__(
        self, session: Any, tokenizer: Any, workers: int = 1, context: str = "none"
    ) -> None:
        self._session = session
        self._tok = tokenizer
        self._workers = workers  # passes read side by side, each on one thread
        # The context the model was trained to read a fact with: "none", "before", "both" or
        # "headline"
        # (``CONTEXT_KEY`` in the file's metadata; ``passage`` builds what it reads).
        self.context = context

    @classmethod
    def load(
        cls,
        model: Path = MODEL_FILE,
        tokenizer: Path = TOKENIZER_FILE,
        *,
        threads: int | None = None,
    ) -> Reader:
        tok = load_tokenizer(tokenizer)
        # One thread a pass, and ``threads`` passes at once: a fact is a few dozen tokens, too
        # little work to split a pass's matrix products between two threads. Five facts on 2
        # cores (bench/README.md "The learned reader"): p50 22.8 ms a pass after another on 2
        # threads each, 18.4 on 1, 10.8 two passes at once on 1 each; the same readings.
        session = cpu_session(model, threads=1)
        context = session.get_modelmeta().custom_metadata_map.get(CONTEXT_KEY, "none")
        return cls(session, tok, workers=threads or min(2, os.cpu_count() or 1), context=context)

    def passage(self, text: str, before: str = "", after: str = "", headline: str = "") -> Passage:
        """A fact as this model reads it: with the context it was trained with, if any."""
        return passage_for(self.context, text, before, after, headline)

    def read(self, question: str, passages: Sequence[str | Passage]) -> list[Reading]:
        """One ``Reading`` per passage, in order, each from a model pass of its own.

        Not one batched pass: the int8 model quantises its activations with one scale per batch
        (padding included), so a passage read beside others was read differently from alone
        (margins apart by a standard deviation of 0.78, another span for 7 % of passages; "who
        set up a contact group?" of the seed article: "France" alone, a whole clause beside
        another fact). Alone, a passage's reading depends on the question and the passage only,
        and without padding five passes take no longer than one of five (bench/README.md).
        The passes run side by side on the reader's workers (onnxruntime releases the GIL)."""
        if self._workers < 2 or len(passages) < 2:
            return [self._read_one(question, p) for p in passages]
        pool = _pool(os.getpid(), self._workers)
        return list(pool.map(lambda p: self._read_one(question, p), passages))

    def _read_one(self, question: str, passage: str | Passage) -> Reading:
        enc = encode(self._tok, question, passage)
        starts, ends = self._session.run(
            None,
            {
                "input_ids": np.array([enc.ids], dtype=np.int64),
                "token_type_ids": np.array([enc.type_ids], dtype=np.int64),
                "attention_mask": np.array([enc.attention_mask], dtype=np.int64),
            },
        )
        text = passage if isinstance(passage, str) else passage.text
        return _best_span(text, enc, starts[0], ends[0])


@functools.cache
def _pool(pid: int, workers: int) -> ThreadPoolExecutor:
    """The threads the passages are read on, one pool per process. Keyed by the process id: a
    forked child inherits the parent's pool but not its threads, and would wait forever."""
    return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="reader")


def _best_span(passage: str, enc: Encoding, start: np.ndarray, end: np.ndarray) -> Reading:
    """The passage span with the highest start + end logit (end not before start, at most
    ``MAX_ANSWER_TOKENS`` long), widened to whole words."""
    null = float(start[0] + end[0])
    offsets = enc.offsets
    inside = [
        k
        for k, (t, m, (left, right)) in enumerate(
            zip(enc.type_ids, enc.attention_mask, offsets, strict=True)
        )
        if t == 1 and m == 1 and right > left
    ]
    if not inside:
        return Reading("", 0, 0, -np.inf, null)
    lo, hi = inside[0], inside[-1] + 1
    grid = start[lo:hi, None] + end[None, lo:hi]
    n = hi - lo
    band = np.triu(np.ones((n, n), dtype=bool)) & ~np.triu(
        np.ones((n, n), dtype=bool), MAX_ANSWER_TOKENS
    )
    grid = np.where(band, grid, -np.inf)
    s, e = np.unravel_index(int(np.argmax(grid)), grid.shape)
    a, b = _pairs_closed(passage, *_whole_words(passage, offsets[lo + s][0], offsets[lo + e][1]))
    return Reading(passage[a:b], a, b, float(grid[s, e]), null)


# What ends a word for ``_whole_words``: space and these. Any other character next to a span is
# part of its word, as the tokenizer split it off: "A$" of "A$68m" (Australian, not US, dollars),
# "%" of "3.5%", "&" of "AT&T".
_WORD_ENDS = frozenset(".,;:!?\"'()[]{}<>«»“”‘’-‐–—/…")


def _whole_words(text: str, a: int, b: int) -> tuple[int, int]:
    while a > 0 and _joined(text[a - 1], text[a]):
        a -= 1
    while b < len(text) and _joined(text[b - 1], text[b]):
        b += 1
    return a, b


# Marks that come in pairs, opening and closing: a straight quotation mark is either.
_PAIRS = (('"', '"'), ("“", "”"), ("(", ")"), ("[", "]"))


def _pairs_closed(text: str, a: int, b: int) -> tuple[int, int]:
    """The span with each quotation mark's or bracket's partner: a span stops at a word, and a
    quoted phrase's mark sits beside it, so the reader read 'a "temporary surprise', 'out the
    window"' and 'The (January to March' (1 % of the answers to the unseen written questions).
    The partner is taken in where it is the next character out, else the lone mark at the
    span's edge is dropped; a mark inside the span whose partner is further away stays."""
    for opening, closing in _PAIRS:
        span = text[a:b]
        if opening == closing:
            lone_open = lone_close = span.count(opening) % 2 == 1
        else:
            lone_open = span.count(opening) > span.count(closing)
            lone_close = span.count(closing) > span.count(opening)
        if lone_close and a > 0 and text[a - 1] == opening:
            a -= 1
        elif lone_open and b < len(text) and text[b] == closing:
            b += 1
        elif len(span) == 1:  # the mark alone: nothing to keep without it
            continue
        elif lone_close and span.endswith(closing):
            b -= 1
        elif lone_open and span.startswith(opening):
            a += 1
    return a, b


def _joined(left: str, right: str) -> bool:
    """Whether two neighbouring characters belong to one word: both letters or digits, or one
    of them a symbol written against the other ("A$68m", "3.5%")."""
    if left.isalnum() and right.isalnum():
        return True
    return not (left.isspace() or right.isspace() or left in _WORD_ENDS or right in _WORD_ENDS)


@functools.cache
def shipped_reader() -> Reader | None:
    """The reader shipped with the package, loaded once per process; None where its files are
    absent (a build without the weights)."""
    if not MODEL_FILE.exists() or not TOKENIZER_FILE.exists():
        log.warning("the reader's weights are not installed (%s): answering by rules", MODEL_FILE)
        return None
    return Reader.load()
