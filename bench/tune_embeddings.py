"""Tune the static embeddings (shipped as ``knowledge/data/embeddings`` until 7 December 2026,
when the tuned MiniLM encoder took their place: ``ship_encoder.py``) for the reading order: the
cosine of a question's vector with the vector of a fact that answers it should beat its cosine
with the other candidates the first stage found for it.

    PYTHONPATH=.:bench .venv/bin/python bench/tune_embeddings.py           # CV, then all (~4 min)
    PYTHONPATH=.:bench .venv/bin/python bench/tune_embeddings.py --cv-only  # CV only

Data: ``bench/dense_order.py``'s rows (run it first: its cache holds the written news questions,
each fold's candidates, which hold a support fragment, and each fold's fact texts). Model: the
distilled vectors (``bench/distill_embeddings.py``; a text is the mean of its tokens' rows, as
Model2Vec encodes it) times one learned 256 × 256 map (``--mode linear``, from the identity;
other modes tune each token's row or a scale per token), baked into the shipped matrix, so
nothing changes at run time. Loss: per question, the listwise softmax over its candidates'
cosines (temperature ``--temperature``) of the right ones: the first stage's candidates are the
hard negatives, sharing words with the question. Needs the ``train`` group (PyTorch).

Cross-validated by fold of articles as ``fit_ranker.py``: for each fold held out, the vectors
are tuned on the other fold's questions and the reading order fitted there, on cosines out of
sample (``cross_fitted``: vectors tuned on the same questions rate their right facts far better
than new ones', and an order fitted on those would trust the cosine too much), then scored on
the held fold (hit@1/3/5 of a right fact). Then tuned on both folds into ``--out`` (what was
shipped); each fold's (tuned on the other) go to ``--folds`` for ``fit_ranker.py --embedders``
and ``fit_reader.py --embedders``. Deterministic on one machine (the shipped file was
reproduced byte for byte there); another CPU may round the last bit of some entries
differently (same CV numbers).
Reported in ``bench/results/tuned-embeddings.md``.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from dense_order import Facts, Rows, cached_rows, cross_validated, with_cosines
from distill_embeddings import OUT as SOURCE
from fit_ranker import fit, hits
from revision import git_revision
from squad import RESULTS, shared_missing, table, write_report

from knowledge.qa.embedding import Embedder

SHIPPED = Path("/tmp/tuned-static")  # tuned on both folds (no longer shipped)


def distilled() -> Path:
    """The untuned distilled vectors: made once into ``SOURCE`` (``distill_embeddings.py``, about
    20 s)."""
    if not (SOURCE / "model.safetensors").exists():
        import distill_embeddings

        distill_embeddings.main(["--out", str(SOURCE)])
    return SOURCE


class Tuner:
    """The matrix and the tokenizer of a Model2Vec model, with a torch training loop."""

    def __init__(self, path: Path) -> None:
        from model2vec import StaticModel

        self.model = StaticModel.from_pretrained(str(path))
        self.base = np.asarray(self.model.embedding, dtype=np.float32)
        self._tokens: dict[str, list[int]] = {}

    def tokens(self, texts: Sequence[str]) -> list[list[int]]:
        todo = [t for t in dict.fromkeys(texts) if t not in self._tokens]
        for t, ids in zip(todo, self.model.tokenize(todo) if todo else (), strict=True):
            self._tokens[t] = ids or [0]  # [PAD]'s row for an empty text (none is, in the rows)
        return [self._tokens[t] for t in texts]

    def tune(
        self,
        rows: Rows,
        facts: Facts,
        *,
        epochs: int,
        lr: float,
        l2: float,
        temperature: float,
        batch: int,
        seed: int,
        mode: str,
    ) -> np.ndarray:
        """The tuned matrix, from the distilled one, on ``rows`` (each with a right candidate).
        ``mode``: what is trained, each pulled back to where it starts by ``l2``: ``rows`` every
        token's vector; ``linear`` one map of the vector space (256 × 256, from the identity),
        which moves every token, seen or not; ``weights`` one scale per token (from 1: a learned
        idf); ``linear+weights`` both. All are baked into one matrix at the end."""
        import torch

        torch.manual_seed(seed)
        rng = np.random.default_rng(seed)
        base = torch.tensor(self.base)
        dim = base.shape[1]
        delta = torch.nn.Parameter(torch.zeros_like(base))
        lin = torch.nn.Parameter(torch.zeros(dim, dim))
        scale = torch.nn.Parameter(torch.zeros(base.shape[0], 1))
        params = {
            "rows": [delta],
            "linear": [lin],
            "weights": [scale],
            "linear+weights": [lin, scale],
        }[mode]

        def matrix(rows: Any = slice(None)) -> Any:
            return ((base[rows] + delta[rows]) * (1 + scale[rows])) @ (torch.eye(dim) + lin)

        optimiser = torch.optim.Adam(params, lr=lr)
        qs = [r for r in rows if any(r["y"]) and not all(r["y"])]
        for _ in range(epochs):
            order = rng.permutation(len(qs))
            for start in range(0, len(qs), batch):
                chunk = [qs[i] for i in order[start : start + batch]]
                loss = self._batch_loss(matrix, chunk, facts, temperature)
                drift = sum((p**2).sum() for p in params)
                optimiser.zero_grad()
                (loss + l2 * drift).backward()
                optimiser.step()
        with torch.no_grad():
            return matrix().numpy().astype(np.float32)

    def _batch_loss(
        self, matrix: Callable[[Any], Any], chunk: Rows, facts: Facts, temperature: float
    ) -> Any:
        import torch

        texts = [r["q"] for r in chunk]
        for r in chunk:
            table_ = facts[str(r["fold"])]
            texts.extend(table_[str(i)][0] for i in r["ids"])
        unique = list(dict.fromkeys(texts))
        where = {t: k for k, t in enumerate(unique)}
        ids = self.tokens(unique)
        # Only the batch's tokens' rows are computed (the map would cost 2 GFLOP on them all).
        used, flat = np.unique(np.array([i for t in ids for i in t]), return_inverse=True)
        offsets = torch.tensor(np.cumsum([0] + [len(t) for t in ids[:-1]]))
        vectors = torch.nn.functional.embedding_bag(
            torch.tensor(flat), matrix(torch.tensor(used)), offsets, mode="mean"
        )
        vectors = torch.nn.functional.normalize(vectors, dim=1)
        losses = []
        for r in chunk:
            table_ = facts[str(r["fold"])]
            cands = torch.tensor([where[table_[str(i)][0]] for i in r["ids"]])
            logits = vectors[cands] @ vectors[where[r["q"]]] / temperature
            right = torch.tensor(r["y"], dtype=torch.bool)
            losses.append(
                torch.logsumexp(logits, 0) - torch.logsumexp(logits.masked_fill(~right, -1e9), 0)
            )
        return torch.stack(losses).mean()

    def save(self, matrix: np.ndarray, out: Path, source: Path) -> None:
        """The tuned matrix as float16 in ``out``, with ``source``'s tokenizer and config."""
        from safetensors.numpy import save_file

        out.mkdir(parents=True, exist_ok=True)
        for name in ("config.json", "tokenizer.json"):
            if source.resolve() != out.resolve():
                shutil.copy(source / name, out / name)
        save_file({"embeddings": matrix.astype(np.float16)}, str(out / "model.safetensors"))

    def encoder(self, matrix: np.ndarray) -> Callable[[Sequence[str]], np.ndarray]:
        """Unit vectors of texts under ``matrix``: ``Embedder.vectors`` (Model2Vec's encoding,
        as the engine's) of this model with ``matrix`` for its rows."""
        model = copy.copy(self.model)  # the tokenizer and config shared; the rows its own
        model.embedding = matrix
        return Embedder(model).vectors


SETTINGS = ("epochs", "lr", "l2", "temperature", "batch", "seed", "mode")


def half(article: str) -> int:
    """A second split of the articles, independent of ``news_fold`` (the next bit of its hash)."""
    return int(hashlib.sha1(article.encode("utf-8")).hexdigest(), 16) // 2 % 2


def cross_fitted(tuner: Tuner, rows: Rows, facts: Facts, settings: dict[str, Any]) -> Rows:
    """``rows`` with cosines out of sample: each half's (``half``) from the vectors tuned on the
    other half. The reading order is fitted on these: with the cosines of vectors tuned on the
    same questions (far better there than on new ones) it would trust them too much."""
    out = []
    for h in (0, 1):
        matrix = tuner.tune([r for r in rows if half(r["article"]) != h], facts, **settings)
        mine = [r for r in rows if half(r["article"]) == h]
        out.extend(with_cosines(mine, facts, tuner.encoder(matrix)))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cv-only", action="store_true", help="report the CV; ship nothing")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--l2", type=float, default=0.0, help="pull back to the distilled vectors")
    ap.add_argument("--temperature", type=float, default=0.05)
    ap.add_argument("--batch", type=int, default=32, help="questions per step")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--mode", default="linear", choices=["rows", "linear", "weights", "linear+weights"]
    )
    ap.add_argument("--out", type=Path, default=SHIPPED)
    ap.add_argument("--folds", type=Path, default=Path("/tmp/tuned-embeddings"))
    ap.add_argument("--report", type=Path, default=RESULTS / "tuned-embeddings.md")
    args = ap.parse_args(argv)
    if shared_missing():
        return 0
    if (cached := cached_rows()) is None:
        return 1
    rows, facts = cached
    source = distilled()
    tuner = Tuner(source)
    settings = {k: getattr(args, k) for k in SETTINGS}
    started = time.perf_counter()
    lines = [["distilled", *cross_validated(with_cosines(rows, facts, tuner.encoder(tuner.base)))]]
    cells = []
    without: dict[int, np.ndarray] = {}  # each fold's vectors, tuned on the other fold
    for held in (0, 1):
        train = [r for r in rows if r["fold"] != held]
        fitted = cross_fitted(tuner, train, facts, settings)
        w = fit(fitted)
        matrix = without[held] = tuner.tune(train, facts, **settings)
        test = with_cosines([r for r in rows if r["fold"] == held], facts, tuner.encoder(matrix))
        found = hits(test, lambda r, w=w: np.array(r["x"]) @ w)
        cells.append(" / ".join(f"{100 * h:.1f}" for h in found))
        print(f"held-out fold {held}: {cells[-1]}", flush=True)
    lines.append(["tuned on the other fold", *cells])
    cv_seconds = time.perf_counter() - started
    shipped = ""
    if not args.cv_only:
        for fold, matrix in without.items():  # for fit_ranker.py --embedders: out of fold
            tuner.save(matrix, args.folds / f"fold{fold}", source)
        matrix = tuner.tune(rows, facts, **settings)
        tuner.save(matrix, args.out, source)
        shipped = (
            f" Shipped: tuned on both folds into `{args.out.name}`; each fold's (tuned on the "
            f"other) in `{args.folds}` for `fit_ranker.py --embedders`."
        )
    report = "\n".join(
        [
            "# Static embeddings tuned for the reading order (bench/tune_embeddings.py)",
            "",
            f"Commit {git_revision()}; {len(rows)} answerable written questions "
            f"(`bench/dense_order.py`'s rows); settings {json.dumps(settings)}; "
            f"{cv_seconds:.0f} s for the CV.{shipped}",
            "",
            "Cross-validated by fold of articles: for each held-out fold, the vectors tuned and "
            "the reading order fitted on the other fold; hit@1 / hit@3 / hit@5 of the right fact "
            "(the cosine of the raw question text).",
            "",
            table(["embeddings", "fold 0", "fold 1"], lines),
        ]
    )
    write_report(report, args.report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
