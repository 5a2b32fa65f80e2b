"""Word lists that more than one stage of answering tests a question or an answer against."""

from __future__ import annotations

BE_FORMS = frozenset({"is", "are", "was", "were"})
# Auxiliaries that open a yes/no question ("did X ...?", "is Y ...?").
AUXILIARIES = frozenset({"did", "does", "do", "has", "have", "had"} | BE_FORMS)
# Focus nouns that ask for a date ("which year", "what day"): a date of that form answers.
DATE_FOCUS = frozenset({"year", "years", "day", "days", "date", "dates", "month", "months"})
# Trimmed off both ends of a short answer.
ANSWER_STRIP = " ,.;:\"'“”‘’()"
