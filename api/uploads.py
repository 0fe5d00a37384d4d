"""Saving uploads: streamed to the data folder under a random name, never larger than the
limit, then probed by content and stored under their hash by the job service."""

from __future__ import annotations

import uuid
from pathlib import Path

from fastapi import HTTPException, UploadFile

CHUNK = 1 << 20


def save_upload(upload: UploadFile, folder: Path, limit: int) -> Path:
    """Write the upload to `folder` (a random name: the client's name is never a path)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / uuid.uuid4().hex
    size = 0
    try:
        with open(path, "wb") as f:
            while chunk := upload.file.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise HTTPException(413, f"{upload.filename}: larger than the upload limit of "
                                             f"{limit / (1 << 20):.0f} MB (POLYDUB_MAX_UPLOAD_MB)")
                f.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    if size == 0:
        path.unlink(missing_ok=True)
        raise HTTPException(422, f"{upload.filename}: the file is empty")
    return path


#: text files a job reads (`kind=text` uploads): provided translations
#: (`translate.backends.provided.SUFFIXES`) and glossary files (`pipeline.jobs.glossary.SUFFIXES`)
TEXT_SUFFIXES = (".xliff", ".xlf", ".po", ".csv", ".tsv", ".json", ".yaml", ".yml")


def check_text_upload(path: Path, name: str) -> None:
    """HTTPException 422 unless `path` (the upload of file `name`) is a UTF-8 text file with a
    suffix a job reads (`TEXT_SUFFIXES`): its format is taken from the suffix."""
    if Path(name).suffix.lower() not in TEXT_SUFFIXES:
        raise HTTPException(422, f"{name}: a translations or glossary file ends in {', '.join(TEXT_SUFFIXES)}; "
                                 "rename it to its format's suffix")
    try:
        path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise HTTPException(422, f"{name}: not UTF-8 text; save it as UTF-8") from None
