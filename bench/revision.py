"""The commit a benchmark measured, for its report (every bench script names it)."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def git_revision(paths: Sequence[str] = ("knowledge",)) -> str:
    """The short HEAD commit, flagged when ``paths`` (all tracked files when empty) have
    uncommitted changes; "unknown" outside a git checkout."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=True
        ).stdout.strip()

    try:
        head = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no", "--", *paths)
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    where = " to " + ", ".join(f"{p}/" for p in paths) if paths else ""
    return head + (f" (with uncommitted changes{where})" if dirty else "")
