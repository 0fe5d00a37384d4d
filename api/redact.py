"""Keep the server's folders out of answers: a client needs the file's name, not where the
service keeps it (the data folder's layout tells an attacker where to aim)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any


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


def scrub(value: Any, hide: Callable[[str | None], str | None]) -> Any:
    """`hide` applied to every string inside dicts and lists."""
    if isinstance(value, str):
        return hide(value)
    if isinstance(value, dict):
        return {k: scrub(v, hide) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v, hide) for v in value]
    return value
