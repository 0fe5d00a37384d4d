"""Files written whole or not at all.

    write_text_atomic(path, text)          # a text file
    with atomic_path(path) as tmp:         # any writer that takes a path (a copy, an encoder)
        shutil.copyfile(src, tmp)
    new = new_folder(parent, "pt")         # an empty, uniquely named folder (for building aside)

Files and folders get the mode the process's umask gives any new file (0644 / 0755 under umask
022), not `tempfile`'s owner-only 0600 / 0700: they are the user's outputs.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """A new, empty temporary file beside `path` for the block to write; renamed over `path`
    when the block ends without an error, removed when it raises. A reader of `path` sees the
    old file or the whole new one. The temporary name is unique (created with O_EXCL), so two
    writers of the same file never share it, and it keeps `path`'s suffix, so a writer that picks
    its format by the name (a WAV, an MP4) writes the right one. The folder must exist. The file
    gets the umask's mode for a new file (0644 under umask 022; `tempfile.mkstemp` gives 0600)."""
    path = Path(path)
    tmp = _new_file(path.parent, f".{path.stem}.", f".part{path.suffix}")
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _new_file(folder: Path, prefix: str, suffix: str) -> str:
    """Create a new empty file with a unique name in `folder` (O_EXCL, as `tempfile.mkstemp`
    does) but with mode 0o666 less the umask, as any file a program creates."""
    for _ in range(100):
        name = folder / f"{prefix}{secrets.token_hex(6)}{suffix}"
        try:
            os.close(os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        return str(name)
    raise FileExistsError(f"{folder}: no free temporary name after 100 tries")


def new_folder(parent: str | os.PathLike, prefix: str) -> Path:
    """A new empty folder with a unique name (`.<prefix>.<hex>`) in `parent`, mode 0o777 less
    the umask (`tempfile.mkdtemp` would give 0700): a pack built there and renamed into place
    keeps the mode a user expects of their outputs. `parent` must exist."""
    for _ in range(100):
        folder = Path(parent) / f".{prefix}.{secrets.token_hex(6)}"
        try:
            folder.mkdir(mode=0o777)
        except FileExistsError:
            continue
        return folder
    raise FileExistsError(f"{parent}: no free temporary folder name after 100 tries")


def write_text_atomic(path: str | os.PathLike, text: str) -> Path:
    """Write `text` (UTF-8) to `path` whole (`atomic_path`): a reader sees the old file or the
    whole new one, and two writers of the same file (two submissions measuring one presenter)
    never share a temporary. Returns `path`."""
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path
