"""The rules that find a short answer in a fact, by stage: ``typed`` (a span of the asked
type), ``shapes`` (a verdict, an option, a list, a quote, a manner, a reason), ``phrases`` (a
phrase the parse ties to the question's words) and ``relation`` (how an answer stands in its
fact). ``knowledge/qa/shortanswer.py`` runs them in order."""
