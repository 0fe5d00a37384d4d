"""Files of a model store entry: its manifest, checksums, the file lock and the atomic install.

Every store entry carries `polydub-model.json` (kind, licence, source, per-file sha256). An
entry is built under a hidden temporary name beside it and renamed into place under a file
lock, so two processes working on the same entry neither corrupt nor duplicate it.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

log = logging.getLogger("pipeline.models")

MANIFEST = "polydub-model.json"


def _package_dir(package: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def _concatenate(parts: list[Path], out: Path, chunk: int = 1 << 22) -> str:
    h = hashlib.sha256()
    with open(out, "wb") as f:
        for part in parts:
            with open(part, "rb") as src:
                while block := src.read(chunk):
                    h.update(block)
                    f.write(block)
    return h.hexdigest()


def sha256_file(path: str | os.PathLike) -> str:
    """SHA-256 (64 hex digits) of a file's bytes: pipeline's one file digest (model manifests,
    stored inputs, weights named in renderer options)."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _checksums(folder: Path) -> dict[str, dict]:
    files = [folder] if folder.is_file() else sorted(p for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST)
    base = folder.parent if folder.is_file() else folder
    return {str(p.relative_to(base)): {"sha256": sha256_file(p), "size": p.stat().st_size} for p in files}


def write_manifest(folder: Path, name: str, kind: str, licence: str, source: str, config: dict | None) -> dict:
    """Record `folder`'s kind, licence, source and per-file sha256 in its manifest; returns it."""
    manifest = {"name": name, "kind": kind, "licence": licence, "source": source, "created": time.time(),
                "config": config or {}, "files": _checksums(folder)}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return manifest


def read_manifest(entry: Path) -> dict:
    """The manifest of a store entry folder; {} when it has none or it is unreadable."""
    m = entry / MANIFEST
    if entry.is_dir() and m.is_file():
        with contextlib.suppress(ValueError, OSError):
            return json.loads(m.read_text(encoding="utf-8"))
    return {}


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as f:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX: the atomic rename alone keeps it safe
            yield
            return
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def install_entry(root: Path, name: str, fill: Callable[[Path], None], *, tag: str = "tmp",
                  replace: bool = True) -> Path:
    """Build store entry `root/name` by `fill(tmp)` into a fresh hidden folder beside it, then
    rename it into place under the entry's lock (`root/.<name>.lock`). Returns the entry path.

    replace=True: `fill` runs outside the lock (a copy or download can be long), then any
    existing entry is replaced. replace=False: everything runs under the lock, and an entry that
    exists (another process built it while we waited) is kept without calling `fill`.
    Whatever `fill` raises propagates; the temporary folder never stays behind.
    """
    root.mkdir(parents=True, exist_ok=True)
    dest = root / name
    tmp = root / f".{name}.{tag}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        if replace:
            tmp.mkdir()
            fill(tmp)
            with _file_lock(root / f".{name}.lock"):
                if dest.exists():
                    shutil.rmtree(dest) if dest.is_dir() else dest.unlink()
                os.rename(tmp, dest)
        else:
            with _file_lock(root / f".{name}.lock"):
                if dest.exists():  # another process finished it while we waited
                    return dest
                tmp.mkdir()
                fill(tmp)
                try:
                    os.rename(tmp, dest)
                except OSError:
                    if not dest.exists():
                        raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return dest
