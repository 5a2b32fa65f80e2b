"""The facade: ``Newsroom`` and what it hands out (``facade``, ``values``), the loading chores
it runs (``loading``), and ``catalogue``, the store's listings read without the NLP.

Nothing is imported here: ``knowledge`` names each module's exports, and importing the facade
(spaCy, the engine) only to reach ``catalogue`` would cost the quick commands their speed."""
