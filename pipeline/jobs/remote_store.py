"""An artifact store that lives at an fsspec URL (s3://, gs://, file://, ...), for clusters
whose nodes share no folder.

Same keys and layout as `ArtifactStore` (`objects/<2 hex>/<key>/` with a `meta.json`), at the
URL; each node keeps a local cache of what it has read or written (artifacts are immutable, so
a cached copy never goes stale). `path(key)` names the cached folder; `fetch(key)` fills it
from the URL first. A worker fetches its task's inputs before it runs
(`ray_actors.localize_inputs`) and `commit` uploads the finished artifact, `meta.json` last,
so a reader sees a whole artifact or none. Protocols beyond the local file system come from
fsspec's own plugins (s3fs, gcsfs, ...), installed by the user.
"""

from __future__ import annotations

import logging
import os
import shutil
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from pipeline.errors import JobError
from pipeline.jobs.artifacts import META, ArtifactStore, _check_key
from pipeline.jobs.executor import TaskCall

log = logging.getLogger(__name__)

#: Overrides the local cache folder on a node (the driver's path may not exist there).
CACHE_ENV = "POLYDUB_ARTIFACT_CACHE"


def is_url(location: str | os.PathLike) -> bool:
    return "://" in str(location)


def localize_inputs(call: TaskCall, artifacts: Any) -> TaskCall:
    """A call whose inputs are local folders: a store at a URL fetches each input artifact
    into this node's cache first; a shared folder is local already."""
    fetch = getattr(artifacts, "fetch", None)
    if fetch is None:
        return call
    return replace(call, inputs={role: str(fetch(Path(p).name)) for role, p in call.inputs.items()})


def open_artifact_store(location: str | os.PathLike, cache_dir: str | os.PathLike) -> ArtifactStore:
    """A folder (shared by every node, or just this machine's) or an fsspec URL."""
    if is_url(location):
        return RemoteArtifactStore(str(location), cache_dir)
    return ArtifactStore(location)


class RemoteArtifactStore(ArtifactStore):
    """`ArtifactStore` at an fsspec URL, with a local cache folder on each node."""

    def __init__(self, url: str, cache_dir: str | os.PathLike):
        self.url = url.rstrip("/")
        self.cache_dir = str(cache_dir)
        super().__init__(os.environ.get(CACHE_ENV) or cache_dir)
        self._fs = None
        try:
            self.fs.makedirs(self._remote("objects"), exist_ok=True)
        except ImportError as exc:
            raise JobError(f"no fsspec plugin for {url}: {exc}; install the one for its protocol "
                           "(e.g. pip install s3fs)") from exc

    # Picklable for Ray workers: the file system is rebuilt from the URL on the other side.
    def __getstate__(self) -> dict[str, Any]:
        return {"url": self.url, "cache_dir": self.cache_dir}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.url, self.cache_dir = state["url"], state["cache_dir"]
        self.root = Path(os.environ.get(CACHE_ENV) or self.cache_dir)
        (self.root / "objects").mkdir(parents=True, exist_ok=True)
        (self.root / "tmp").mkdir(parents=True, exist_ok=True)
        self._fs = None

    @property
    def fs(self):
        if self._fs is None:
            import fsspec

            self._fs, self._base = fsspec.core.url_to_fs(self.url)
        return self._fs

    def _remote(self, *parts: str) -> str:
        self.fs  # sets _base
        return "/".join((self._base.rstrip("/"), *parts))

    def _remote_dir(self, key: str) -> str:
        key = _check_key(key)
        return self._remote("objects", key[:2], key)

    # ------------------------------------------------------------------ reading
    def has(self, key: str) -> bool:
        return super().has(key) or self.fs.exists(f"{self._remote_dir(key)}/{META}")

    def fetch(self, key: str) -> Path:
        """The artifact's local folder, downloaded first when this node has not got it."""
        local = self.path(key)
        if super().has(key):
            return local
        remote = self._remote_dir(key)
        if not self.fs.exists(f"{remote}/{META}"):
            raise JobError(f"artifact {key[:12]} is missing from {self.url}; re-run the task that makes it")
        tmp = self.root / "tmp" / uuid.uuid4().hex
        try:
            for src in self.fs.find(remote):
                rel = src[len(remote):].lstrip("/")
                target = tmp / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                self.fs.get_file(src, str(target))
            local.parent.mkdir(parents=True, exist_ok=True)
            os.rename(tmp, local)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
            if not super().has(key):  # another process on this node fetched it first
                raise
        return local

    def meta(self, key: str) -> dict[str, Any]:
        if not super().has(key) and self.has(key):
            self.fetch(key)
        return super().meta(key)

    def input_file(self, key: str) -> Path:
        self.fetch(key)
        return super().input_file(key)

    # ------------------------------------------------------------------ writing
    def commit(self, key: str, tmp: Path, meta: Mapping[str, Any] | None = None) -> Path:
        final = super().commit(key, tmp, meta)
        remote = self._remote_dir(key)
        if self.fs.exists(f"{remote}/{META}"):
            return final  # made elsewhere first: identical by construction
        files = sorted(p for p in final.rglob("*") if p.is_file() and p.name != META)
        for p in files:
            target = f"{remote}/{p.relative_to(final).as_posix()}"
            self.fs.makedirs(target.rsplit("/", 1)[0], exist_ok=True)
            self.fs.put_file(str(p), target)
        self.fs.put_file(str(final / META), f"{remote}/{META}")  # last: marks the artifact whole
        return final

    # ------------------------------------------------------------------ housekeeping
    def keys(self) -> Iterator[str]:
        for bucket in self.fs.ls(self._remote("objects"), detail=False):
            for d in self.fs.ls(bucket, detail=False):
                yield d.rstrip("/").rsplit("/", 1)[-1]

    def size(self, key: str) -> int:
        return int(self.fs.du(self._remote_dir(key)))

    def remove(self, key: str) -> None:
        super().remove(key)
        remote = self._remote_dir(key)
        if self.fs.exists(remote):
            self.fs.rm(f"{remote}/{META}")  # first: the artifact stops existing for readers
            self.fs.rm(remote, recursive=True)

    def gc(self, keep: Iterable[str], older_than: float = 0.0) -> tuple[int, int]:
        keep = set(keep)
        removed = freed = 0
        for key in list(self.keys()):
            if key in keep:
                continue
            freed += self.size(key)
            self.remove(key)
            removed += 1
        return removed, freed
