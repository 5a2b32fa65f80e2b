"""Scoring the engine on a question set (the JSON-lines format of ``shared/eval``).

Each line: ``{"id", "q", "answers": [...], "support": [...], "tags": [...], "context"?: id,
"article"?: path}``; ``answers: []`` means the engine must decline; ``context`` names an earlier
question whose answer is the conversation so far (a follow-up); ``article`` is the text the
question is about, relative to a corpus folder (``bbc/tech/042.txt``: it must be in the store).
Short answers are scored as SQuAD does (EM, token F1).
"""

from __future__ import annotations

import bisect
import itertools
import json
import math
import re
import string
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.models import Answer, Turn


@dataclass(frozen=True, slots=True)
class Item:
    id: str
    question: str
    answers: tuple[str, ...]
    support: tuple[str, ...]
    tags: tuple[str, ...] = ()
    context: str | None = None
    article: str | None = None


@dataclass(slots=True)
class Outcome:
    item: Item
    answer: Answer
    support_hit: bool
    em: float
    f1: float
    reply_hit: bool
    # declined, and a fact offered instead ("did you mean") holds the support
    offered: bool = False

    def row(self, set_name: str) -> dict[str, object]:
        """The outcome as a JSON row: ``talks-bot eval --details``, bench/written_eval.py."""
        return {
            "set": set_name,
            "id": self.item.id,
            "q": self.item.question,
            "answered": self.answer.answered,
            "answer": self.answer.short,
            "expected": list(self.item.answers),
            "support_hit": self.support_hit,
            "f1": round(self.f1, 3),
            "confidence": self.answer.confidence,
            "offered": self.offered,
            "suggested": len(self.answer.suggestions),
        }


@dataclass(slots=True)
class Report:
    outcomes: list[Outcome] = field(default_factory=list)

    def answerable(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.item.answers]

    def unanswerable(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.item.answers]

    def metrics(self) -> dict[str, float]:
        ans, una = self.answerable(), self.unanswerable()
        with_support = [o for o in ans if o.item.support]
        n = max(1, len(ans))
        given = [o for o in self.outcomes if o.answer.answered]
        plain = [o for o in given if not o.answer.tentative]
        missed = [o for o in with_support if not o.answer.answered]
        return {
            "questions": float(len(self.outcomes)),
            "support@1": sum(o.support_hit for o in with_support) / max(1, len(with_support)),
            "em": sum(o.em for o in ans) / n,
            "f1": sum(o.f1 for o in ans) / n,
            "reply_hit": sum(o.reply_hit for o in ans) / n,
            "declined": sum(not o.answer.answered for o in una) / max(1, len(una)),
            "false_declines": sum(not o.answer.answered for o in ans) / n,
            # how well the confidence ranks a right first fact above the rest
            "auc": auc([(o.answer.confidence, o.support_hit) for o in self.outcomes]),
            "declined_at_10": declined_at(
                [(o.answer.confidence, bool(o.item.answers)) for o in self.outcomes]
            ),
            # of the answers given, those said as unsure; of the others, how many hold the
            # support (an unanswerable question answered counts as wrong)
            "unsure": sum(o.answer.tentative for o in given) / max(1, len(given)),
            "sure_right": sum(o.support_hit for o in plain) / max(1, len(plain)),
            # of the answerable questions declined, those offered a fact that answers them;
            # none declined: not a number, shown "—" (a 0 would read "none offered")
            "offered": sum(o.offered for o in missed) / len(missed) if missed else math.nan,
        }

    def summary(self) -> str:
        m = self.metrics()
        return "\n".join(
            [
                f"questions       {int(m['questions'])} ({len(self.answerable())} answerable, "
                f"{len(self.unanswerable())} unanswerable)",
                f"support@1       {m['support@1']:.3f}",
                f"EM              {m['em']:.3f}",
                f"F1              {m['f1']:.3f}",
                f"reply hit rate  {m['reply_hit']:.3f}",
                f"declined        {m['declined']:.3f}",
                f"false declines  {m['false_declines']:.3f}",
                f"confidence AUC  {m['auc']:.3f}",
                f"declined at ≤10% false declines  {m['declined_at_10']:.3f}",
                f"answers said as unsure  {m['unsure']:.3f}",
                f"the others right        {m['sure_right']:.3f}",
                f"declined, a right fact offered  {_cell(m['offered'])}",
            ]
        )


_COLUMNS = (
    ("support@1", "support@1"),
    ("EM", "em"),
    ("F1", "f1"),
    ("reply hit", "reply_hit"),
    ("declined", "declined"),
    ("false declines", "false_declines"),
    ("confidence AUC", "auc"),
    ("declined at ≤10% false", "declined_at_10"),
    ("unsure", "unsure"),
    ("sure right", "sure_right"),
    ("declined, right fact offered", "offered"),
)


def table(reports: Mapping[str, Report]) -> str:
    """Several sets' metrics as one Markdown table, a row a set."""
    head = ["set", "questions (answerable / not)", *(name for name, _ in _COLUMNS)]
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, report in reports.items():
        m = report.metrics()
        size = f"{int(m['questions'])} ({len(report.answerable())} / {len(report.unanswerable())})"
        cells = [name, size, *(_cell(m[key]) for _, key in _COLUMNS)]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _cell(value: float) -> str:
    """A metric as printed: three decimals, or "—" where it has nothing to count."""
    return "—" if math.isnan(value) else f"{value:.3f}"


def auc(scored: Sequence[tuple[float, bool]]) -> float:
    """(confidence, right) pairs: the chance that a right one has a higher confidence than a
    wrong one (ties count half); 0.5 is no better than chance."""
    ranked = sorted(scored, key=lambda s: s[0])
    pos = sum(right for _, right in ranked)
    neg = len(ranked) - pos
    below = 0.0  # wrong ones ranked under the current group
    total = 0.0
    for _, group in itertools.groupby(ranked, key=lambda s: s[0]):
        rights = [right for _, right in group]
        p = sum(rights)
        n = len(rights) - p
        total += p * (below + n / 2)
        below += n
    return total / pos / neg if pos and neg else 0.5


def declined_at(scored: Sequence[tuple[float, bool]], max_false: float = 0.10) -> float:
    """(confidence, answerable) pairs: the largest share of unanswerable questions that some
    threshold declines (confidence below it) while declining at most ``max_false`` of the
    answerable ones."""
    una = sorted(c for c, answerable in scored if not answerable)
    ans = sorted(c for c, answerable in scored if answerable)
    if not una:
        return 0.0
    best = 0.0
    for threshold in sorted({*una, *ans, math.inf}):
        false = bisect.bisect_left(ans, threshold) / max(1, len(ans))
        if false <= max_false:
            best = max(best, bisect.bisect_left(una, threshold) / len(una))
    return best


def read_items(path: Path) -> list[Item]:
    items = []
    for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            items.append(
                Item(
                    id=str(d["id"]),
                    question=d["q"],
                    answers=tuple(d["answers"]),
                    support=tuple(d.get("support", ())),
                    tags=tuple(d.get("tags", ())),
                    context=d.get("context"),
                    article=d.get("article"),
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError) as e:
            raise ValueError(f"{path}:{n}: not a question line ({e})") from e
    return items


def evaluate(items: Iterable[Item], ask: Callable[[str, Turn | None], Answer]) -> Report:
    report = Report()
    turns: dict[str, Turn] = {}
    for item in items:
        context = turns.get(item.context) if item.context else None
        answer = ask(item.question, context)
        turns[item.id] = Turn(item.question, answer)
        report.outcomes.append(score(item, answer))
    return report


def score(item: Item, answer: Answer) -> Outcome:
    if not item.answers:
        return Outcome(item, answer, False, 0.0, 0.0, False)
    top = answer.facts[0].fact.text if answer.answered and answer.facts else ""
    support_hit = _holds_support(top, item.support)
    predicted = answer.short if answer.answered and answer.short else ""
    em = max(float(normalize_answer(predicted) == normalize_answer(a)) for a in item.answers)
    f1 = max(token_f1(predicted, a) for a in item.answers)
    reply = normalize_answer(answer.reply) if answer.answered else ""
    reply_hit = any(normalize_answer(a) in reply for a in item.answers)
    offered = not answer.answered and any(
        _holds_support(fact, item.support) for fact in answer.suggestions
    )
    return Outcome(item, answer, support_hit, em, f1, reply_hit, offered)


def _holds_support(text: str, support: Sequence[str]) -> bool:
    """Whether a fact's text holds one of the question's support fragments (normalised)."""
    held = normalize_answer(text)
    return any(normalize_answer(s) in held for s in support)


def normalize_answer(text: str) -> str:
    """SQuAD's normalisation: lowercase, no punctuation, no articles, single spaces."""
    text = text.lower().replace("’", "'").replace("“", '"').replace("”", '"')
    text = "".join(ch for ch in text if ch not in set(string.punctuation))
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def token_f1(prediction: str, truth: str) -> float:
    pred, gold = normalize_answer(prediction).split(), normalize_answer(truth).split()
    common = Counter(pred) & Counter(gold)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision, recall = same / len(pred), same / len(gold)
    return 2 * precision * recall / (precision + recall)
