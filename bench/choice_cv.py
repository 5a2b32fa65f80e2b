"""Does choosing the fact by a conditional logit beat the shipped logistic? A comparison on
``fit_reader.py``'s cached rows; it fits nothing to ship.

    PYTHONPATH=.:bench .venv/bin/python bench/fit_reader.py --embedders /tmp/tuned-embeddings
    PYTHONPATH=.:bench .venv/bin/python bench/choice_cv.py [ROWS]   # default: its cache

The shipped choice (``ReaderWeights``) is one logistic model of "this fact's span is right"
over every fact read: the fact it rates highest is the answer, and that rating is the
confidence. A *conditional* logit (McFadden's; a softmax over one question's facts, fitted on
the answerable questions that have a right fact) is fitted for the choice alone, so that it
learns only what tells the right fact from the others; the confidence is still the logistic
model's rating of the fact it chose. Both are cross-validated as ``fit_reader.py --cv`` does:
the news questions in two folds by article, fitted on SQuAD and the other fold, the threshold
chosen on the other fold (declining at most 10 % of its answerable questions).
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from fit_reader import CACHE, Chooser, Question, cross_validate, fit

from knowledge.qa.config import READER_FEATURES


def design(q: Question) -> np.ndarray:
    """A question's rows as a matrix: a bias column, then ``READER_FEATURES`` (clipped: a
    reading without a span has a margin of -inf)."""
    return np.array([[1.0, *(float(np.clip(v, -30, 30)) for v in f)] for f, _ in q.rows])


def fit_conditional(questions: Sequence[Question], l2: float = 1.0) -> np.ndarray:
    """The conditional logit's weights (Newton's method; the bias column cancels out, and the
    penalty keeps it at 0)."""
    groups = [
        (design(q), np.array([float(r) for _, r in q.rows]))
        for q in questions
        if q.answerable and any(r for _, r in q.rows)
    ]
    w = np.zeros(groups[0][0].shape[1])
    for _ in range(30):
        grad, hess = l2 * w, l2 * np.eye(len(w))
        for x, y in groups:
            z = x @ w
            p = np.exp(z - z.max())
            p /= p.sum()
            grad += x.T @ (p - y / y.sum())
            hess += x.T @ (np.diag(p) - np.outer(p, p)) @ x
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-7:
            break
    return w


def chooser(rating: np.ndarray, choice: np.ndarray | None) -> Chooser:
    """The chosen fact's confidence (the logistic rating) and whether its span is right;
    chosen by ``choice`` (the conditional logit) or, without one, by the rating itself."""

    def choose(q: Question) -> tuple[float, bool]:
        if not q.rows:
            return 0.0, False
        x = design(q)
        z = x @ rating
        k = int(np.argmax(x @ choice)) if choice is not None else int(np.argmax(z))
        return 1 / (1 + math.exp(-float(np.clip(z[k], -30, 30)))), q.rows[k][1]

    return choose


def choice(conditional: bool) -> Callable[[Sequence[Question]], Chooser]:
    """The choice fitted on training questions: the logistic rating's, or the conditional
    logit's (the confidence still the rating)."""

    def make(train: Sequence[Question]) -> Chooser:
        return chooser(fit(train), fit_conditional(train) if conditional else None)

    return make


def main(argv: Sequence[str]) -> int:
    path = Path(argv[0]) if argv else CACHE
    qs = [Question(**d) for d in json.loads(path.read_text("utf-8"))]
    n = len(READER_FEATURES)  # rows collected with a feature since dropped keep it last
    for q in qs:
        q.rows = [(f[:n], r) for f, r in q.rows]
    results = {
        name: cross_validate(qs, choice(conditional))
        for name, conditional in (("logistic (shipped)", False), ("conditional logit", True))
    }
    print("| choice | " + " | ".join(next(iter(results.values()))) + " |")
    print("|---" * 6 + "|")
    for name, r in results.items():
        print(f"| {name} | " + " | ".join(f"{v:.3f}" for v in r.values()) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
