"""How a short answer was found: the kind the engine weighs it by, and for a phrase the rule of
the parse that found it (which the learned span scorer is told, and may replace)."""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple


class AnswerKind(StrEnum):
    TYPED = "typed"  # a span of the expected type
    PERSON = "person"  # a person the question asks about, named or described
    QUOTE = "quote"  # what someone said
    LIST = "list"  # the items after a colon
    CONJUNCT = "conjunct"  # beside what "besides X" sets aside
    MANNER = "manner"  # the means or manner (or degree) a "how" question asks for
    DEFINITION = "definition"  # the other side of "X is Y"
    PHRASE = "phrase"  # a phrase the parse ties to the question's words
    REASON = "reason"  # a cause or purpose for "why"
    NONE = "none"  # nothing found


class Located(NamedTuple):
    """The rules' answer, its kind, and for a phrase the rule that found it ("chunks", "focus",
    "object", "agent", "kind", "predicate", "stranded", "either", "yesno", "part")."""

    answer: str | None
    kind: AnswerKind
    rule: str | None = None

    @property
    def key(self) -> tuple[AnswerKind, str | None]:
        """What ``spans.REPLACES`` lists."""
        return self.kind, self.rule

    @property
    def label(self) -> str:
        """The kind with its rule ("phrase:chunks"), as the span scorer's features name it."""
        return f"{self.kind}:{self.rule}" if self.rule else str(self.kind)


NOTHING = Located(None, AnswerKind.NONE)
# The kinds that answer a typed question ("who", "when", "how many") with a span of its type.
TYPED_KINDS = frozenset({AnswerKind.TYPED, AnswerKind.PERSON, AnswerKind.CONJUNCT})
