"""The reader's training batches (bench/reader_training.py): a question's gold sentence and its
hard negatives stay together, so the listwise loss can compare them."""

from __future__ import annotations

import random
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from reader_training import (
    Encoded,
    _group_batches,
    cap_negatives,
    encode,
    frozen,
    group_of,
    layer_groups,
    listwise_loss,
    margin_auc,
    mean_state,
    with_headline,
    with_neighbours,
)

from knowledge.qa.reader import Reading, load_tokenizer


def _row(kind: str, qid: str, text: str = "s", question: str = "q?") -> dict[str, Any]:
    answer = [0, 1] if kind == "gold" else None
    return {
        "article": "a",
        "id": qid,
        "question": question,
        "text": text,
        "kind": kind,
        "answer": answer,
    }


def test_a_questions_gold_and_negatives_share_a_group_and_other_rows_stand_alone() -> None:
    gold, neg = _row("gold", "1"), _row("negative", "1", "t")
    assert group_of(gold) == group_of(neg) is not None
    assert group_of(_row("negative", "2")) != group_of(gold)
    assert group_of(_row("gold", "1", question="swapped?")) != group_of(gold)
    assert group_of(_row("swapped", "1")) is None
    assert group_of(_row("impossible", "1")) is None


def test_cap_negatives_keeps_the_first_ones_of_each_question() -> None:
    rows = [_row("gold", "1"), *(_row("negative", "1", f"n{k}") for k in range(3))]
    rows += [_row("gold", "2"), _row("negative", "2", "m0"), _row("swapped", "2")]
    kept = cap_negatives(rows, 2)
    assert [r["text"] for r in kept if r["id"] == "1"] == ["s", "n0", "n1"]
    assert [r["kind"] for r in kept if r["id"] == "2"] == ["gold", "negative", "swapped"]
    assert cap_negatives(rows, 0) == rows


def test_group_batches_never_split_a_group_and_hold_every_row_once() -> None:
    rng = random.Random(3)
    encoded: list[Encoded] = []
    for g in range(40):
        size = rng.randint(1, 4)
        for k in range(size):
            encoded.append(([1] * rng.randint(5, 30), [0] * 5, k, k, f"g{g}"))
    encoded += [([1] * 9, [0] * 9, 0, 0, None) for _ in range(7)]
    batches = list(_group_batches(encoded, 8, random.Random(1)))
    seen = [id(e) for b in batches for e in b]
    assert sorted(seen) == sorted(id(e) for e in encoded)
    where = {e[4]: k for k, b in enumerate(batches) for e in b if e[4] is not None}
    for k, b in enumerate(batches):
        assert all(where[e[4]] == k for e in b if e[4] is not None)
        assert len(b) < 8 + 4  # filled to about the size, then closed


def test_listwise_loss_rewards_the_gold_start_over_the_negatives_tokens() -> None:
    torch = pytest.importorskip("torch")
    # Two sentences of one question: the gold one's answer starts at token 2; a third row is
    # a group of its own (no negative), which the loss leaves out.
    batch: list[Encoded] = [
        ([0] * 5, [0, 1, 1, 1, 1], 2, 3, "q"),
        ([0] * 5, [0, 1, 1, 1, 1], 0, 0, "q"),
        ([0] * 5, [0, 1, 1, 1, 1], 1, 1, "alone"),
    ]
    passage = torch.tensor([[False, True, True, True, True]] * 3)

    def logits(row: int, token: int) -> Any:
        out = torch.zeros((3, 5))
        out[row, token] = 8.0
        return out

    # The gold sentence's answer tokens score high: a small loss; the negative's: a large one.
    good = listwise_loss(torch, logits(0, 2), logits(0, 3), batch, passage)
    bad = listwise_loss(torch, logits(1, 2), logits(1, 3), batch, passage)
    assert good is not None
    assert bad is not None
    assert float(good) < 0.01
    assert float(bad) > 5
    assert listwise_loss(torch, logits(0, 2), logits(0, 3), batch[2:], passage[2:]) is None


def test_with_neighbours_gives_each_row_the_sentences_either_side_of_its_own() -> None:
    sentences = ["One.", "Two.", "Three."]
    rows = [_row("gold", "1", "One."), _row("negative", "1", "Three."), _row("gold", "2", "Else.")]
    got = [(r["before"], r["after"]) for r in with_neighbours(rows, sentences)]
    assert got == [("", "Two."), ("Two.", ""), ("", "")]


def test_with_headline_gives_each_row_its_articles_headline() -> None:
    rows = [_row("gold", "1", "One."), _row("negative", "1", "Two.")]
    got = list(with_headline(rows, "Talks resume"))
    assert [r["headline"] for r in got] == ["Talks resume", "Talks resume"]
    assert [r["text"] for r in got] == ["One.", "Two."]


def test_a_rows_answer_is_labelled_in_its_own_sentence_whatever_context_it_is_read_with() -> None:
    tok = load_tokenizer()
    text = "He said talks resume in September."
    row = {
        **_row("gold", "1", text, "when do talks resume?"),
        "answer": [text.index("September"), text.index("September") + len("September")],
        "before": "Staffan de Mistura spoke in Geneva.",
        "after": "September is a busy month.",
        "headline": "Syria talks",
    }
    for context in ("none", "before", "both", "headline"):
        encoded = encode(tok, row, context)
        assert encoded is not None
        ids, types, start, end, _ = encoded
        assert start == end
        assert types[start] == 1
        assert tok.decode([ids[start]]) == "september"
    assert len(encode(tok, row, "both")[0]) > len(encode(tok, row, "before")[0])  # type: ignore[index]


def test_bf16_is_known_by_the_processors_flags(tmp_path: Path) -> None:
    from train_reader import cpu_has_bf16

    info = tmp_path / "cpuinfo"
    info.write_text("flags\t: fpu sse2 avx2 avx512f avx512_bf16\n", "utf-8")
    assert cpu_has_bf16(info)
    info.write_text("flags\t: fpu sse2 avx2\n", "utf-8")
    assert not cpu_has_bf16(info)
    assert cpu_has_bf16(tmp_path / "absent")  # unknown: not refused


def _tiny_model() -> Any:
    pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    config = transformers.BertConfig(
        vocab_size=50,
        hidden_size=8,
        num_hidden_layers=3,
        num_attention_heads=2,
        intermediate_size=16,
        max_position_embeddings=16,
    )
    return transformers.BertForQuestionAnswering(config)


def test_frozen_holds_the_embeddings_and_the_first_layers_and_trains_the_rest() -> None:
    model = _tiny_model()
    assert len(frozen(model, 0)) == len(list(model.parameters()))  # 0: nothing held
    trained = {id(p) for p in frozen(model, 2)}
    held = [model.bert.embeddings, *model.bert.encoder.layer[:2]]
    assert all(not p.requires_grad and id(p) not in trained for m in held for p in m.parameters())
    rest = [*model.bert.encoder.layer[2].parameters(), *model.qa_outputs.parameters()]
    assert rest
    assert all(p.requires_grad and id(p) in trained for p in rest)


def test_layer_groups_lower_each_layers_rate_below_the_one_above() -> None:
    model = _tiny_model()
    every = {id(p) for p in model.parameters()}
    # No decay: one group, the old optimiser.
    [one] = layer_groups(model, frozen(model, 0), 1e-3, 1.0)
    assert one["lr"] == 1e-3
    assert {id(p) for p in one["params"]} == every
    groups = layer_groups(model, frozen(model, 0), 1e-3, 0.5)
    rate = {id(p): g["lr"] for g in groups for p in g["params"]}
    assert set(rate) == every
    assert sum(len(g["params"]) for g in groups) == len(every)
    assert all(rate[id(p)] == 1e-3 for p in model.qa_outputs.parameters())
    for k, layer in enumerate(model.bert.encoder.layer):  # the last layer at the full rate
        assert all(rate[id(p)] == pytest.approx(1e-3 * 0.5 ** (2 - k)) for p in layer.parameters())
    assert all(rate[id(p)] == pytest.approx(1e-3 / 8) for p in model.bert.embeddings.parameters())
    held = frozen(model, 1)  # only what is trained is grouped
    assert sum(len(g["params"]) for g in layer_groups(model, held, 1e-3, 0.5)) == len(held)


def test_margin_auc_counts_the_gold_rows_ranked_above_the_others_and_ties_half() -> None:
    rows = [_row("gold", "1"), _row("gold", "2"), _row("negative", "1"), _row("swapped", "3")]

    def read(margin: float) -> Reading:
        return Reading("x", 0, 1, margin, 0.0)

    assert margin_auc(rows, [read(3), read(2), read(1), read(0)]) == 1.0
    assert margin_auc(rows, [read(0), read(-1), read(1), read(2)]) == 0.0
    # gold 2 beats one of the two others and ties the other: (1 + 0.5) of 4 pairs, gold 1 none
    assert margin_auc(rows, [read(-5), read(1), read(1), read(0)]) == 1.5 / 4


def test_mean_state_averages_the_weights_and_keeps_integer_buffers() -> None:
    torch = pytest.importorskip("torch")
    a = {"w": torch.tensor([1.0, 2.0]), "ids": torch.tensor([0, 1])}
    b = {"w": torch.tensor([3.0, 6.0]), "ids": torch.tensor([0, 1])}
    mean = mean_state([a, b])
    assert torch.equal(mean["w"], torch.tensor([2.0, 4.0]))
    assert mean["ids"].dtype == torch.long
    assert torch.equal(mean["ids"], a["ids"])
