"""Fine-tune all-MiniLM-L6-v2 itself as a sentence encoder for the reading order, and measure
what its cosine adds to the order against the shipped kind of vectors (static, tuned).

    PYTHONPATH=.:bench .venv/bin/python bench/tune_encoder.py                 # ~45 min, 2 cores
    PYTHONPATH=.:bench .venv/bin/python bench/tune_encoder.py --reuse         # the report only
    PYTHONPATH=.:bench .venv/bin/python bench/tune_encoder.py --reuse --export  # and as int8

Data: ``bench/dense_order.py``'s rows (run it first: the written news questions of the batches
the shipped files were fitted on, each fold's articles in one store with the seed, with the
first stage's candidates and which hold a support fragment). For each fold of articles held
out, the encoder is fine-tuned on the other fold's questions (``tune``) and saved under
``--models`` (``--reuse`` loads it instead), then the held-out fold is scored: its questions'
candidates get the cosine pair of each encoder (``dense_order.with_cosines``: the fact's cosine
with the question, and the best of its article's), and the reading order (``fit_ranker.fit``) is
fitted on one half of the fold's articles (``tune_embeddings.half``) and scored on the other,
both ways: every cosine out of sample, as no encoder saw the fold. Compared: no embeddings; the
static vectors as distilled (``/tmp/distilled-embeddings``) and as tuned on the other fold
(``/tmp/tuned-embeddings/foldN``, ``tune_embeddings.py``'s ``--folds``: the shipped kind);
MiniLM as packaged and as tuned here. Reported: hit@1 / hit@3 / hit@5 of a right fact.

Training: a bi-encoder (mean pooling, unit vectors, as all-MiniLM-L6-v2 is used), one epoch,
16 questions a step, each with a right fact and the first stage's ``--negatives`` best wrong
candidates (by the hand-set score); every fact of the step competes for each question (a
softmax over their cosines at temperature 0.05), so the right fact must beat its own hard
negatives and the other questions' facts. AdamW at 3e-5, linear warm-up over a tenth, then
linear decay. About 4 s a step on 2 cores (fp32), 16 minutes a fold. Needs the ``train`` group.
``--export`` scores and times each tuned encoder as the engine would run it: int8 ONNX
(``Int8``), one text a pass. The results, and what shipping it needs: bench/README.md, "The
reading order".
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from dense_order import Encode, Facts, Rows, cached_rows, with_cosines
from fit_ranker import fit, hits
from revision import git_revision
from squad import RESULTS, shared_missing, table, write_report
from train_reader import base_model_dir
from tune_embeddings import half

from knowledge.qa.embedding import Embedder, OnnxEncoder

TEMPERATURE = 0.05
# The recipe measured and shipped (bench/README.md "The reading order"; ship_encoder.py tunes so)
RECIPE = {"negatives": 4, "lr": 3e-5, "batch": 16, "seed": 0}


class Encoder:
    """all-MiniLM-L6-v2 in PyTorch: mean pooling over the attention mask, unit vectors."""

    def __init__(self, state: Path | None = None) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer

        base = str(base_model_dir())
        self.tokenizer = AutoTokenizer.from_pretrained(base)
        self.model = AutoModel.from_pretrained(base, attn_implementation="eager")
        if state is not None:
            self.model.load_state_dict(torch.load(state))

    def pooled(self, texts: Sequence[str], max_length: int) -> Any:
        import torch

        enc = self.tokenizer(
            list(texts),
            padding=True,
            truncation=True,
            max_length=max_length,
            return_tensors="pt",
        )
        hidden = self.model(**enc).last_hidden_state
        mask = enc["attention_mask"].unsqueeze(-1).float()
        return torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=1)

    def vectors(self, texts: Sequence[str], batch: int = 128) -> np.ndarray:
        import torch

        self.model.eval()
        out = [np.zeros((0, self.model.config.hidden_size), dtype=np.float32)]
        with torch.inference_mode():
            for k in range(0, len(texts), batch):
                out.append(self.pooled(texts[k : k + batch], 128).numpy())
        return np.concatenate(out)

    def tune(
        self, rows: Rows, facts: Facts, *, negatives: int, lr: float, batch: int, seed: int
    ) -> None:
        """One epoch over ``rows`` (those with a right candidate and a wrong one)."""
        import torch

        torch.manual_seed(seed)
        rng = np.random.default_rng(seed)
        qs = [r for r in rows if any(r["y"]) and not all(r["y"])]
        steps = len(qs) // batch
        opt = torch.optim.AdamW(self.model.parameters(), lr=lr, weight_decay=0.01)
        warm = max(1, steps // 10)
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda s: min(1.0, (s + 1) / warm) * max(0.0, 1 - s / steps)
        )
        order = rng.permutation(len(qs))
        self.model.train()
        started = time.perf_counter()
        for step in range(steps):
            chunk = [qs[i] for i in order[step * batch : (step + 1) * batch]]
            texts, firsts = [], []
            for r in chunk:
                table_ = facts[str(r["fold"])]
                right = [i for i, y in zip(r["ids"], r["y"], strict=True) if y]
                by_hand = sorted(range(len(r["ids"])), key=lambda k: -r["hand"][k])
                wrong = [r["ids"][k] for k in by_hand if not r["y"][k]][:negatives]
                firsts.append(len(texts))
                chosen = right[int(rng.integers(len(right)))]
                texts += [table_[str(i)][0] for i in (chosen, *wrong)]
            q = self.pooled([r["q"] for r in chunk], 64)
            f = self.pooled(texts, 128)
            loss = torch.nn.functional.cross_entropy(q @ f.T / TEMPERATURE, torch.tensor(firsts))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            if step % 50 == 0:
                took = time.perf_counter() - started
                print(f"  step {step}/{steps}: loss {loss.item():.3f}, {took:.0f} s", flush=True)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """``vectors``, under the name ``knowledge.qa.embedding.Embedder`` calls a model's: so
        ``Embedder(encoder)`` gives the engine this encoder's cosines (``encoder_order.py``)."""
        return self.vectors(texts)

    @property
    def dim(self) -> int:
        return int(self.model.config.hidden_size)

    def save(self, path: Path) -> None:
        import torch

        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save(self.model.state_dict(), path)


class Int8:
    """An encoder exported to ONNX with int8 weights (``onnxruntime``'s dynamic quantisation,
    as the reader is shipped), read as the engine reads it (``knowledge.qa.embedding.
    OnnxEncoder``: one text a pass, no padding) on ``threads`` threads."""

    def __init__(self, encoder: Encoder, path: Path, threads: int = 1) -> None:
        import torch
        from onnxruntime.quantization import QuantType, quantize_dynamic

        class Hidden(torch.nn.Module):
            def __init__(self, inner: Any) -> None:
                super().__init__()
                self.inner = inner

            def forward(self, input_ids: Any, token_type_ids: Any, attention_mask: Any) -> Any:
                return self.inner(
                    input_ids=input_ids,
                    token_type_ids=token_type_ids,
                    attention_mask=attention_mask,
                ).last_hidden_state

        encoder.model.eval()
        fp32 = path.with_suffix(".fp32.onnx")
        dummy = torch.ones((1, 16), dtype=torch.long)
        axes = {0: "batch", 1: "tokens"}
        names = ["input_ids", "token_type_ids", "attention_mask"]
        torch.onnx.export(
            Hidden(encoder.model),
            (dummy, torch.zeros_like(dummy), dummy),
            str(fp32),
            input_names=names,
            output_names=["hidden"],
            dynamic_axes={name: axes for name in [*names, "hidden"]},
            opset_version=17,
            dynamo=False,
        )
        quantize_dynamic(str(fp32), str(path), weight_type=QuantType.QInt8)
        fp32.unlink()
        self.encoder = OnnxEncoder.load(path, base_model_dir() / "tokenizer.json", threads)
        self.megabytes = path.stat().st_size / 1e6

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        return self.encoder.encode(list(texts))

    def timing(self, facts: Sequence[str], questions: Sequence[str]) -> str:
        """Milliseconds a fact and a question, and the facts' words a second."""
        start = time.perf_counter()
        self.vectors(facts)
        per_fact = (time.perf_counter() - start) / len(facts)
        start = time.perf_counter()
        self.vectors(questions)
        per_question = (time.perf_counter() - start) / len(questions)
        words = sum(len(f.split()) for f in facts) / len(facts)
        return (
            f"{self.megabytes:.1f} MB; a fact {1000 * per_fact:.2f} ms ({words / per_fact:,.0f} "
            f"words a second), a question {1000 * per_question:.2f} ms"
        )


def within_fold(rows: Rows) -> list[float]:
    """hit@1/3/5 of the reading order fitted on one half of the rows' articles and scored on the
    other, both ways, weighted by the halves' sizes."""
    total = np.zeros(3)
    for h in (0, 1):
        w = fit([r for r in rows if half(r["article"]) != h])
        test = [r for r in rows if half(r["article"]) == h]
        total += np.array(hits(test, lambda r, w=w: np.array(r["x"]) @ w)) * len(test)
    return list(total / len(rows))


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--negatives", type=int, default=RECIPE["negatives"])
    ap.add_argument("--lr", type=float, default=RECIPE["lr"])
    ap.add_argument("--batch", type=int, default=RECIPE["batch"], help="questions per step")
    ap.add_argument("--seed", type=int, default=RECIPE["seed"])
    ap.add_argument("--folds", default="0,1", help="the folds to hold out")
    ap.add_argument("--models", type=Path, default=Path("/tmp/tuned-encoder"))
    ap.add_argument("--reuse", action="store_true", help="load the tuned encoders, if saved")
    ap.add_argument(
        "--export",
        action="store_true",
        help="also export each tuned encoder to int8 ONNX (--models/foldN.onnx), score it and "
        "time it (1 thread, one text a pass, as the engine; 2,000 facts and 500 questions of "
        "the fold)",
    )
    ap.add_argument("--static", type=Path, default=Path("/tmp/tuned-embeddings"))
    ap.add_argument("--distilled", type=Path, default=Path("/tmp/distilled-embeddings"))
    ap.add_argument("--out", type=Path, default=RESULTS / "tuned-encoder.md")
    args = ap.parse_args(argv)
    if shared_missing():
        return 0
    if (cached := cached_rows()) is None:
        return 1
    rows, facts = cached
    started = time.perf_counter()
    columns: dict[str, list[str]] = {}
    timings: list[str] = []
    for held in (int(f) for f in args.folds.split(",")):
        mine = [r for r in rows if r["fold"] == held]
        table_ = {str(held): facts[str(held)]}
        saved = args.models / f"fold{held}.pt"
        if not (args.reuse and saved.exists()):
            tuned = Encoder()
            train = [r for r in rows if r["fold"] != held]
            tuned.tune(
                train,
                facts,
                negatives=args.negatives,
                lr=args.lr,
                batch=args.batch,
                seed=args.seed,
            )
            tuned.save(saved)
        encoders: dict[str, Callable[[], Encode] | None] = {
            "no embeddings": None,
            "static, distilled": lambda: Embedder.load(args.distilled).vectors,
            "static, tuned on the other fold (the shipped kind)": lambda held=held: (
                Embedder.load(args.static / f"fold{held}").vectors
            ),
            "MiniLM as packaged": lambda: Encoder().vectors,
            "MiniLM tuned on the other fold": lambda saved=saved: Encoder(saved).vectors,
        }
        if args.export:
            int8 = Int8(Encoder(saved), saved.with_suffix(".onnx"))
            encoders["MiniLM tuned on the other fold, int8 ONNX"] = lambda int8=int8: int8.vectors
            texts = [text for text, _ in list(table_[str(held)].values())[:2000]]
            timings.append(f"fold {held}: " + int8.timing(texts, [r["q"] for r in mine[:500]]))
        for name, make in encoders.items():
            scored = mine if make is None else with_cosines(mine, table_, make())
            found = within_fold(scored)
            cell = " / ".join(f"{100 * h:.1f}" for h in found)
            columns.setdefault(name, []).append(cell)
            print(f"fold {held}, {name}: {cell}", flush=True)
    settings = {k: getattr(args, k) for k in ("negatives", "lr", "batch", "seed")}
    report = "\n".join(
        [
            "# MiniLM tuned as the reading order's encoder (bench/tune_encoder.py)",
            "",
            f"Commit {git_revision()}; {len(rows)} answerable written questions "
            f"(`bench/dense_order.py`'s rows); settings {json.dumps(settings)}; "
            f"{time.perf_counter() - started:.0f} s.",
            "",
            "Each fold held out in turn: the encoders tuned on the other fold; the reading "
            "order fitted on one half of the held-out fold's articles and scored on the other, "
            "both ways; hit@1 / hit@3 / hit@5 of a right fact.",
            "",
            table(
                ["cosine from", *(f"fold {f}" for f in args.folds.split(","))],
                [[name, *cells] for name, cells in columns.items()],
            ),
            *(
                ["", "The int8 ONNX encoders, one text a pass on 1 thread: " + "; ".join(timings)]
                if timings
                else []
            ),
        ]
    )
    write_report(report, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
