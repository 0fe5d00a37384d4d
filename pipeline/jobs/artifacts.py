"""Content-addressed artifact store: every task output lives in a folder named by its key.

A key is the SHA-256 of what made the artifact (the task kind, the version of the code and
models that ran it, its options, and the keys of its inputs), so the same work is never done
twice, and a new engine version gives new keys. Uploaded files are stored under the hash of
their bytes. Writes go to a temporary folder renamed into place, so a reader sees a whole
artifact or none, and two workers racing on one key both end with the same result.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from pipeline.errors import JobError
from pipeline.models.files import sha256_file

META = "meta.json"


def task_key(kind: str, version: str, params: Mapping[str, Any], inputs: Mapping[str, str]) -> str:
    """The content address of a task's output."""
    blob = json.dumps({"kind": kind, "version": version, "params": params, "inputs": dict(inputs)},
                      sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def _check_key(key: str) -> str:
    if len(key) != 64 or any(c not in "0123456789abcdef" for c in key):
        raise JobError(f"{key!r} is not an artifact key (64 lowercase hex digits)")
    return key


class ArtifactStore:
    """Folders under `root/objects/<2 hex>/<key>/`, each with a `meta.json`."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)
        (self.root / "objects").mkdir(parents=True, exist_ok=True)
        (self.root / "tmp").mkdir(parents=True, exist_ok=True)

    def path(self, key: str) -> Path:
        key = _check_key(key)
        return self.root / "objects" / key[:2] / key

    def has(self, key: str) -> bool:
        return (self.path(key) / META).exists()

    def meta(self, key: str) -> dict[str, Any]:
        try:
            return json.loads((self.path(key) / META).read_text())
        except FileNotFoundError as exc:
            raise JobError(f"artifact {key[:12]} is missing; re-run the task that makes it") from exc

    def begin(self) -> Path:
        """A fresh temporary folder to write an artifact into (then `commit` it)."""
        tmp = self.root / "tmp" / uuid.uuid4().hex
        tmp.mkdir(parents=True)
        return tmp

    def commit(self, key: str, tmp: Path, meta: Mapping[str, Any] | None = None) -> Path:
        final = self.path(key)
        info = {"key": key, "created": time.time(), **(meta or {})}
        info["files"] = sorted(str(p.relative_to(tmp)) for p in tmp.rglob("*") if p.is_file() and p.name != META)
        (tmp / META).write_text(json.dumps(info, indent=1, default=str))
        final.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.rename(tmp, final)
        except OSError:
            # Someone else made the same artifact first; theirs is identical by construction.
            if not self.has(key):
                raise
            shutil.rmtree(tmp, ignore_errors=True)
        return final

    def put_file(self, source: str | os.PathLike, name: str, meta: Mapping[str, Any] | None = None,
                 move: bool = False) -> str:
        """Store an uploaded file under the hash of its bytes; returns the key."""
        key = sha256_file(source)
        if self.has(key):
            if move:
                os.unlink(source)
            return key
        tmp = self.begin()
        target = tmp / safe_name(name)
        (shutil.move if move else shutil.copyfile)(str(source), str(target))
        self.commit(key, tmp, {"kind": "input", "name": target.name, **(meta or {})})
        return key

    def input_file(self, key: str) -> Path:
        """The stored file of an input artifact."""
        meta = self.meta(key)
        return self.path(key) / meta["name"]

    def keys(self) -> Iterator[str]:
        for bucket in (self.root / "objects").iterdir():
            for d in bucket.iterdir():
                yield d.name

    def size(self, key: str) -> int:
        return sum(p.stat().st_size for p in self.path(key).rglob("*") if p.is_file())

    def remove(self, key: str) -> None:
        shutil.rmtree(self.path(key), ignore_errors=True)

    def gc(self, keep: Iterable[str], older_than: float = 0.0) -> tuple[int, int]:
        """Remove every artifact not in `keep` (and stale temporaries); returns (count, bytes)."""
        keep = set(keep)
        removed = freed = 0
        now = time.time()
        for key in list(self.keys()):
            if key in keep:
                continue
            p = self.path(key)
            if older_than and now - p.stat().st_mtime < older_than:
                continue
            freed += self.size(key)
            self.remove(key)
            removed += 1
        for tmp in (self.root / "tmp").iterdir():
            if now - tmp.stat().st_mtime > 3600:
                shutil.rmtree(tmp, ignore_errors=True)
        return removed, freed


_UNSAFE = set('/\\:*?"<>|\0')


def safe_name(name: str, default: str = "file") -> str:
    """A file name that cannot leave its folder: no separators, no dots-only, no control chars."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join("_" if (c in _UNSAFE or ord(c) < 32) else c for c in base).strip(" .")
    return cleaned[:120] or default


def safe_arcname(name: str) -> str:
    """A zip entry name that stays inside the archive's folder."""
    parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".")]
    if not parts or any(p == ".." for p in parts) or ":" in parts[0]:
        raise JobError(f"refusing zip entry {name!r}: it would leave the archive's folder")
    return "/".join(parts)
