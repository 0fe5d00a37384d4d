"""Language packs compared file by file: the check that two runs of one job made the same packs."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

#: Manifest fields that may differ between two runs of one job: when the pack was made.
#: (A pack carries no job id: it is shared by every job whose inputs are the same.)
PER_RUN_FIELDS = frozenset({"created"})


def pack_entries(zipped: Path | bytes) -> dict[str, bytes]:
    """{entry name: bytes} of a pack zip (a file, or its bytes as downloaded), in the zip's order."""
    with zipfile.ZipFile(io.BytesIO(zipped) if isinstance(zipped, bytes) else zipped) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist() if not info.is_dir()}


def folder_entries(folder: Path) -> dict[str, bytes]:
    """{path relative to the folder: bytes} of every file under a pack folder."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def comparable_manifest(data: bytes) -> dict:
    """A manifest's JSON without the fields that say when it was made."""
    return {k: v for k, v in json.loads(data).items() if k not in PER_RUN_FIELDS}


def differences(a: dict[str, bytes], b: dict[str, bytes]) -> list[str]:
    """What differs between two packs' files ({name: bytes} each), one line per file: files only
    one side has, manifests unequal apart from `PER_RUN_FIELDS` (the differing keys named),
    any other file whose bytes differ. Empty when the packs are the same."""
    out = [f"{name}: only in the {'first' if name in a else 'second'} pack" for name in sorted(set(a) ^ set(b))]
    for name in sorted(set(a) & set(b)):
        if name.endswith("manifest.json"):
            ma, mb = comparable_manifest(a[name]), comparable_manifest(b[name])
            keys = sorted(k for k in set(ma) | set(mb) if ma.get(k) != mb.get(k))
            if keys:
                out.append(f"{name}: manifests differ in {', '.join(keys)}")
        elif a[name] != b[name]:
            out.append(f"{name}: bytes differ ({len(a[name])} vs {len(b[name])} bytes)")
    return out
