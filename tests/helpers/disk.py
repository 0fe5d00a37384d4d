"""A free-space probe a test can steer: `POLYDUB_FREE_SPACE_PROBE=tests.helpers.disk:free_from_file`.

It reads the free bytes from `<data dir>/free-bytes` (a number) when that file exists, so a test
can "fill the disk" between two chunks of an upload; otherwise it asks the file system."""

from __future__ import annotations

import shutil
from pathlib import Path


def free_from_file(folder: Path) -> int:
    """Free bytes of `folder`'s disk, or the number in `folder/free-bytes`."""
    steer = Path(folder) / "free-bytes"
    if steer.exists():
        return int(float(steer.read_text().strip() or 0))
    return shutil.disk_usage(folder).free
