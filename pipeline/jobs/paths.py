"""Paths inside polydub's own folders cut down to file names, for errors a person reads: a
user needs the name of the file they gave, not where the store keeps its copy (and a server's
folder layout tells an attacker where to aim)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path


def path_hider(data_dir: Path) -> Callable[[str | None], str | None]:
    """text -> text with every path inside `data_dir` (as given or resolved) cut to its file name;
    None stays None."""
    roots = sorted({str(Path(data_dir)), str(Path(data_dir).resolve())}, key=len, reverse=True)
    pattern = re.compile("(?:" + "|".join(re.escape(r) for r in roots) + r")[^\s'\",;)]*")

    def hide(text: str | None) -> str | None:
        if text is None:
            return None
        return pattern.sub(lambda m: Path(m.group()).name or "the data folder", text)

    return hide
