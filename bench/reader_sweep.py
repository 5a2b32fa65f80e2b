"""Reader variants side by side on a GPU: each is practised, trained on both folds and scored
on what its fold models never saw, all in one run (``train_reader.py``'s recipe, the data files
made beforehand on the CPU, since this machine has PyTorch but neither spaCy nor the corpus).

    python bench/reader_sweep.py --base DIR --data DIR --contexts none,before,both \\
        --ship before,both --out DIR

``--data`` holds ``train_reader.py``'s rows: ``examples.jsonl`` (SQuAD), ``news.jsonl`` (the
written questions the shipped reader trains on), ``cloze.jsonl`` (the practice) and
``unseen.jsonl`` (written questions no model here trains on), made with ``--neighbours``. For
each context (which neighbours the reader sees: ``train_reader.py --context``) the run practises
a model, trains fold 0 and fold 1 from it (each on the other fold's SQuAD articles and written
questions) and scores each fold model, in PyTorch on the GPU, on its held-out SQuAD rows, its
held-out written rows and all the unseen rows (``reader_training.summary``). With ``--ship``,
the contexts named are also trained on everything and exported as int8 ONNX (``reader-C.onnx``),
the file the engine runs. Jobs run as processes side by side on the one GPU: a MiniLM step is
too small to fill it.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from reader_training import (
    TOKENIZER,
    _tensors,
    cap_negatives,
    export,
    fit,
    load_rows,
    passage_of,
    summary,
)

from knowledge.qa.reader import Reading, _best_span, load_tokenizer
from knowledge.qa.reader import encode as encode_passage


def _args(ns: argparse.Namespace, context: str, epochs: int, fold: int | None) -> Any:
    """The namespace ``reader_training.fit`` reads, as ``train_reader.py`` would make it."""
    return SimpleNamespace(
        device=ns.device,
        bf16=ns.bf16,
        batch=32,
        lr=1e-4,
        seed=13,
        epochs=epochs,
        listwise=0.0,
        fold=fold,
        context=context,
    )


def read_rows(
    model: Any, rows: Sequence[dict[str, Any]], context: str, device: str
) -> list[Reading]:
    """The model's reading of each row (fp32, batched by length), as ``Reader.read`` reads."""
    import torch

    tok = load_tokenizer(TOKENIZER)
    encs = [encode_passage(tok, r["question"], passage_of(r, context)) for r in rows]
    order = sorted(range(len(rows)), key=lambda k: len(encs[k].ids))
    out: dict[int, Reading] = {}
    model.to(device).eval()
    with torch.no_grad():
        for lo in range(0, len(order), 256):
            chunk = order[lo : lo + 256]
            batch = [(encs[k].ids, encs[k].type_ids, 0, 0, None) for k in chunk]
            ids, types, mask, _, _ = (t.to(device) for t in _tensors(torch, batch))
            res = model(input_ids=ids, token_type_ids=types, attention_mask=mask)
            starts = res.start_logits.float().cpu().numpy()
            ends = res.end_logits.float().cpu().numpy()
            for j, k in enumerate(chunk):
                n = len(encs[k].ids)
                out[k] = _best_span(rows[k]["text"], encs[k], starts[j, :n], ends[j, :n])
    return [out[k] for k in range(len(rows))]


def job(ns: argparse.Namespace) -> None:
    """One model: the practice (``--job practise``), a fold model and its scores, or the
    shipped model's ONNX file."""
    import torch

    torch.manual_seed(13)
    random.seed(13)
    torch.set_num_threads(2)
    data, out, c = ns.data, ns.out, ns.context
    start = time.perf_counter()
    if ns.job == "practise":
        model = fit(load_rows(data / "cloze.jsonl"), _args(ns, c, 1, None), str(ns.base))
        model.save_pretrained(str(out / f"practised-{c}"))
        print(f"[{c}] practised in {time.perf_counter() - start:.0f} s", flush=True)
        return
    squad, news = load_rows(data / "examples.jsonl"), load_rows(data / "news.jsonl")
    fold = None if ns.job == "ship" else int(ns.job)
    rows = [r for r in cap_negatives(squad + news, 0) if r["fold"] != fold]
    model = fit(rows, _args(ns, c, 3, fold), str(out / f"practised-{c}"))
    took = time.perf_counter() - start
    if fold is None:
        export(model, out / f"reader-{c}.onnx", c)
        print(f"[{c}] shipped model in {took:.0f} s", flush=True)
        return
    tests = {
        "SQuAD": [r for r in squad if r["fold"] == fold],
        "news": [r for r in news if r["fold"] == fold],
        "unseen": load_rows(data / "unseen.jsonl"),
    }
    lines = [f"[{c}] fold {fold} trained in {took:.0f} s"]
    for name, test in tests.items():
        readings = read_rows(model, test, c, ns.device)
        lines.append(f"[{c}] fold {fold} " + summary(test, readings, name))
    print("\n".join(lines), flush=True)


def sweep(ns: argparse.Namespace) -> None:
    contexts = ns.contexts.split(",")
    ship = [c for c in ns.ship.split(",") if c]
    ns.out.mkdir(parents=True, exist_ok=True)
    common = ["--base", str(ns.base), "--data", str(ns.data), "--out", str(ns.out)]
    common += ["--device", ns.device] + (["--bf16"] if ns.bf16 else [])

    def spawn(c: str, what: str) -> subprocess.Popen[bytes]:
        cmd = [sys.executable, __file__, "job", "--context", c, "--job", what, *common]
        return subprocess.Popen(cmd)

    practice = {c: spawn(c, "practise") for c in contexts}
    running = []
    for c, p in practice.items():
        if p.wait() != 0:
            raise SystemExit(f"practice of {c} failed")
        running += [spawn(c, "0"), spawn(c, "1")] + ([spawn(c, "ship")] if c in ship else [])
    failed = sum(p.wait() != 0 for p in running)
    if failed:
        raise SystemExit(f"{failed} jobs failed")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("mode", choices=("sweep", "job"), nargs="?", default="sweep")
    ap.add_argument("--base", type=Path, required=True, help="the base model's directory")
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--contexts", default="none,before,both")
    ap.add_argument("--ship", default="", help="contexts to train on everything and export")
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--bf16", action="store_true")
    ap.add_argument("--context", default="none", help=argparse.SUPPRESS)
    ap.add_argument("--job", default="practise", help=argparse.SUPPRESS)
    ns = ap.parse_args(argv)
    if ns.mode == "job":
        job(ns)
    else:
        sweep(ns)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
