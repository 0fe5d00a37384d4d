"""Where the real footage is: an extra for tests and benches, never required."""

from __future__ import annotations

import os
from pathlib import Path

#: the repository's root
ROOT = Path(__file__).resolve().parents[2]


def shared_media_dir() -> Path | None:
    """`$POLYDUB_TEST_MEDIA`, else ../shared/media beside the repository, when it holds the footage."""
    env = os.environ.get("POLYDUB_TEST_MEDIA")
    candidates = [Path(env)] if env else []
    candidates.append(ROOT.parent / "shared" / "media")
    for c in candidates:
        if (c / "presenter_a.mp4").exists():
            return c
    return None
