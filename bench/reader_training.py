"""Fine-tuning the extractive reader: ``train_reader.py``'s rows in, an int8 ONNX model out.

Needs PyTorch, transformers, tokenizers and onnxruntime only (no spaCy, no store), so the same
code trains on this CPU or, with ``--device cuda``, on a GPU machine that has nothing else.

**Per-passage and listwise losses.** Each row is a (question, sentence) pair labelled with its
answer's start/end tokens or with no answer ([CLS]); the loss is the usual start/end
cross-entropy of each row on its own. But at run time the engine reads five sentences for one
question and must tell which answers it: a per-row loss never compares a question's sentences
with each other. With ``listwise`` > 0 the batches hold a question's gold sentence together with
its hard negatives (a *group*), and a second loss normalises the start (and end) scores over
all of the group's sentences at once: the answer's start token must beat every token of the
other sentences, not just of its own (shared normalisation, Clark & Gardner 2018, "Simple and
Effective Multi-Paragraph Reading Comprehension"). So a span's score means the same in any
sentence, and the best span of the right sentence comes first.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from knowledge.qa.evaluation import auc, normalize_answer, token_f1
from knowledge.qa.reader import Passage, Reading, load_tokenizer, passage_for
from knowledge.qa.reader import encode as encode_passage

ROOT = Path(__file__).resolve().parent.parent
TOKENIZER = ROOT / "knowledge" / "data" / "reader-tokenizer.json"  # the base model's, as shipped
MAX_TOKENS = 128
GROUPED = ("gold", "negative")  # the kinds of row that make up a question's group

# ids, type ids, answer start and end token (0, 0: no answer), the row's group (or None)
Encoded = tuple[list[int], list[int], int, int, str | None]


def load_rows(path: Path) -> list[dict[str, Any]]:
    """The rows of a JSON-lines file (``train_reader.py``'s data files)."""
    return [json.loads(ln) for ln in path.read_text("utf-8").splitlines()]


def group_of(row: dict[str, Any]) -> str | None:
    """The key shared by a question's gold sentence and its hard negatives; None for rows that
    stand alone (type swaps, unanswerable questions' sentences)."""
    if row["kind"] not in GROUPED:
        return None
    return f"{row.get('article', '')}#{row['id']}#{row['question']}"


def cap_negatives(rows: Sequence[dict[str, Any]], most: int) -> list[dict[str, Any]]:
    """The rows with at most ``most`` hard negatives per question (the first, in row order:
    the data lists them best first); ``most`` 0 keeps them all."""
    if most <= 0:
        return list(rows)
    seen: dict[str, int] = {}
    out = []
    for r in rows:
        if r["kind"] == "negative":
            key = group_of(r) or ""
            seen[key] = seen.get(key, 0) + 1
            if seen[key] > most:
                continue
        out.append(r)
    return out


def with_neighbours(
    rows: Iterable[dict[str, Any]], sentences: Sequence[str]
) -> Iterator[dict[str, Any]]:
    """The rows, each with the sentences before and after its own in its article
    (``sentences``, in order; "" at either end, or where its text is none of them)."""
    at: dict[str, int] = {}
    for k, text in enumerate(sentences):
        at.setdefault(text, k)
    for row in rows:
        i = at.get(row["text"])
        before = sentences[i - 1] if i is not None and i > 0 else ""
        after = sentences[i + 1] if i is not None and i + 1 < len(sentences) else ""
        yield {**row, "before": before, "after": after}


def with_headline(rows: Iterable[dict[str, Any]], headline: str) -> Iterator[dict[str, Any]]:
    """The rows, each with its article's headline (read with ``--context headline``)."""
    for row in rows:
        yield {**row, "headline": headline}


def encode(tok: Any, row: dict[str, Any], context: str = "none") -> Encoded | None:
    """Token ids, type ids, the answer's start/end token (0, 0: no answer) and the row's group,
    or None where the answer was cut off by truncation. ``context``: which of the row's
    neighbouring sentences (``before``, ``after``: ``train_reader.py --neighbours``) the reader
    sees, "none", "before" or "both" (``knowledge.qa.reader.encode``)."""
    enc = encode_passage(tok, row["question"], passage_of(row, context))
    ids, types, offsets = enc.ids, enc.type_ids, enc.offsets
    group = group_of(row)
    if row["answer"] is None:
        return ids, types, 0, 0, group
    a, b = row["answer"]
    s = e = None
    for k in range(len(ids)):
        if types[k] != 1 or offsets[k][1] <= offsets[k][0]:
            continue
        lo, hi = offsets[k]
        if s is None and hi > a:
            s = k
        if lo < b:
            e = k
    if s is None or e is None or e < s:
        return None
    return ids, types, s, e, group


def fit(rows: list[dict[str, Any]], args: argparse.Namespace, start_from: str) -> Any:
    """Fine-tune the model at ``start_from`` on the rows (AdamW, linear warm-up and decay);
    ``args.listwise`` weighs the group loss (0: per row only, the batches as before)."""
    import torch
    from transformers import AutoModelForQuestionAnswering

    device = torch.device(args.device)
    tok = load_tokenizer(TOKENIZER)
    context = getattr(args, "context", "none")
    encoded = [e for r in rows if (e := encode(tok, r, context)) is not None]
    print(f"training on {len(encoded)} of {len(rows)} examples (fold {args.fold} held out)")
    # On the CPU, eager attention (PyTorch's SDPA runs its slower math kernel for a dropout)
    # and the fused AdamW (one kernel, not a loop over 100 tensors) make a step about a fifth
    # faster with the same arithmetic (bench/README.md, "Training time").
    on_cpu = device.type == "cpu"
    model = AutoModelForQuestionAnswering.from_pretrained(
        start_from,
        attn_implementation="eager" if on_cpu else "sdpa",
        attention_probs_dropout_prob=getattr(args, "attention_dropout", 0.1),
    ).to(device)
    model.train()
    trained = frozen(model, getattr(args, "freeze", 0))
    groups = layer_groups(model, trained, args.lr, getattr(args, "layer_decay", 1.0))
    opt = torch.optim.AdamW(groups, lr=args.lr, weight_decay=0.01, fused=on_cpu)
    make = _group_batches if args.listwise > 0 else _batches
    per_epoch = sum(1 for _ in make(encoded, args.batch, random.Random(args.seed)))
    total = per_epoch * args.epochs
    warm = max(1, int(0.1 * total))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm)))
    )
    step, start = 0, time.perf_counter()
    for epoch in range(args.epochs):
        for batch in make(encoded, args.batch, random.Random(args.seed + epoch)):
            ids, types, mask, starts, ends = (t.to(device) for t in _tensors(torch, batch))
            # --bf16: bfloat16 matmuls where the processor has them (about a third faster a
            # step on this CPU); the weights and the optimiser stay float32.
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=args.bf16):
                out = model(
                    input_ids=ids,
                    token_type_ids=types,
                    attention_mask=mask,
                    start_positions=starts,
                    end_positions=ends,
                )
            loss = out.loss
            if args.listwise > 0:
                passage = (types == 1) & (mask == 1)
                shared = listwise_loss(torch, out.start_logits, out.end_logits, batch, passage)
                if shared is not None:
                    loss = loss + args.listwise * shared
            loss.backward()
            torch.nn.utils.clip_grad_norm_(trained, 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            step += 1
            if step % 20 == 0 or step == total:
                rate = step / (time.perf_counter() - start)
                print(
                    f"epoch {epoch} step {step}/{total} loss {loss.item():.3f} "
                    f"({rate:.2f} steps/s, {(total - step) / rate / 60:.1f} min left)",
                    flush=True,
                )
    model.eval()
    model.set_attn_implementation("sdpa")  # saved and exported as before
    return model.to("cpu")


def mean_state(states: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The element-wise mean of state dicts with the same keys (integer buffers, such as
    position ids, taken from the first)."""
    given = list(states)
    out = {}
    for key, first in given[0].items():
        if first.is_floating_point():
            out[key] = sum(s[key] for s in given) / len(given)
        else:
            out[key] = first
    return out


def frozen(model: Any, layers: int) -> list[Any]:
    """The parameters left to train when the embeddings and the first ``layers`` encoder
    layers are held (none held for 0): no gradient flows below the first trained layer, so a
    step costs less (bench/README.md, "Training time")."""
    if layers > 0:
        held = [model.bert.embeddings, *model.bert.encoder.layer[:layers]]
        for module in held:
            module.requires_grad_(False)
    return [p for p in model.parameters() if p.requires_grad]


def layer_groups(
    model: Any, trained: Sequence[Any], lr: float, decay: float
) -> list[dict[str, Any]]:
    """The ``trained`` parameters (``frozen``'s) in AdamW groups, each layer's rate ``decay``
    times the rate of the layer above it (the span head and the last layer at ``lr``, the
    embeddings lowest): layer-wise rate decay, which keeps the lower, more general layers closer
    to the pre-trained ones (Howard & Ruder 2018; Clark et al. 2020). ``decay`` 1: one rate."""
    layers = model.bert.encoder.layer
    depth = {id(p): len(layers) for p in model.bert.embeddings.parameters()}
    for k, layer in enumerate(layers):
        depth.update({id(p): len(layers) - 1 - k for p in layer.parameters()})
    by_rate: dict[float, list[Any]] = {}
    for p in trained:
        by_rate.setdefault(lr * decay ** depth.get(id(p), 0), []).append(p)
    return [{"params": ps, "lr": rate} for rate, ps in by_rate.items()]


def listwise_loss(torch: Any, start: Any, end: Any, batch: Sequence[Encoded], passage: Any) -> Any:
    """The shared-normalisation loss of the batch's groups that hold one gold sentence and at
    least one negative: the cross-entropy of the gold start (and end) token against every
    passage token (``passage``, a boolean mask like the logits) of the group's sentences; None
    where the batch has no such group."""
    groups: dict[str, list[int]] = {}
    for k, b in enumerate(batch):
        if b[4] is not None:
            groups.setdefault(b[4], []).append(k)
    losses = []
    for members in groups.values():
        gold = [k for k in members if batch[k][2] > 0]
        if len(gold) != 1 or len(members) < 2:
            continue
        idx = torch.tensor(members, device=start.device)
        inside = passage[idx]
        at = members.index(gold[0]) * inside.shape[1]
        for logits, token in ((start, batch[gold[0]][2]), (end, batch[gold[0]][3])):
            flat = logits[idx].masked_fill(~inside, -1e4).reshape(1, -1)
            target = torch.tensor([at + token], device=start.device)
            losses.append(torch.nn.functional.cross_entropy(flat, target))
    return torch.stack(losses).mean() if losses else None


def _batches(encoded: list[Encoded], size: int, rng: random.Random) -> Iterator[list[Encoded]]:
    """Batches of similar length (little padding), in random order."""
    order = sorted(range(len(encoded)), key=lambda k: (len(encoded[k][0]), rng.random()))
    chunks = [order[k : k + size] for k in range(0, len(order), size)]
    rng.shuffle(chunks)
    for chunk in chunks:
        yield [encoded[k] for k in chunk]


def _group_batches(
    encoded: list[Encoded], size: int, rng: random.Random
) -> Iterator[list[Encoded]]:
    """Batches of about ``size`` rows made of whole groups (a row without one is a group of
    its own), groups of similar length together, in random order."""
    groups: dict[str | int, list[int]] = {}
    for k, e in enumerate(encoded):
        groups.setdefault(e[4] if e[4] is not None else k, []).append(k)
    order = sorted(
        groups.values(), key=lambda g: (max(len(encoded[k][0]) for k in g), rng.random())
    )
    chunks: list[list[int]] = [[]]
    for g in order:
        if len(chunks[-1]) >= size:
            chunks.append([])
        chunks[-1].extend(g)
    rng.shuffle(chunks)
    for chunk in chunks:
        yield [encoded[k] for k in chunk]


def _tensors(torch: Any, batch: Sequence[Encoded]) -> tuple[Any, ...]:
    width = max(len(b[0]) for b in batch)
    ids = torch.zeros((len(batch), width), dtype=torch.long)
    types = torch.zeros_like(ids)
    mask = torch.zeros_like(ids)
    for k, (i, t, *_) in enumerate(batch):
        ids[k, : len(i)] = torch.tensor(i)
        types[k, : len(t)] = torch.tensor(t)
        mask[k, : len(i)] = 1
    starts = torch.tensor([b[2] for b in batch])
    ends = torch.tensor([b[3] for b in batch])
    return ids, types, mask, starts, ends


def export(model: Any, path: Path, context: str = "none") -> None:
    """ONNX (dynamic batch and length), then int8 weights by dynamic quantisation; a model
    trained with neighbours says which in the file's metadata (``reader.CONTEXT_KEY``)."""
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
    if context != "none":
        import onnx

        from knowledge.qa.reader import CONTEXT_KEY

        quantised = onnx.load(str(path))
        onnx.helper.set_model_props(quantised, {CONTEXT_KEY: context})
        onnx.save(quantised, str(path))
    print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")


def passage_of(row: dict[str, Any], context: str = "none") -> Passage:
    """The row's sentence with the context ``context`` names ("none", "before", "both",
    "headline")."""
    return passage_for(
        context,
        row["text"],
        row.get("before", ""),
        row.get("after", ""),
        row.get("headline", ""),
    )


def score_rows(
    model_path: Path,
    rows: list[dict[str, Any]],
    name: str = "",
    context: str | None = None,
    auc: bool = False,
) -> None:
    """Sentence-level check of a fold model (int8 ONNX, as the engine runs it) on its held-out
    rows: ``summary`` of its readings, and with ``auc`` ``margin_auc``'s. Each row is read with
    ``context``, by default the one the file says it was trained with (as the engine reads)."""
    from knowledge.qa.reader import Reader

    reader = Reader.load(model_path, TOKENIZER)
    context = reader.context if context is None else context
    readings = [reader.read(r["question"], [passage_of(r, context)])[0] for r in rows]
    line = summary(rows, readings, name)
    if auc:
        line += f"; AUC of the margin {margin_auc(rows, readings):.4f}"
    print(line, flush=True)


def margin_auc(rows: Sequence[dict[str, Any]], readings: Sequence[Reading]) -> float:
    """How well the margin tells a question's gold sentence from every row without its answer
    (hard negatives, unanswerable questions' sentences, swaps): the area under the ROC curve,
    ties counted half (``evaluation.auc``)."""
    return auc(
        [(read.margin, r["kind"] == "gold") for r, read in zip(rows, readings, strict=True)]
    )


def summary(rows: Sequence[dict[str, Any]], readings: Sequence[Reading], name: str = "") -> str:
    """Span EM/F1 on the gold sentences, how often the no-answer score wins where it should,
    and, of each question's gold sentence and hard negatives, how often the gold one has the
    highest margin (the reader's choice among a question's sentences, before the engine's other
    features)."""
    f1s, ems, null_right, null_total = [], [], 0, 0
    apart = {"swapped": [0, 0], "renamed": [0, 0]}  # kind → no answer right, rows
    groups: dict[str, list[tuple[bool, float, float]]] = {}
    for r, read in zip(rows, readings, strict=True):
        if (key := group_of(r)) is not None:
            groups.setdefault(key, []).append((r["kind"] == "gold", read.margin, read.score))
        if r["kind"] == "gold":
            text = read.text if read.margin > 0 else ""
            f1s.append(max(token_f1(read.text, a) for a in r["answers"]))
            ems.append(
                max(float(normalize_answer(text) == normalize_answer(a)) for a in r["answers"])
            )
        elif r["kind"] in apart:  # type and name swaps apart, so numbers stay comparable
            apart[r["kind"]][0] += read.margin <= 0
            apart[r["kind"]][1] += 1
        else:
            null_total += 1
            null_right += read.margin <= 0
    chosen = [g for g in groups.values() if len(g) > 1 and sum(gold for gold, _, _ in g) == 1]
    by_margin = sum(max(g, key=lambda x: x[1])[0] for g in chosen)
    by_span = sum(max(g, key=lambda x: x[2])[0] for g in chosen)
    held = f"held out ({name})" if name else "held out"
    swaps, names = ("{}/{}".format(*apart[kind]) for kind in ("swapped", "renamed"))
    return (
        f"{held}: gold sentences {len(f1s)}: span F1 {100 * sum(f1s) / max(1, len(f1s)):.1f} "
        f"(EM with no-answer {100 * sum(ems) / max(1, len(ems)):.1f}); no-answer right on "
        f"{null_right}/{null_total} negatives, {swaps} type swaps, {names} name swaps; "
        f"gold sentence first of its question's {len(chosen)} groups: by margin "
        f"{100 * by_margin / max(1, len(chosen)):.1f} %, by span score "
        f"{100 * by_span / max(1, len(chosen)):.1f} %"
    )
