"""Files written whole or not at all.

    write_text_atomic(path, text)          # a text file
    with atomic_path(path) as tmp:         # any writer that takes a path (a copy, an encoder)
        shutil.copyfile(src, tmp)
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """A new, empty temporary file beside `path` for the block to write; renamed over `path`
    when the block ends without an error, removed when it raises. A reader of `path` sees the
    old file or the whole new one. The temporary name is unique (`tempfile.mkstemp`), so two
    writers of the same file never share it, and it keeps `path`'s suffix, so a writer that picks
    its format by the name (a WAV, an MP4) writes the right one. The folder must exist."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=f".part{path.suffix}")
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text_atomic(path: str | os.PathLike, text: str) -> Path:
    """Write `text` (UTF-8) to `path` whole (`atomic_path`): a reader sees the old file or the
    whole new one, and two writers of the same file (two submissions measuring one presenter)
    never share a temporary. Returns `path`."""
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path
