"""The extractor's version, apart from the extractor: a store's listing checks it without
importing spaCy (``knowledge.newsroom.catalogue``)."""

# Raise this whenever the facts an article yields change (their terms, spans, mentions): a store
# built by an older version is re-extracted from its stored texts when it is opened.
EXTRACTOR_VERSION = 10
