"""What several commands share: printing a localization's outcome."""

from __future__ import annotations

import sys


def print_result(result) -> int:
    """Say where the language packs are; list failed presenters. Exit 1 if any failed."""
    for pack in result.packs:
        print(f"{pack.language}: {len(pack.videos)} video(s) in {pack.folder}  (zip: {pack.zip_path})")
    for failure in result.failures:
        print(f"polydub: error: {failure.presenter} ({failure.language}): {failure.error}", file=sys.stderr)
    return 0 if result.ok else 1
