"""Train the learned span scorer (``knowledge/qa/spans.py``) on SQuAD v1.1 dev, DEV_ARTICLES only,
and cross-validate it by article.

    .venv/bin/python bench/train_spans.py collect [--out /tmp/spans-data.pkl]
    .venv/bin/python bench/train_spans.py train [--data ...] [--ship] [--folds-dir /tmp]

``collect`` loads each article into a fresh store (as ``bench/squad.py`` does), and for every
question takes the gold fact (the sentence of its paragraph holding a reference answer that
shares most words with the question), the rules' answer there and every candidate span with its
features and its F1 against the references. ``train`` fits a listwise logistic model (softmax
over one question's candidates, target: the candidates of best F1; L2; full-batch Adam, numpy
only) on the articles of one fold and scores the other (two folds: DEV_ARTICLES in odd and even
places), writes each fold's weights for the end-to-end check (``bench/squad.py
--span-weights``), and with ``--ship`` the weights trained on all of them to
``knowledge/data/spans.json``.
"""

from __future__ import annotations

import argparse
import dataclasses
import pickle
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from squad import (
    ROOT,
    contains_answer,
    fold_of,
    load,
    load_dev_articles,
    question_type,
    scratch_newsroom,
)

from knowledge.errors import KnowledgeError, QuestionError
from knowledge.nlp.pipeline import DEFAULT_MODEL, load_pipeline
from knowledge.qa import spans
from knowledge.qa.config import DEFAULT
from knowledge.qa.evaluation import normalize_answer, token_f1
from knowledge.qa.kinds import AnswerKind, Located
from knowledge.qa.shortanswer import locate, located
from knowledge.qa.vocabulary import AUXILIARIES
from knowledge.text import normalise

# The rules' answer, which the scorer is weighed against.
RULES_ALONE = dataclasses.replace(DEFAULT.spans, use_scorer=False)

AUX_FIRST = {(w,) for w in AUXILIARIES}  # spans.replaces' yes/no test
SHIPPED = ROOT / "knowledge" / "data" / spans.WEIGHTS_FILE


def _scores(text: str | None, answers: Sequence[str]) -> tuple[float, float]:
    text = text or ""
    em = max(float(normalize_answer(text) == normalize_answer(a)) for a in answers)
    return em, max(token_f1(text, a) for a in answers)


def collect(out: Path) -> None:
    nlp = load_pipeline(DEFAULT_MODEL)
    rows: list[dict[str, Any]] = []
    start = time.perf_counter()
    for art in load_dev_articles():
        with scratch_newsroom(nlp, prefix="spans-", reader=False) as kb:  # the rules' spans
            try:
                article_id = load(kb, art.display_title, art.text)
            except KnowledgeError:
                continue
            facts = kb.facts_of(article_id)
            for p in art.paragraphs:
                mine = [f for f in facts if f.text in p.context]
                for sq in p.questions:
                    try:
                        q = kb.engine.analyse(sq.question)
                    except QuestionError:
                        continue
                    holding = [f for f in mine if contains_answer(f.text, sq.answers)]
                    if not holding:
                        continue
                    asked = set(q.lemmas) | set(q.tokens)
                    fact = max(holding, key=lambda f: len(asked & set(normalise(f.text).split())))
                    doc = kb.engine._parse(fact.id, fact.text)
                    rule = located(q, fact, doc, kb.index)
                    final = locate(q, fact, doc, kb.index, policy=RULES_ALONE)[0]
                    cands, feats = spans.featurise(q, fact, doc, rule)
                    texts = [doc[a:b].text for a, b in cands]
                    rows.append(
                        {
                            "article": art.title,
                            "fold": fold_of(art.title),
                            "id": sq.id,
                            "qtype": question_type(sq.question),
                            "kind": rule.label,
                            "key": rule.key,
                            "wh": q.wh,
                            "yesno": q.wh is None and q.tokens[:1] in AUX_FIRST,
                            "rule": _scores(final, sq.answers),
                            "texts": texts,
                            "feats": feats,
                            "scores": [_scores(t, sq.answers) for t in texts],
                        }
                    )
        print(f"{art.title}: {len(rows)} questions so far, {time.perf_counter() - start:.0f} s")
    out.write_bytes(pickle.dumps(rows))
    print(f"{len(rows)} questions written to {out}")


def timing(articles: int) -> None:
    """What the scorer adds per question: ``spans.best_span`` on each question's gold fact,
    parse cached, over the first DEV_ARTICLES."""
    nlp = load_pipeline(DEFAULT_MODEL)
    costs: list[float] = []
    for art in load_dev_articles()[:articles]:
        with scratch_newsroom(nlp, prefix="spans-", reader=False) as kb:  # the rules' spans
            facts = kb.facts_of(load(kb, art.display_title, art.text))
            for sq in art.questions:
                try:
                    q = kb.engine.analyse(sq.question)
                except QuestionError:
                    continue
                fact = next((f for f in facts if contains_answer(f.text, sq.answers)), None)
                if fact is None:
                    continue
                doc = kb.engine._parse(fact.id, fact.text)
                start = time.perf_counter()
                # always scored: the worst case
                spans.best_span(q, fact, doc, rule=Located("", AnswerKind.NONE))
                costs.append(1000 * (time.perf_counter() - start))
    ms = np.array(costs)
    print(
        f"{len(ms)} questions: scorer {ms.mean():.2f} ms mean, {np.percentile(ms, 50):.2f} p50, "
        f"{np.percentile(ms, 95):.2f} p95, {ms.max():.2f} max (every question scored, whatever "
        "the rules found)"
    )


# --- the model ---------------------------------------------------------------------------------


def _matrix(
    rows: Sequence[dict[str, Any]], vocab: dict[str, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Flattened (candidate of each feature entry, feature id), the question of each candidate
    and the target distribution over each question's candidates."""
    cand_of: list[int] = []
    feat_of: list[int] = []
    question: list[int] = []
    target: list[float] = []
    c = 0
    for n, row in enumerate(rows):
        f1s = [s[1] for s in row["scores"]]
        top = max(f1s)
        winners = [f >= top - 1e-9 for f in f1s]
        for fs, win in zip(row["feats"], winners, strict=True):
            for f in fs:
                k = vocab.get(f)
                if k is not None:
                    cand_of.append(c)
                    feat_of.append(k)
            question.append(n)
            target.append(1.0 / sum(winners) if win else 0.0)
            c += 1
    return (
        np.array(cand_of, dtype=np.int64),
        np.array(feat_of, dtype=np.int64),
        np.array(question, dtype=np.int64),
        np.array(target),
    )


def fit(
    rows: Sequence[dict[str, Any]], *, l2: float, epochs: int, min_count: int = 3
) -> dict[str, float]:
    rows = [r for r in rows if r["feats"] and max(s[1] for s in r["scores"]) > 0]
    counts: Counter[str] = Counter(f for r in rows for fs in r["feats"] for f in set(fs))
    vocab = {f: k for k, f in enumerate(sorted(f for f, n in counts.items() if n >= min_count))}
    cand_of, feat_of, question, target = _matrix(rows, vocab)
    n_cand, n_q = len(target), len(rows)
    w = np.zeros(len(vocab))
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    lr, b1, b2 = 0.05, 0.9, 0.999
    for t in range(1, epochs + 1):
        s = np.bincount(cand_of, weights=w[feat_of], minlength=n_cand)
        top = np.full(n_q, -np.inf)
        np.maximum.at(top, question, s)
        e = np.exp(s - top[question])
        z = np.bincount(question, weights=e, minlength=n_q)
        p = e / z[question]
        loss = -np.sum(target * np.log(p + 1e-12)) / n_q + l2 * np.dot(w, w)
        g_cand = (p - target) / n_q
        g = np.bincount(feat_of, weights=g_cand[cand_of], minlength=len(w)) + 2 * l2 * w
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        w -= lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + 1e-8)
        if t % 50 == 0 or t == epochs:
            print(f"  epoch {t}: loss {loss:.4f}", file=sys.stderr)
    names = sorted(vocab, key=vocab.__getitem__)
    return {f: float(x) for f, x in zip(names, w, strict=True)}


MARGINS = (0.0, 0.5, 1.0, 1.5, 2.0)


def predict(row: dict[str, Any], weights: dict[str, float]) -> tuple[int | None, float]:
    """The best candidate, and by how much it beats the rules' answer (inf: not a candidate)."""
    if not row["feats"]:
        return None, 0.0
    scores = [sum(weights.get(f, 0.0) for f in fs) for fs in row["feats"]]
    best = max(range(len(scores)), key=lambda k: (scores[k], -k))
    rule = [s for s, fs in zip(scores, row["feats"], strict=True) if "rule=same" in fs]
    return best, (scores[best] - rule[0] if rule else float("inf"))


COLUMNS = (
    "rules",
    *spans.REPLACES,
    *(f"{DEFAULT.spans.policy}>{m}" for m in MARGINS),
    "learned",
    "ceiling",
)


def evaluate(
    rows: Sequence[dict[str, Any]], weights: dict[str, float]
) -> dict[str, dict[str, list[float]]]:
    """Per question type ("all" too): EM, F1 of the rules, of rules + scorer (where the rules'
    kind is in a policy's set; never for yes/no questions), of the scorer alone and of the best
    candidate (the ceiling)."""
    out: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        k, margin = predict(row, weights)
        learned = row["scores"][k] if k is not None else (0.0, 0.0)
        mixed = {
            name: learned
            if row["key"] in kinds
            and k is not None
            and not row["yesno"]
            and not (row["kind"] == "typed" and row["wh"] == "when")
            else row["rule"]
            for name, kinds in spans.REPLACES.items()
        }
        for m in MARGINS:
            mixed[f"{DEFAULT.spans.policy}>{m}"] = (
                learned
                if row["key"] in spans.REPLACES[DEFAULT.spans.policy]
                and k is not None
                and margin > m
                else row["rule"]
            )
        oracle = max(row["scores"], key=lambda s: s[1], default=(0.0, 0.0))
        for key in ("all", row["qtype"], f"kind:{row['kind']}"):
            for name, s in (
                ("rules", row["rule"]),
                *mixed.items(),
                ("learned", learned),
                ("ceiling", oracle),
            ):
                out[key][name + " EM"].append(s[0])
                out[key][name + " F1"].append(s[1])
    return out


def table(result: dict[str, dict[str, list[float]]]) -> str:
    cols = COLUMNS
    head = "| questions | n | " + " | ".join(f"{c} EM | {c} F1" for c in cols) + " |"
    lines = [head, "|" + "---|" * (2 + 2 * len(cols))]
    for key in sorted(result, key=lambda k: (k != "all", k.startswith("kind:"), k)):
        vals = result[key]
        n = len(vals["rules F1"])
        cells = [f"{100 * np.mean(vals[f'{c} {m}']):.1f}" for c in cols for m in ("EM", "F1")]
        lines.append(f"| {key} | {n} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def train(data: Path, *, ship: bool, folds_dir: Path, l2: float, epochs: int) -> None:
    rows = pickle.loads(data.read_bytes())
    print(
        f"{len(rows)} questions; candidates per question: "
        f"{np.mean([len(r['texts']) for r in rows]):.1f}"
    )
    merged: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for fold in (0, 1):
        train_rows = [r for r in rows if r["fold"] != fold]
        test_rows = [r for r in rows if r["fold"] == fold]
        weights = fit(train_rows, l2=l2, epochs=epochs)
        path = folds_dir / f"spans-fold{fold}.json"
        path.write_text(
            spans.dump_weights(weights.items(), note=f"trained without fold {fold}"), "utf-8"
        )
        print(f"fold {fold}: trained on {len(train_rows)}, held out {len(test_rows)}; {path}")
        for key, vals in evaluate(test_rows, weights).items():
            for name, xs in vals.items():
                merged[key][name].extend(xs)
    print(
        "\nHeld-out folds, gold sentences: the rules alone; rules + scorer by policy"
        " (spans.REPLACES); the scorer alone; the best candidate (ceiling)\n"
    )
    print(table(merged))
    if ship:
        weights = fit(rows, l2=l2, epochs=epochs)
        SHIPPED.write_text(
            spans.dump_weights(
                weights.items(),
                note="bench/train_spans.py: SQuAD v1.1 dev, the 32 DEV_ARTICLES, gold sentences",
            )
            + "\n",
            "utf-8",
        )
        print(f"\nweights on all {len(rows)} questions written to {SHIPPED}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("collect")
    c.add_argument("--out", type=Path, default=Path("/tmp/spans-data.pkl"))
    t = sub.add_parser("train")
    t.add_argument("--data", type=Path, default=Path("/tmp/spans-data.pkl"))
    t.add_argument("--ship", action="store_true")
    t.add_argument("--folds-dir", type=Path, default=Path("/tmp"))
    t.add_argument("--l2", type=float, default=1e-4)
    t.add_argument("--epochs", type=int, default=300)
    m = sub.add_parser("time")
    m.add_argument("--articles", type=int, default=4)
    args = parser.parse_args(argv)
    if args.command == "collect":
        collect(args.out)
    elif args.command == "time":
        timing(args.articles)
    else:
        train(args.data, ship=args.ship, folds_dir=args.folds_dir, l2=args.l2, epochs=args.epochs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
