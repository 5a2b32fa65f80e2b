"""How close a fact's meaning is to a question's, beyond shared words: the cosine of sentence
embeddings, a feature of the reading order (``rank.order_features``).

The encoder is all-MiniLM-L6-v2 tuned for the reading order on the questions written about BBC
news (``bench/tune_encoder.py``; ``bench/ship_encoder.py`` reproduces ``knowledge/data/
encoder.onnx``), shipped as int8 ONNX and run by onnxruntime: the mean of its last layer over a
text's tokens, unit length. Contextual, so "died" meets "killed" and "vote" meets "ballot" as
the sentence uses them.

A fact's embedding is made once, when it is stored (``Fact.vector``, int8: ``pack``; a store from
before, or facts stored by a process without the embeddings, are embedded when a newsroom with
them opens it), so a question costs one encoder pass, its own. Facts without a stored vector
are embedded when they first become candidates and kept (least recently used first out).
Vectors are only compared with those of the same model: ``Embedder.name`` identifies it, and a
store whose vectors another model made is embedded again (``newsroom.loading.fill_vectors``).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, TypeGuard

import numpy as np

from knowledge.qa.reader import cpu_session, load_tokenizer

log = logging.getLogger(__name__)
DATA = Path(__file__).resolve().parent.parent / "data"
ENCODER_FILE = DATA / "encoder.onnx"
TOKENIZER_FILE = DATA / "reader-tokenizer.json"  # the reader's: both are MiniLM's vocabulary
MAX_TOKENS = 128
CACHED_FACTS = 10_000  # about 15 MB (384 float32 each): only facts stored without a vector
# How a vector is stored: its largest component's scale (float32), then int8 components. A
# quarter of float32, half of float16 (66 MB, not 132, at 10,000 articles); a cosine moves by
# about 1e-3, far below what orders candidates.
VECTOR_FORMAT = "int8"
SCALE_BYTES = np.dtype(np.float32).itemsize  # the scale before the components


def pack(vectors: np.ndarray) -> list[bytes]:
    """Vectors (one row each) as a fact stores them."""
    m = np.asarray(vectors, dtype=np.float32)
    scales = np.maximum(np.abs(m).max(axis=1, initial=0.0), 1e-12) / 127
    q = np.rint(m / scales[:, None]).astype(np.int8)
    return [
        s.tobytes() + row.tobytes() for s, row in zip(scales.astype(np.float32), q, strict=True)
    ]


def unpack(blobs: Sequence[bytes]) -> np.ndarray:
    """Stored vectors (``pack``'s, all of one size) as float32 rows."""
    if not blobs:
        return np.zeros((0, 0), dtype=np.float32)
    raw = np.frombuffer(b"".join(blobs), dtype=np.uint8).reshape(len(blobs), -1)
    scales = raw[:, :SCALE_BYTES].copy().view(np.float32)
    return raw[:, SCALE_BYTES:].view(np.int8).astype(np.float32) * scales


class Model(Protocol):
    """What makes the vectors: unit vectors, one row per text."""

    @property
    def dim(self) -> int: ...

    def encode(self, texts: list[str], /) -> Any: ...


def file_digest(path: Path) -> str:
    """A short digest of a weights file: the name its vectors are stored under."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:16]


class OnnxEncoder:
    """A MiniLM sentence encoder as int8 ONNX (``bench/ship_encoder.py`` makes it): mean
    of the last layer over the text's tokens, unit length, as all-MiniLM-L6-v2 is used."""

    def __init__(self, session: Any, tokenizer: Any) -> None:
        self._session = session
        self._tokenizer = tokenizer
        self.dim = int(session.get_outputs()[0].shape[-1])

    @classmethod
    def load(cls, path: Path, tokenizer: Path, threads: int = 1) -> OnnxEncoder:
        # The reader's tokenizer as it loads it (unpadded: the file pads every text to 128
        # tokens, which the mean would count), cut at MAX_TOKENS.
        tok = load_tokenizer(tokenizer)
        tok.enable_truncation(MAX_TOKENS)
        # One thread: a text is a few dozen tokens, which two threads encode hardly faster
        # (2.0 against 2.2 ms a fact on 2 cores) for twice the CPU, and a pool's threads spin
        # after each pass, taking the cores the reader's passes run on next.
        return cls(cpu_session(path, threads=threads), tok)

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        # One text a pass: int8 ONNX quantizes activations over the whole input, so a text's
        # vector would otherwise depend on the texts batched with it (and padding costs as
        # much as the tokens it pads).
        for row, encoding in enumerate(self._tokenizer.encode_batch(texts)):
            ids = np.array([encoding.ids], dtype=np.int64)
            (hidden,) = self._session.run(
                None,
                {
                    "input_ids": ids,
                    "token_type_ids": np.zeros_like(ids),
                    "attention_mask": np.ones_like(ids),
                },
            )
            mean = hidden[0].mean(0)
            out[row] = mean / np.linalg.norm(mean)
        return out


class Embedder:
    """Cosines between a question and facts; thread-safe (one is shared by a process's
    newsrooms). ``name`` identifies the stored vectors: those of one model, in one format."""

    def __init__(self, model: Model, cached: int = CACHED_FACTS, *, name: str = "") -> None:
        self._model = model
        self._cached = cached
        self.name = name or f"unnamed-{id(model):x}"  # never matches a store's
        self.dim = int(model.dim)
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()  # least recent first
        self._lock = threading.Lock()

    @classmethod
    def load(cls, path: Path) -> Embedder:
        """Static vectors (Model2Vec's format; the benchmarks' ``bench/tune_embeddings.py``
        makes them, and they were shipped until the encoder was): needs ``model2vec``, of the
        ``train`` group."""
        from model2vec import StaticModel

        model = StaticModel.from_pretrained(str(path))
        # Stored as float16 (half the file); averaged in float32, which numpy does twice as fast.
        model.embedding = np.asarray(model.embedding, dtype=np.float32)
        digest = file_digest(path / "model.safetensors")
        return cls(model, name=f"static:{digest}/{VECTOR_FORMAT}")

    @classmethod
    def load_encoder(cls, path: Path = ENCODER_FILE, tokenizer: Path = TOKENIZER_FILE) -> Embedder:
        """The MiniLM encoder as int8 ONNX; its vectors are stored under its file's digest."""
        name = f"minilm:{file_digest(path)}/{VECTOR_FORMAT}"
        return cls(OnnxEncoder.load(path, tokenizer), name=name)

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors, one float32 row per text (none for none)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(self._model.encode(list(texts)), dtype=np.float32)

    def stored(self, texts: Sequence[str]) -> list[bytes]:
        """The vectors of ``texts`` as a fact stores them (``pack``)."""
        return pack(self.vectors(texts))

    def similarities(
        self,
        question: str,
        texts: Sequence[str],
        stored: Sequence[bytes | None] | None = None,
        asked: np.ndarray | None = None,
    ) -> list[float]:
        """The cosine of the question with each text, in order (-1..1). ``stored``: the texts'
        vectors where they are stored (``stored``'s bytes; None or a wrong size: made here);
        ``asked``: the question's vector where the caller has made it already."""
        if not texts:
            return []
        blobs = stored if stored is not None else [None] * len(texts)
        usable = [self._usable(b) for b in blobs]
        matrix = np.zeros((len(texts), self.dim), dtype=np.float32)
        if any(usable):
            matrix[usable] = unpack([b for b, ok in zip(blobs, usable, strict=True) if ok and b])
        # outside the lock: it only guards the cache
        q = self.vectors([question])[0] if asked is None else asked
        missing = [t for t, ok in zip(texts, usable, strict=True) if not ok]
        if missing:
            with self._lock:
                made = self._cached_vectors(missing)
            for row, (text, ok) in enumerate(zip(texts, usable, strict=True)):
                if not ok:
                    matrix[row] = made[text]
        return [float(c) for c in matrix @ q]

    def closest(self, asked: np.ndarray, stored: Sequence[bytes | None], k: int) -> list[int]:
        """The places in ``stored`` of the ``k`` vectors closest to ``asked``, closest first
        (ties by place); those not stored, or of another size, are left out."""
        usable = [(i, b) for i, b in enumerate(stored) if self._usable(b)]
        if not usable or k <= 0:
            return []
        cosines = unpack([b for _, b in usable]) @ asked
        ranked = sorted(range(len(usable)), key=lambda j: (-float(cosines[j]), j))
        return [usable[j][0] for j in ranked[:k]]

    def _usable(self, blob: bytes | None) -> TypeGuard[bytes]:
        """Whether ``blob`` is a vector this model stored (``pack``'s bytes, of its size)."""
        return blob is not None and len(blob) == SCALE_BYTES + self.dim

    def _cached_vectors(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """The vectors of texts not stored, from the cache or made now (the lock is held)."""
        new = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        for text, vector in zip(new, self.vectors(new), strict=True):
            self._vectors[text] = vector
        out = {}
        for text in texts:
            self._vectors.move_to_end(text)
            out[text] = self._vectors[text]
        while len(self._vectors) > self._cached:  # after reading: a question may pass the bound
            self._vectors.popitem(last=False)
        return out


@functools.cache
def shipped_embedder() -> Embedder | None:
    """The encoder shipped with the package, loaded once per process; None where it is absent
    (a build without it: the reading order then has no meaning feature)."""
    if ENCODER_FILE.exists() and TOKENIZER_FILE.exists():
        return Embedder.load_encoder()
    log.warning("the embeddings are not installed (%s)", ENCODER_FILE)
    return None
