"""Downloads and disk upkeep: a finished job's videos, packs, subtitles and one zip of every
pack (kept in <data>/exports), presenter pictures, and the garbage collection of expired jobs
and unused artifacts.
"""

from __future__ import annotations

import json
import logging
import zipfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from pipeline.atomic import atomic_path
from pipeline.errors import InputError, JobError
from pipeline.jobs.artifacts import ArtifactStore, safe_arcname
from pipeline.jobs.capabilities import normalize_tag
from pipeline.jobs.keys import TaskKey
from pipeline.jobs.plan import pack_voice_records, presenter_label
from pipeline.jobs.store import JobStore, NotFoundError

log = logging.getLogger(__name__)


class Exports:
    """Files for download, read from finished tasks' artifacts; job zips are written to `folder`."""

    def __init__(self, store: JobStore, artifacts: ArtifactStore, folder: Path):
        self.store = store
        self.artifacts = artifacts
        self.folder = folder

    def gc(self, delete: Callable[..., None], retention_days: float, dry_run: bool = False,
           grace_s: float = 3600.0) -> dict[str, Any]:
        """Delete jobs past the retention period (through `delete(job_id, collect=False)`), then
        artifacts no remaining job uses (and older than `grace_s`, so an upload waiting for its
        job is not taken)."""
        expired = self.store.expired_jobs(retention_days * 86400) if retention_days > 0 else []
        if dry_run:
            unused = set(self.artifacts.keys()) - self.store.referenced_keys()
            return {"jobs": len(expired), "artifacts": len(unused),
                    "bytes": sum(self.artifacts.size(k) for k in unused)}
        for job_id in expired:
            delete(job_id, collect=False)
        removed, freed = self.artifacts.gc(self.store.referenced_keys(), older_than=grace_s)
        jobs = set(self._job_ids())
        for export in self.folder.glob("*.zip"):
            if export.name.split(".")[0] not in jobs:
                export.unlink(missing_ok=True)
        log.info("gc removed %d job(s), %d artifact(s), %.1f MB", len(expired), removed, freed / 1e6)
        return {"jobs": len(expired), "artifacts": removed, "bytes": freed}

    def _job_ids(self) -> Iterable[str]:
        offset = 0
        while True:
            rows, total = self.store.jobs(offset, 500)
            yield from (r["id"] for r in rows)
            offset += len(rows)
            if not rows or offset >= total:
                return

    def _done_output(self, job_id: str, name: str) -> Path:
        try:
            task = self.store.task(job_id, name)
        except JobError:
            raise NotFoundError(f"job {job_id} has no {name}") from None
        if task["state"] != "done":
            raise JobError(f"{name} of job {job_id} is {task['state']}, not done yet")
        return self.artifacts.path(task["output"])

    def _done_file(self, job_id: str, name: str, relative: str) -> Path:
        """A finished task's file, which must still be there (a download is never a stand-in)."""
        path = self._done_output(job_id, name) / relative
        if not path.exists():
            raise NotFoundError(f"{name} of job {job_id} is done but its files are gone from the artifact "
                                "store; retry that task to make them again")
        return path

    def video_path(self, job_id: str, language: str, presenter: str) -> Path:
        """The lip-synced MP4 of a presenter (by label) in a language; NotFoundError, JobError."""
        return self._done_file(job_id, str(TaskKey("render", normalize_tag(language), presenter)), "video.mp4")

    def pack_zip(self, job_id: str, language: str) -> Path:
        """A language's finished pack as one zip; NotFoundError, JobError."""
        return self._done_file(job_id, str(TaskKey("pack", normalize_tag(language))), "pack.zip")

    def subtitles_path(self, job_id: str, language: str, fmt: str) -> Path:
        """A language's subtitles, `fmt` "srt" or "vtt" (InputError otherwise); NotFoundError, JobError."""
        if fmt not in ("srt", "vtt"):
            raise InputError("subtitles come as srt or vtt")
        return self._done_file(job_id, str(TaskKey("pack", normalize_tag(language))), f"pack/subtitles.{fmt}")

    def job_zip(self, job_id: str) -> Path:
        """One zip with every finished language pack, in a folder per language."""
        job = self.store.job(job_id)
        packs = [t for t in self.store.tasks(job_id) if t["kind"] == "pack" and t["state"] == "done"]
        if not packs:
            raise JobError(f"job {job_id} has no finished language pack yet")
        folders = {t["name"]: self._done_file(job_id, t["name"], "pack") for t in packs}  # all there, or 404
        stamp = "-".join(t["output"][:8] for t in packs)
        out = self.folder / f"{job_id}.{stamp}.zip"
        if out.exists():
            return out
        with atomic_path(out) as tmp, zipfile.ZipFile(tmp, "w") as zf:
            for t in packs:
                folder = folders[t["name"]]
                for f in sorted(folder.rglob("*")):
                    if f.is_file():
                        arc = safe_arcname(f"{t['language']}/{f.relative_to(folder).as_posix()}")
                        zf.write(f, arc, compress_type=zipfile.ZIP_STORED if f.suffix in (".mp4", ".zip")
                                 else zipfile.ZIP_DEFLATED)
            zf.writestr("job.json", json.dumps(self._job_record(job_id, job), indent=1, ensure_ascii=False))
            for old in self.folder.glob(f"{job_id}.*.zip"):  # earlier exports (not this temporary)
                old.unlink(missing_ok=True)
        return out

    def _job_record(self, job_id: str, job: dict[str, Any]) -> dict[str, Any]:
        """job.json: the job's id, name, presenter labels and spec, a spec that submitted again
        is the same job. Its `voices` are the user's own (a voice, or a declared register); the
        voices polydub chose are left out of it (it chooses them again, as the first time) and
        listed under `automatic_voices`, {presenter key: {language: voice}}: submitted with
        them, they would read as the user's choices."""
        spec = dict(job["spec"])
        records = pack_voice_records(spec.get("presenters") or [], self.store.tasks(job_id))
        own, automatic = split_voices(spec.get("voices") or {}, records)
        return {"id": job_id, "name": job["name"], "spec": {**spec, "voices": own}, "automatic_voices": automatic,
                "presenters": job["labels"]}

    def poster_path(self, job_id: str, presenter: str) -> Path:
        """The small first frame of a job's presenter (by its label), for a video's poster;
        NotFoundError when the job has no such presenter or it has no thumbnail."""
        job = self.store.job(job_id)
        key = next((k for k in job["spec"].get("presenters", []) if presenter_label(k) == presenter), None)
        path = self.artifacts.path(key) / "thumbnail.jpg" if key else None
        if path is None or not path.exists():
            raise NotFoundError(f"job {job_id} has no picture of presenter {presenter}")
        return path

    def thumbnail_path(self, pid: str) -> Path:
        """Where a presenter's thumbnail JPEG is (it may be absent); NotFoundError for no such presenter."""
        p = self.store.presenter(pid)
        return self.artifacts.path(p["key"]) / "thumbnail.jpg"


def split_voices(voices: Mapping[str, Any], records: Mapping[tuple[str, str], Mapping[str, Any]]
                 ) -> tuple[dict[str, Any], dict[str, dict[str, str]]]:
    """A resolved spec's `voices` ({presenter key: {language: voice}}) split by who chose them,
    from the packs' voice records (`pack_voice_records`): (the user's, as a spec gives them: the
    voice, or "female"/"male" where the user declared the presenter's register; polydub's).
    A voice without a record (no pack planned for it) counts as the user's, as it was given."""
    from pipeline.voicing import USER_CHOSEN

    own: dict[str, Any] = {}
    automatic: dict[str, dict[str, str]] = {}
    for key, table in voices.items():
        if not isinstance(table, Mapping):  # a per-language entry (an unresolved spec): the user's
            own[key] = table
            continue
        for language, voice in table.items():
            record = records.get((key, language))
            profile = (record or {}).get("profile") or {}
            if record is None or USER_CHOSEN in record.get("reason", ""):
                own.setdefault(key, {})[language] = voice
            elif profile.get("source") == "declared" and profile.get("register"):
                own.setdefault(key, {})[language] = profile["register"]  # chosen by the register declared
            else:
                automatic.setdefault(key, {})[language] = voice
    return own, automatic
