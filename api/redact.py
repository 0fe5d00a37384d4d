"""Keep the server's folders out of answers: a client needs the file's name, not where the
service keeps it (the data folder's layout tells an attacker where to aim)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pipeline.jobs.paths import path_hider

__all__ = ["path_hider", "scrub"]


def scrub(value: Any, hide: Callable[[str | None], str | None]) -> Any:
    """`hide` applied to every string inside dicts and lists."""
    if isinstance(value, str):
        return hide(value)
    if isinstance(value, dict):
        return {k: scrub(v, hide) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v, hide) for v in value]
    return value
