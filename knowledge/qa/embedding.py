"""How close a fact's meaning is to a question's, beyond shared words: the cosine of static
sentence embeddings, a feature of the reading order (``rank.order_features``).

The embeddings are all-MiniLM-L6-v2's, distilled by Model2Vec into one vector per token
(``bench/distill_embeddings.py``) and tuned for the reading order on the questions written about
BBC news (``bench/tune_embeddings.py``, which reproduces ``knowledge/data/embeddings``): a
sentence is the mean of its tokens' vectors, so "died" meets "killed" and "vote" meets
"ballot" without a neural pass per question. Facts are embedded when they first become
candidates and kept (least recently used first out), so nothing is stored with them and loading
an article costs nothing more.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)
MODEL_DIR = Path(__file__).resolve().parent.parent / "data" / "embeddings"
CACHED_FACTS = 50_000  # about 51 MB of vectors (256 float32 each)


class Embedder:
    """Cosines between a question and texts; thread-safe (one is shared by a process's
    newsrooms)."""

    def __init__(self, model: Any, cached: int = CACHED_FACTS) -> None:
        self._model = model
        self._cached = cached
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()  # least recent first
        self._lock = threading.Lock()

    @classmethod
    def load(cls, path: Path = MODEL_DIR) -> Embedder:
        from model2vec import StaticModel

        model = StaticModel.from_pretrained(str(path))
        # Stored as float16 (half the file); averaged in float32, which numpy does twice as fast.
        model.embedding = np.asarray(model.embedding, dtype=np.float32)
        return cls(model)

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors (Model2Vec normalises them), one row per text (none for none: Model2Vec
        itself refuses an empty list)."""
        if not texts:
            return np.zeros((0, self._model.dim), dtype=np.float32)
        return np.asarray(self._model.encode(list(texts)), dtype=np.float32)

    def similarities(self, question: str, texts: Sequence[str]) -> list[float]:
        """The cosine of the question with each text, in order (-1..1; 0 for an empty one)."""
        if not texts:
            return []
        with self._lock:
            return self._similarities(question, texts)

    def _similarities(self, question: str, texts: Sequence[str]) -> list[float]:
        missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        for text, vector in zip(missing, self.vectors(missing), strict=True):
            self._vectors[text] = vector
        q = self.vectors([question])[0]
        cosines = []
        for text in texts:
            self._vectors.move_to_end(text)
            cosines.append(float(self._vectors[text] @ q))
        while len(self._vectors) > self._cached:  # after reading: a question may pass the bound
            self._vectors.popitem(last=False)
        return cosines


@functools.cache
def shipped_embedder() -> Embedder | None:
    """The embeddings shipped with the package, loaded once per process; None where they are
    absent (a build without them: the reading order then has no meaning feature)."""
    if not (MODEL_DIR / "model.safetensors").exists():
        log.warning("the embeddings are not installed (%s)", MODEL_DIR)
        return None
    return Embedder.load()
