"""Progress bars for the CLI's long work (tqdm): loading many articles, re-extracting a store,
embedding its facts, polling feeds. Drawn on a terminal only: piped into a file or a service's
log, a bar redrawn in place would be thousands of carriage returns, so there it is left out (the
summary still comes)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

_UNITS = {"feeds": "feed", "embedding": "fact"}


@contextmanager
def bar(what: str, total: int) -> Iterator[Callable[[int], None]]:
    """A bar of ``total`` steps on stderr while the work runs (``knowledge.Progress``)."""
    with (
        tqdm(
            total=total,
            desc=what,
            unit=_UNITS.get(what, "article"),
            file=sys.stderr,
            disable=None,  # None: drawn only when stderr is a terminal
            leave=False,
            dynamic_ncols=True,
        ) as progress,
        logging_redirect_tqdm(),  # log lines meanwhile go above the bar, not through it
    ):
        yield progress.update
