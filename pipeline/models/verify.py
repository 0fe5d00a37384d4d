"""Verification of a store entry: recorded checksums (its manifest, or the installing wheel's
RECORD for package-shipped files), then a load check for its kind. Problems are collected."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipeline.models.catalogue import CATALOGUE
from pipeline.models.files import sha256_file
from pipeline.models.kinds import LOADERS, detect_kind


@dataclass(frozen=True)
class Verification:
    name: str
    path: Path | None
    files_checked: int
    problems: tuple[str, ...]
    loaded: bool | None          # None: no load check for this kind
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems and self.loaded is not False


def verify_entry(name: str, path: Path, manifest: dict, start: float,
                 loader: Callable[[Path], object] | None = None) -> Verification:
    """Check every checksum `manifest` records for the entry at `path` (or, with none, the wheel
    RECORD of the packages that ship catalogued `name`), then load it (`loader(path)`, or the
    default for its kind). `start` is the `time.perf_counter()` the check began at."""
    problems: list[str] = []
    checked = 0
    if manifest.get("files"):
        for rel, meta in manifest["files"].items():
            f = path / rel
            checked += 1
            if not f.is_file():
                problems.append(f"{rel} is missing")
            elif f.stat().st_size != meta.get("size", f.stat().st_size) or sha256_file(f) != meta["sha256"]:
                problems.append(f"{rel} does not match its recorded checksum")
    else:
        item = CATALOGUE.get(name)
        if item and item.packages:
            n, bad = _verify_record(item.packages, path)
            checked += n
            problems += bad
    kind = manifest.get("kind") or (CATALOGUE[name].kind if name in CATALOGUE else detect_kind(path))
    load = loader or LOADERS.get(kind)
    loaded = None
    if load is not None and not problems:
        try:
            load(path)
            loaded = True
        except Exception as exc:  # a load check reports whatever the loader raised
            loaded = False
            problems.append(f"does not load: {type(exc).__name__}: {' '.join(str(exc).split())[:300]}")
    return Verification(name, path, checked, tuple(problems), loaded, time.perf_counter() - start)


def _verify_record(packages: tuple[str, ...], path: Path) -> tuple[int, list[str]]:
    """Check the files of package-shipped models against the hashes their wheels recorded."""
    from importlib import metadata

    checked, problems = 0, []
    target = path.resolve()
    for package in packages:
        try:
            dist = metadata.distribution(package.replace("_", "-"))
        except metadata.PackageNotFoundError:
            continue
        for f in dist.files or ():
            if f.hash is None or f.hash.mode != "sha256" or f.suffix in (".py", ".pyc"):
                continue
            located = Path(f.locate()).resolve()
            if not (located == target or target in located.parents):
                continue
            checked += 1
            if not located.is_file():
                problems.append(f"{f} is missing")
                continue
            digest = base64.urlsafe_b64encode(bytes.fromhex(sha256_file(located))).rstrip(b"=").decode()
            if digest != f.hash.value:
                problems.append(f"{f} does not match the checksum its wheel recorded")
    return checked, problems
