"""The job service: what the HTTP API and the CLI call. It resolves a spec's files into stored
inputs, plans the graph, records it in the job store, and lets an executor run it; it reads
artifacts back for reviews and downloads, and keeps the disk in check.

Everything it is made of is passed in (store, artifacts, executor, media prober), so tests run
the real durable machinery on cheap steps.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from pipeline.errors import DiskFullError, InputError, JobError
from pipeline.jobs.artifacts import ArtifactStore, safe_arcname, safe_name
from pipeline.jobs.capabilities import language_name, normalize_spec, normalize_tag
from pipeline.jobs.executor import Executor
from pipeline.jobs.keys import TaskKey
from pipeline.jobs.plan import check_graph, plan, presenter_label
from pipeline.jobs.spec import JobSpec
from pipeline.jobs.store import WEIGHTS, JobStore, NotFoundError

log = logging.getLogger(__name__)

#: probe(path) -> description dict; raises InputError when the content is not usable
Prober = Callable[[Path], dict[str, Any]]

#: renderer option names ending so carry a file's digest for the key; the renderer never sees them
DIGEST_SUFFIX = "_sha256"

AUDIO_FORMATS = ("wav", "mp3", "m4a", "flac", "ogg")
VIDEO_FORMATS = ("mp4", "mov", "mkv", "avi", "webm")


def probe_media(path: Path) -> dict[str, Any]:
    """Describe a file by its content (never its name) through the media leaf."""
    from lipsync import media

    from pipeline.errors import wrap_leaf_errors

    with wrap_leaf_errors():
        info = media.probe(path)
    out: dict[str, Any] = {"container": info.container, "duration": round(info.duration, 3),
                           "has_audio": info.audio is not None, "has_video": info.video is not None,
                           "is_image": info.is_image}
    if info.video is not None:
        out.update(width=info.video.width, height=info.video.height, fps=str(info.video.fps))
    return out


def thumbnail_jpeg(path: Path, height: int = 160) -> bytes | None:
    """A small JPEG of a video's first frame (None when it cannot be read)."""
    try:
        import cv2

        from lipsync import media

        frame = media.read_frame(path, 0)
        h, w = frame.shape[:2]
        frame = cv2.resize(frame, (max(1, round(w * height / h)), height), interpolation=cv2.INTER_AREA)
        ok, buf = cv2.imencode(".jpg", cv2.cvtColor(frame, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 80])
        return buf.tobytes() if ok else None
    except Exception as exc:  # a thumbnail is a nicety; never fail an upload for it
        log.info("no thumbnail for %s: %s", path.name, exc)
        return None


class JobService:
    def __init__(self, store: JobStore, artifacts: ArtifactStore, executor: Executor | None, *,
                 data_dir: str | Path, prober: Prober = probe_media,
                 thumbnailer: Callable[[Path], bytes | None] = thumbnail_jpeg,
                 min_free_bytes: int = 1 << 30, retention_days: float = 30.0, allow_paths: bool = False,
                 free_space: Callable[[Path], int] | None = None, voices: Any = None):
        self.store = store
        self.artifacts = artifacts
        self.executor = executor
        self.data_dir = Path(data_dir)
        self.exports = self.data_dir / "exports"
        self.exports.mkdir(parents=True, exist_ok=True)
        self.prober = prober
        self.thumbnailer = thumbnailer
        self.min_free_bytes = min_free_bytes
        self.retention_days = retention_days
        #: whether a spec may name files on this machine (the CLI); over HTTP only uploads count
        self.allow_paths = allow_paths
        #: data folder -> free bytes; injectable so tests can fill the disk
        self.free_space = free_space or (lambda folder: shutil.disk_usage(folder).free)
        #: a `pipeline.voicing.PresenterVoices`: a voice per presenter and language at submission
        #: (profiles cached by file content in <data>/voices); injectable so tests can stub profiles
        if voices is None:
            from pipeline.voicing import PresenterVoices

            voices = PresenterVoices(self.data_dir / "voices")
        self.voices = voices

    # ------------------------------------------------------------------ disk
    def free_bytes(self) -> int:
        return self.free_space(self.data_dir)

    def check_disk(self) -> None:
        free = self.free_bytes()
        if free < self.min_free_bytes:
            raise DiskFullError(
                f"only {free / 1e9:.1f} GB free in the data folder (need {self.min_free_bytes / 1e9:.1f} GB); "
                "delete old jobs or run `polydub gc`")

    def gc(self, dry_run: bool = False, grace_s: float = 3600.0) -> dict[str, Any]:
        """Delete jobs past the retention period, then artifacts no remaining job uses (and
        older than `grace_s`, so an upload waiting for its job is not taken)."""
        expired = self.store.expired_jobs(self.retention_days * 86400) if self.retention_days > 0 else []
        if dry_run:
            unused = set(self.artifacts.keys()) - self.store.referenced_keys()
            return {"jobs": len(expired), "artifacts": len(unused),
                    "bytes": sum(self.artifacts.size(k) for k in unused)}
        for job_id in expired:
            self.delete(job_id, collect=False)
        removed, freed = self.artifacts.gc(self.store.referenced_keys(), older_than=grace_s)
        jobs = set(self._job_ids())
        for export in self.exports.glob("*.zip"):
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

    # ------------------------------------------------------------------ inputs
    def add_input(self, path: str | Path, name: str | None = None, *, want: str = "any",
                  move: bool = False) -> tuple[str, dict[str, Any]]:
        """Probe a file by its content and store it; `want` is "audio", "video", "any", or "file"
        (stored as it is, not probed: translations and glossary files)."""
        path = Path(path)
        if not path.is_file():
            raise InputError(f"{path}: no such file; check the path")
        label = name or path.name
        if want == "file":  # a text file (translations, glossary): read by the task that uses it
            return self.artifacts.put_file(path, safe_name(label), {}, move=move), {}
        try:
            info = self.prober(path)
        except InputError as exc:  # name the file as the user knows it, not our temporary copy
            raise InputError(str(exc).replace(str(path), label)) from exc
        if want == "audio" and not info.get("has_audio"):
            raise InputError(f"{label}: has no audio stream; give a narration as wav, mp3, m4a or flac, or a video with sound")
        if want == "video" and not info.get("has_video"):
            raise InputError(f"{label}: has no picture; give a presenter as mp4, mov, mkv, avi or webm")
        key = self.artifacts.put_file(path, safe_name(label), {"probe": info}, move=move)
        return key, info

    def add_presenter(self, path: str | Path, name: str, consent_by: str, *, move: bool = False,
                      analyse: bool = True) -> dict[str, Any]:
        if not consent_by or not consent_by.strip():
            raise InputError("record who gave the presenter's consent (consent_by) before uploading")
        key, info = self.add_input(path, name, want="video", move=move)
        thumb = self.thumbnailer(self.artifacts.input_file(key))
        if thumb:
            (self.artifacts.path(key) / "thumbnail.jpg.part").write_bytes(thumb)
            os.replace(self.artifacts.path(key) / "thumbnail.jpg.part", self.artifacts.path(key) / "thumbnail.jpg")
        pid = self.store.add_presenter(safe_name(name), key, consent_by.strip(), info)
        if analyse:
            job_id = self.submit(JobSpec(languages=(), presenters=(pid,), analyse_only=True,
                                         name=f"analyse {safe_name(name)}"), kind="analysis")
            self.store.set_presenter_analysis(pid, job_id)
        return self.presenter(pid)

    def presenter(self, pid: str) -> dict[str, Any]:
        p = self.store.presenter(pid)
        p["label"] = presenter_label(p["key"])
        p["analysis"] = {"state": "not started", "report": None}
        if p.get("analysis_job"):
            try:
                task = self.store.task(p["analysis_job"], str(TaskKey("analyse", presenter=p["label"])))
            except JobError:
                task = None
            if task:
                report = None
                if task["state"] == "done" and task["output"]:
                    f = self.artifacts.path(task["output"]) / "report.json"
                    report = json.loads(f.read_text()) if f.exists() else None
                p["analysis"] = {"state": task["state"], "progress": task["progress"], "error": task["error"],
                                 "report": report}
        p["thumbnail"] = (self.artifacts.path(p["key"]) / "thumbnail.jpg").exists()
        return p

    def presenters(self) -> list[dict[str, Any]]:
        return [self.presenter(p["id"]) for p in self.store.presenters()]

    def delete_presenter(self, pid: str) -> None:
        self.store.delete_presenter(pid)

    def resolve(self, spec: JobSpec) -> tuple[JobSpec, dict[str, str]]:
        """Turn presenter ids, keys and file paths into stored input keys."""
        labels: dict[str, str] = {}
        presenters = []
        for ref in spec.presenters:
            key, name = self._resolve_ref(ref, "video")
            presenters.append(key)
            labels[presenter_label(key)] = name
        recording = self._resolve_ref(spec.recording, "audio")[0] if spec.recording else None
        narrations = {lang: self._resolve_ref(ref, "audio")[0] for lang, ref in spec.narrations.items()}
        translations = self._resolve_ref(spec.translations, "file")[0] if spec.translations else None
        glossary = spec.glossary
        if isinstance(glossary, str):
            from pipeline.jobs.glossary import read_glossary

            key = self._resolve_ref(glossary, "file")[0]
            glossary = read_glossary(self.artifacts.input_file(key))
        return replace(spec, presenters=tuple(presenters), recording=recording, narrations=narrations,
                       translations=translations, glossary=glossary,
                       renderer_options=_with_digests(spec.renderer_options)), labels

    def _resolve_ref(self, ref: str, want: str) -> tuple[str, str]:
        if ref.startswith("p") and not os.path.exists(ref):
            try:
                p = self.store.presenter(ref)
                return p["key"], p["name"]
            except JobError:
                pass
        bare = ref.removeprefix("sha256:")
        if len(bare) == 64 and all(c in "0123456789abcdef" for c in bare):
            if not self.artifacts.has(bare):
                raise InputError(f"no stored file {bare[:12]}; upload it first")
            return bare, self.artifacts.meta(bare).get("name", bare[:12])
        if self.allow_paths and os.path.isfile(ref):
            key, _ = self.add_input(ref, Path(ref).name, want=want)
            return key, Path(ref).stem
        if not self.allow_paths:
            raise InputError(f"{ref!r} is neither an uploaded presenter nor an uploaded file; upload it first "
                             "(POST /presenters or POST /uploads) and give its id or key")
        raise InputError(f"{ref!r} is neither an uploaded presenter/file nor a file on disk")

    # ------------------------------------------------------------------ jobs
    def submit(self, spec: JobSpec, kind: str = "job", _carry_edits_from: str | None = None) -> str:
        """Plan a spec into a new job; returns its id. Language tags are normalised (`PT-br` ->
        `pt-BR`). Raises SpecError, InputError, DiskFullError."""
        self.check_disk()
        spec = normalize_spec(spec)
        spec.check()
        resolved, labels = self.resolve(spec)
        resolved, records = self._voiced(resolved, spec.presenters, labels)
        return self._create(spec, resolved, labels, kind, _carry_edits_from, records)

    def submit_or_resume(self, spec: JobSpec, kind: str = "job") -> tuple[str, bool]:
        """The job of this spec, resumed, or a new one: (job id, resumed).

        "The same job" is one of the same kind whose resolved spec is equal: every field, and
        every file by the SHA-256 of its bytes (not its path). Resuming requeues its failed and
        cancelled tasks; finished ones are kept, and anything whose artifact exists is reused."""
        self.check_disk()
        spec = normalize_spec(spec)
        spec.check()
        resolved, labels = self.resolve(spec)
        resolved, records = self._voiced(resolved, spec.presenters, labels)
        found = self.store.find_job(kind, resolved.to_dict())
        if found is None:
            return self._create(spec, resolved, labels, kind, None, records), False
        self.store.retry(found)
        log.info("resuming", extra={"job_id": found, "task": "-"})
        if self.executor is not None:
            self.executor.wake()
        return found, True

    def _voiced(self, resolved: JobSpec, refs: Iterable[str], labels: Mapping[str, str]
                ) -> tuple[JobSpec, dict[str, dict[str, dict]]]:
        """The resolved spec with a voice per presenter and language in `voices` ({presenter key:
        {language: voice}}: part of the job's identity), and the voice records for the manifests.
        Only for synthesized speech (not narrations, not analyses). SpecError for an override that
        names no presenter; InputError (one line naming the installed voices) for an unknown voice."""
        if resolved.analyse_only or resolved.narrations:
            return resolved, {}
        presenters = [((ref, key, labels.get(presenter_label(key), key)), key, self.artifacts.input_file(key))
                      for ref, key in zip(refs, resolved.presenters)]
        voices, records = self.voices.resolve(presenters, resolved.languages, resolved.voices)
        return replace(resolved, voices=voices), records

    def _create(self, spec: JobSpec, resolved: JobSpec, labels: dict[str, str], kind: str,
                carry_edits_from: str | None, records: Mapping[str, Mapping[str, dict]] | None = None) -> str:
        tasks = plan(resolved, labels, records)
        check_graph(tasks)
        job_id = self.store.create_job(spec.name or _default_name(spec), kind, resolved.to_dict(), tasks,
                                       labels=labels, languages=() if spec.analyse_only or spec.narrations
                                       else resolved.languages, carry_edits_from=carry_edits_from)
        log.info("created %s job with %d tasks", kind, len(tasks), extra={"job_id": job_id, "task": "-"})
        if self.executor is not None:
            self.executor.wake()
        return job_id

    def preview(self, spec: JobSpec, seconds: float = 3.0, height: int = 240) -> str:
        return self.submit(spec.as_preview(seconds, height), kind="preview")

    def rerun(self, job_id: str) -> str:
        """The same job again as a new job: whatever is unchanged is reused, not redone."""
        job = self.store.job(job_id)
        # Reviewed translations stay reviewed: the new job starts from the earlier run's edits.
        return self.submit(JobSpec.from_dict(job["spec"]), kind=job["kind"], _carry_edits_from=job_id)

    def extend(self, job_id: str, languages: Iterable[str] = (), presenters: Iterable[str] = ()) -> int:
        """Add languages or presenters to a job; only the new work runs (and the packs)."""
        job = self.store.job(job_id)
        self.check_disk()
        old = JobSpec.from_dict({k: v for k, v in job["spec"].items()})
        langs = tuple(dict.fromkeys([*old.languages, *(normalize_tag(lang) for lang in languages)]))
        labels: dict[str, str] = {}
        new_keys = []
        for ref in presenters:
            key, name = self._resolve_ref(ref, "video")
            new_keys.append(key)
            labels[presenter_label(key)] = name
        spec = replace(old, languages=langs, presenters=tuple(dict.fromkeys([*old.presenters, *new_keys])))
        if spec.narrations and set(spec.narrations) != set(spec.languages):
            raise JobError("a narration job gets new languages only with their narrations; create a new job")
        spec.check()
        all_labels = {**job["labels"], **labels}
        spec, records = self._voiced(spec, spec.presenters, all_labels)
        added = self.store.extend_job(job_id, spec.to_dict(), plan(spec, all_labels, records), all_labels,
                                      () if spec.narrations else spec.languages)
        if self.executor is not None:
            self.executor.wake()
        return added

    def job(self, job_id: str) -> dict[str, Any]:
        return self.snapshot(job_id)

    def job_spec(self, job_id: str) -> dict[str, Any]:
        """The job's resolved spec as stored (`JobSpec.from_dict` reads it); NotFoundError."""
        return self.store.job(job_id)["spec"]

    def jobs(self, offset: int = 0, limit: int = 20, kind: str | None = None) -> tuple[list[dict], int]:
        rows, total = self.store.jobs(offset, limit, kind)
        return [self._summary(r) for r in rows], total

    def _summary(self, job: dict[str, Any]) -> dict[str, Any]:
        tasks = self.store.tasks(job["id"])
        percent, eta = _percent_eta(job, tasks)
        spec = job["spec"]
        return {**{k: job[k] for k in ("id", "name", "kind", "state", "created", "started", "finished", "error")},
                "languages": spec.get("languages", []), "presenters": job["labels"], "percent": percent,
                "eta_seconds": eta, "review": spec.get("review", False)}

    def snapshot(self, job_id: str) -> dict[str, Any]:
        job = self.store.job(job_id)
        tasks = self.store.tasks(job_id)
        percent, eta = _percent_eta(job, tasks)
        out = self._summary(job)
        out["percent"], out["eta_seconds"] = percent, eta
        out["tasks"] = [{k: t[k] for k in ("name", "kind", "language", "presenter", "state", "progress", "message",
                                          "error", "attempts", "cached", "seconds")} for t in tasks]
        for t in out["tasks"]:
            t["file"] = job["labels"].get(t["presenter"]) if t["presenter"] else None
            key = TaskKey.parse(t["name"])  # in words: "Voicing Portuguese", not "speak:pt"
            t["label"] = replace(key, language=language_name(key.language)).label(job["labels"]) if key.language \
                else key.label(job["labels"])
        out["reviews"] = [{"language": r["language"], "approved": bool(r["approved"]), "edited": bool(r["edited"]),
                           "approved_by": r["approved_by"], "approved_at": r["approved_at"]}
                          for r in self.store.reviews(job_id)]
        out["outputs"] = self._outputs(job, tasks)
        return out

    def _outputs(self, job, tasks) -> dict[str, Any]:
        videos, packs = [], []
        for t in tasks:
            if t["state"] != "done":
                continue
            if t["kind"] == "render":
                videos.append({"language": t["language"], "presenter": t["presenter"],
                               "name": job["labels"].get(t["presenter"], t["presenter"])})
            elif t["kind"] == "pack":
                packs.append({"language": t["language"]})
        return {"videos": videos, "packs": packs}

    def cancel(self, job_id: str, task: str | None = None) -> None:
        self.store.job(job_id)
        if task is not None:
            self.store.task(job_id, task)
        if self.executor is not None:
            self.executor.cancel(job_id, task)
        else:
            self.store.cancel(job_id, task)

    def retry(self, job_id: str, task: str | None = None) -> list[str]:
        names = self.store.retry(job_id, task)
        if not names:
            raise JobError(f"job {job_id} has no failed or cancelled task{' ' + task if task else ''} to retry")
        if self.executor is not None:
            self.executor.wake()
        return names

    def delete(self, job_id: str, collect: bool = True) -> None:
        job = self.store.job(job_id)
        if job["state"] in ("queued", "running", "waiting-review"):
            self.cancel(job_id)
        keys = {k for t in self.store.tasks(job_id) for k in (t["key"], t["output"]) if k}
        self.store.delete_job(job_id)
        (self.exports / f"{job_id}.zip").unlink(missing_ok=True)
        if collect:
            # Its files go unless another job or a presenter still uses them.
            for key in keys - self.store.referenced_keys():
                self.artifacts.remove(key)

    # ------------------------------------------------------------------ review
    def _translate_task(self, job_id: str, language: str) -> dict[str, Any]:
        language = normalize_tag(language)
        try:
            task = self.store.task(job_id, str(TaskKey("translate", language)))
        except JobError:
            raise NotFoundError(f"job {job_id} has no translation into {language!r} to review") from None
        if task["state"] != "done":
            raise JobError(f"the {language} translation of job {job_id} is {task['state']}, not ready for review yet")
        return task

    def review(self, job_id: str, language: str) -> dict[str, Any]:
        language = normalize_tag(language)
        task = self._translate_task(job_id, language)
        doc = json.loads((self.artifacts.path(task["output"]) / "translation.json").read_text(encoding="utf-8"))
        row = next((r for r in self.store.reviews(job_id) if r["language"] == language), {})
        return {"language": language, "approved": bool(row.get("approved")), "edited": bool(row.get("edited")),
                "source_language": doc.get("source_language"), "sentences": doc["sentences"]}

    def edit(self, job_id: str, language: str, edits: Mapping[str, str]) -> list[str]:
        """Change translated sentences (by id); returns the tasks that will be redone."""
        language = normalize_tag(language)
        task = self._translate_task(job_id, language)
        folder = self.artifacts.path(task["output"])
        doc = json.loads((folder / "translation.json").read_text(encoding="utf-8"))
        ids = {s["id"] for s in doc["sentences"]}
        unknown = sorted(set(edits) - ids)
        if unknown:
            raise InputError(f"no sentence(s) {', '.join(unknown)} in the {language} translation")
        changed = False
        for s in doc["sentences"]:
            if s["id"] in edits and edits[s["id"]].strip() != s["text"]:
                if not edits[s["id"]].strip():
                    raise InputError(f"sentence {s['id']} would be empty; write a translation or keep the old one")
                s["text"] = " ".join(edits[s["id"]].split())
                changed = True
        if not changed:
            return []
        doc["edited"] = True
        blob = json.dumps(doc, ensure_ascii=False, sort_keys=True, indent=1)
        import hashlib

        key = hashlib.sha256(blob.encode()).hexdigest()
        if not self.artifacts.has(key):
            tmp = self.artifacts.begin()
            for extra in folder.iterdir():
                if extra.name not in ("translation.json", "meta.json") and extra.is_file():
                    shutil.copyfile(extra, tmp / extra.name)
            (tmp / "translation.json").write_text(blob, encoding="utf-8")
            self.artifacts.commit(key, tmp, {"kind": "translate", "edited_from": task["output"]})
        self.store.mark_edited(job_id, language)
        redo = self.store.set_output(job_id, task["name"], key)
        log.info("edited %s: redo %s", language, ", ".join(redo), extra={"job_id": job_id, "task": task["name"]})
        if self.executor is not None:
            self.executor.wake()
        return redo

    def approve(self, job_id: str, language: str, who: str = "reviewer") -> None:
        language = normalize_tag(language)
        self._translate_task(job_id, language)
        self.store.approve(job_id, language, who)
        if self.executor is not None:
            self.executor.wake()

    # ------------------------------------------------------------------ downloads
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
        return self._done_file(job_id, str(TaskKey("render", normalize_tag(language), presenter)), "video.mp4")

    def pack_zip(self, job_id: str, language: str) -> Path:
        return self._done_file(job_id, str(TaskKey("pack", normalize_tag(language))), "pack.zip")

    def subtitles_path(self, job_id: str, language: str, fmt: str) -> Path:
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
        out = self.exports / f"{job_id}.{stamp}.zip"
        if out.exists():
            return out
        tmp = out.with_suffix(".part")
        with zipfile.ZipFile(tmp, "w") as zf:
            for t in packs:
                folder = folders[t["name"]]
                for f in sorted(folder.rglob("*")):
                    if f.is_file():
                        arc = safe_arcname(f"{t['language']}/{f.relative_to(folder).as_posix()}")
                        zf.write(f, arc, compress_type=zipfile.ZIP_STORED if f.suffix in (".mp4", ".zip")
                                 else zipfile.ZIP_DEFLATED)
            zf.writestr("job.json", json.dumps({"id": job_id, "name": job["name"], "spec": job["spec"],
                                                "presenters": job["labels"]}, indent=1, ensure_ascii=False))
        for old in self.exports.glob(f"{job_id}.*.zip"):
            old.unlink(missing_ok=True)
        os.replace(tmp, out)
        return out

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
        p = self.store.presenter(pid)
        return self.artifacts.path(p["key"]) / "thumbnail.jpg"


def _with_digests(options: Mapping[str, Any]) -> dict[str, Any]:
    """Renderer options with each weights file's SHA-256 beside its path (`checkpoint` ->
    `checkpoint_sha256`), so a changed file gives new render keys, never a stale render."""
    from pipeline.jobs.artifacts import file_digest

    out = dict(options)
    for name, value in options.items():
        if name.endswith(DIGEST_SUFFIX) or not isinstance(value, str) or not os.path.isfile(value):
            continue
        out[f"{name}{DIGEST_SUFFIX}"] = file_digest(value)
    return out


def _default_name(spec: JobSpec) -> str:
    if spec.analyse_only:
        return "analysis"
    what = spec.text.strip().splitlines()[0].lstrip("# ")[:60] if spec.text else "narration"
    return f"{what} → {', '.join(spec.languages)}"


def _percent_eta(job: dict[str, Any], tasks: list[dict[str, Any]]) -> tuple[float, float | None]:
    if not tasks:
        return 100.0, 0.0
    total = sum(WEIGHTS.get(t["kind"], 1.0) for t in tasks)
    done = sum(WEIGHTS.get(t["kind"], 1.0) * (1.0 if t["state"] == "done" else t["progress"] if t["state"] == "running"
                                             else 0.0) for t in tasks)
    fraction = done / total
    eta = None
    if job["state"] in ("done",):
        return 100.0, 0.0
    if job["started"] and 0.02 < fraction < 1.0 and job["state"] == "running":
        elapsed = time.time() - job["started"]
        eta = round(elapsed * (1 - fraction) / fraction, 1)
    return round(100.0 * fraction, 1), eta
