"""Language packs in `--out`: each pack folder is replaced whole, never merged with an earlier one.

A reused `--out` kept the earlier pack's files (a presenter no longer in the job, another
voice's narration) beside the new pack's, and the summary counted them. Now a pack is copied to a
new folder beside its destination and swapped in (`install_pack`), so the folder always matches
its manifest; a destination that holds files but is no polydub pack is refused before the job
runs (`check_destination`), and so is an earlier pack folder holding files its manifest does not
name (`foreign_files`: a user's notes put beside the pack), so a user's own files are never deleted.
"""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

from pipeline.atomic import new_folder
from pipeline.errors import JobError

MANIFEST = "manifest.json"


def is_pack_folder(folder: Path) -> bool:
    """True when `folder` holds a polydub manifest (`pipeline.pack.write_pack`: a JSON object
    with `language` and the `synthetic_media` disclosure, which every pack carries)."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and "language" in manifest and manifest.get("synthetic_media") is True


def is_pack_zip(path: Path) -> bool:
    """True when `path` is a zip with a manifest.json at its top (a pack's zip)."""
    try:
        with zipfile.ZipFile(path) as zf:
            return MANIFEST in zf.namelist()
    except (OSError, zipfile.BadZipFile):
        return False


def check_destination(folder: Path, zip_path: Path) -> None:
    """Refuse (JobError, one line) a pack destination that would replace a user's files: a
    folder that exists, is not empty and is no polydub pack, or a file at `zip_path` that is
    no pack zip. An absent or empty folder, or an earlier pack, is fine (it is replaced)."""
    if folder.exists() and not folder.is_dir():
        raise JobError(f"{folder} is a file, not a folder; give --out a new folder or move the file away")
    if folder.is_dir() and any(folder.iterdir()) and not is_pack_folder(folder):
        raise JobError(f"{folder} already holds files that are not a polydub language pack (no polydub "
                       f"{MANIFEST}); give --out a new or empty folder, or move those files away")
    foreign = foreign_files(folder) if folder.is_dir() else []
    if foreign:
        shown = ", ".join(foreign[:3]) + (f", and {len(foreign) - 3} more" if len(foreign) > 3 else "")
        raise JobError(f"{folder} holds {len(foreign)} file(s) not made by polydub ({shown}) and the earlier pack "
                       "there is replaced whole: move them out of the folder, or give --out another folder")
    if zip_path.exists() and not is_pack_zip(zip_path):
        raise JobError(f"{zip_path} exists and is not a polydub pack zip; give --out another folder or move it away")


def foreign_files(folder: Path) -> list[str]:
    """The files (paths relative to `folder`, sorted) in an earlier pack folder that its manifest
    does not name: a user's own, which replacing the folder would delete. The manifest names its
    files as string values (narration.file, subtitles, script, videos[*].file, narrations[*].file);
    every string in it is taken as a name, so a new manifest field naming a file needs no change
    here. [] when `folder` holds no polydub manifest (`check_destination` refuses it whole)."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    named = {MANIFEST}
    stack: list[object] = [manifest]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            named.add(value)
        elif isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return sorted(rel for rel in (f.relative_to(folder).as_posix() for f in folder.rglob("*") if not f.is_dir())
                  if rel not in named)


def install_pack(src: Path, dest: Path, copy: Callable[[Path, Path], object]) -> None:
    """Make `dest` hold exactly the files of pack folder `src`: copied (`copy(src_file,
    dest_file)`) into a new folder beside `dest`, then swapped in with renames, and the earlier
    pack (if any) removed. `dest` is checked first (`check_destination`); a copy that fails
    leaves `dest` as it was. Raises JobError for a destination that is not a pack, OSError."""
    check_destination(dest, dest.with_suffix(".zip"))
    dest.parent.mkdir(parents=True, exist_ok=True)
    building = new_folder(dest.parent, f"{dest.name}.new")
    try:
        for f in sorted(src.rglob("*")):
            if f.is_file():
                target = building / f.relative_to(src)
                target.parent.mkdir(parents=True, exist_ok=True)
                copy(f, target)
        old = None
        if dest.exists():
            old = new_folder(dest.parent, f"{dest.name}.old")
            os.replace(dest, old / dest.name)  # the earlier pack moves aside whole
        os.replace(building, dest)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
