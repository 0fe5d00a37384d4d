"""The job service: what the HTTP API and the CLI call. It resolves a spec's files into stored
inputs, plans the graph, records it in the job store, and lets an executor run it; it reads
artifacts back for reviews and downloads, and keeps the disk in check.

Everything it is made of is passed in (store, artifacts, executor, media prober), so tests run
the real durable machinery on cheap steps. It is composed of a `PresenterLibrary` (inputs and
presenters, `pipeline.jobs.presenters`), a `ReviewDesk` (translation review,
`pipeline.jobs.review`) and `Exports` (downloads and gc, `pipeline.jobs.exports`); the methods
the API and CLI call on those are kept here as one-line delegations.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from pipeline.errors import DiskFullError, JobError
from pipeline.jobs.artifacts import ArtifactStore
from pipeline.jobs.capabilities import job_language, language_words, normalize_spec
from pipeline.jobs.checks import job_checks
from pipeline.jobs.executor import Executor
from pipeline.jobs.exports import Exports
from pipeline.jobs.plan import check_graph, pack_voice_records, plan, presenter_label
from pipeline.jobs.presenters import DIGEST_SUFFIX, PresenterLibrary, Prober, probe_media, thumbnail_jpeg
from pipeline.jobs.review import ReviewDesk
from pipeline.jobs.spec import JobSpec
from pipeline.jobs.progress import detected_languages, outputs, summary, task_rows
from pipeline.jobs.store import JobStore

__all__ = ["AUDIO_FORMATS", "DIGEST_SUFFIX", "JobService", "Prober", "VIDEO_FORMATS", "probe_media",
           "thumbnail_jpeg"]

log = logging.getLogger(__name__)

AUDIO_FORMATS = ("wav", "mp3", "m4a", "flac", "ogg")
VIDEO_FORMATS = ("mp4", "mov", "mkv", "avi", "webm")


class JobService:
    """Submits, resumes, extends, reruns, cancels, retries and deletes jobs and reports on them;
    presenters, reviews and downloads are done by its `library`, `desk` and `downloads`."""

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
        self.min_free_bytes = min_free_bytes
        self.retention_days = retention_days
        #: data folder -> free bytes; injectable so tests can fill the disk
        self.free_space = free_space or (lambda folder: shutil.disk_usage(folder).free)
        #: a `pipeline.voicing.PresenterVoices`: a voice per presenter and language at submission
        #: (profiles cached by file content in <data>/voices); injectable so tests can stub profiles
        if voices is None:  # cloned voices (pipeline.cloning) where a cloning model is installed
            from pipeline.cloning import CloningVoices
            from pipeline.voicing import PresenterVoices

            voices = CloningVoices(PresenterVoices(self.data_dir / "voices"), artifacts)
        self.voices = voices
        self.library = PresenterLibrary(store, artifacts, self.submit, prober=prober, thumbnailer=thumbnailer,
                                        allow_paths=allow_paths)
        self.desk = ReviewDesk(store, artifacts, self._wake)
        self.downloads = Exports(store, artifacts, self.exports)

    @property
    def prober(self) -> Prober:
        """How an input is probed (the library's)."""
        return self.library.prober

    @property
    def thumbnailer(self) -> Callable[[Path], bytes | None]:
        """How a presenter's thumbnail is made (the library's)."""
        return self.library.thumbnailer

    @property
    def allow_paths(self) -> bool:
        """Whether a spec may name files on this machine (the CLI); over HTTP only uploads count."""
        return self.library.allow_paths

    def _wake(self) -> None:
        if self.executor is not None:
            self.executor.wake()

    # ------------------------------------------------------------------ disk
    def free_bytes(self) -> int:
        """Free bytes in the data folder."""
        return self.free_space(self.data_dir)

    def check_disk(self) -> None:
        """DiskFullError when the data folder has less than `min_free_bytes` free."""
        free = self.free_bytes()
        if free < self.min_free_bytes:
            raise DiskFullError(
                f"only {free / 1e9:.1f} GB free in the data folder (need {self.min_free_bytes / 1e9:.1f} GB); "
                "delete old jobs or run `polydub gc`")

    def gc(self, dry_run: bool = False, grace_s: float = 3600.0) -> dict[str, Any]:
        """Delete jobs past the retention period, then artifacts no remaining job uses (and
        older than `grace_s`, so an upload waiting for its job is not taken)."""
        return self.downloads.gc(self.delete, self.retention_days, dry_run, grace_s)

    # ------------------------------------------------------------------ inputs (PresenterLibrary)
    def add_input(self, path: str | Path, name: str | None = None, *, want: str = "any",
                  move: bool = False) -> tuple[str, dict[str, Any]]:
        """Probe a file by its content and store it (see `PresenterLibrary.add_input`)."""
        return self.library.add_input(path, name, want=want, move=move)

    def add_presenter(self, path: str | Path, name: str, consent_by: str, *, move: bool = False,
                      analyse: bool = True) -> dict[str, Any]:
        """Store a presenter video with its consent (see `PresenterLibrary.add_presenter`)."""
        return self.library.add_presenter(path, name, consent_by, move=move, analyse=analyse)

    def presenter(self, pid: str) -> dict[str, Any]:
        """A presenter's record (see `PresenterLibrary.presenter`)."""
        return self.library.presenter(pid)

    def presenters(self) -> list[dict[str, Any]]:
        """Every presenter (see `PresenterLibrary.presenters`)."""
        return self.library.presenters()

    def delete_presenter(self, pid: str) -> None:
        """Forget a presenter (see `PresenterLibrary.delete_presenter`)."""
        self.library.delete_presenter(pid)

    def resolve(self, spec: JobSpec) -> tuple[JobSpec, dict[str, str]]:
        """Turn presenter ids, keys and file paths into stored input keys."""
        return self.library.resolve(spec)

    # ------------------------------------------------------------------ jobs
    def submit(self, spec: JobSpec, kind: str = "job", _carry_edits_from: str | None = None) -> str:
        """Plan a spec into a new job; returns its id. Language tags are normalised (`PT-br` ->
        `pt-BR`). Raises SpecError, InputError, DiskFullError."""
        self.check_disk()
        spec = normalize_spec(spec)
        spec.check()
        resolved, labels = self.resolve(spec)
        # a rerun's spec carries the voices the earlier run chose: those it chose itself stay automatic
        automatic = self._automatic_voices(_carry_edits_from) if _carry_edits_from else set()
        resolved, records = self._voiced(resolved, spec.presenters, labels, automatic)
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
        log.info("resuming job %s", found, extra={"job_id": found, "task": "-"})
        self._wake()
        return found, True

    def _automatic_voices(self, job_id: str) -> set[tuple[str, str]]:
        """(presenter key, language) pairs whose voice job `job_id` chose itself (its packs'
        voice records do not say USER_CHOSEN)."""
        from pipeline.voicing import USER_CHOSEN

        records = pack_voice_records(self.store.job(job_id)["spec"].get("presenters") or [],
                                     self.store.tasks(job_id))
        return {pair for pair, record in records.items() if USER_CHOSEN not in record.get("reason", "")}

    def _voiced(self, resolved: JobSpec, refs: Iterable[str], labels: Mapping[str, str],
                automatic: set[tuple[str, str]] | None = None) -> tuple[JobSpec, dict[str, dict[str, dict]]]:
        """The resolved spec with a voice per presenter and language in `voices` ({presenter key:
        {language: voice}}: part of the job's identity), and the voice records for the manifests.
        Only for synthesized speech (not narrations, not analyses). SpecError for an override that
        names no presenter; InputError (one line naming the installed voices) for an unknown voice."""
        if resolved.analyse_only or resolved.narrations:
            return resolved, {}
        presenters = [((ref, key, labels.get(presenter_label(key), key)), key, self.artifacts.input_file(key))
                      for ref, key in zip(refs, resolved.presenters)]
        voices, records = self.voices.resolve(presenters, resolved.languages, resolved.voices,
                                              automatic=automatic or ())
        return replace(resolved, voices=voices), records

    def _create(self, spec: JobSpec, resolved: JobSpec, labels: dict[str, str], kind: str,
                carry_edits_from: str | None, records: Mapping[str, Mapping[str, dict]] | None = None) -> str:
        tasks = plan(resolved, labels, records)
        check_graph(tasks)
        job_id = self.store.create_job(spec.name or _default_name(spec), kind, resolved.to_dict(), tasks,
                                       labels=labels, languages=() if spec.analyse_only or spec.narrations
                                       else resolved.languages, carry_edits_from=carry_edits_from)
        # the id in the words too: a terminal's log format (api.cli) shows no `extra` fields
        log.info("created %sjob %s with %d tasks", "" if kind == "job" else f"{kind} ", job_id, len(tasks),
                 extra={"job_id": job_id, "task": "-"})
        self._wake()
        return job_id

    def preview(self, spec: JobSpec, seconds: float = 3.0, height: int = 240) -> str:
        """Submit a short, small version of a spec (`seconds` long, `height` pixels) as a "preview" job."""
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
        # a language the job has keeps its tag (`pt` names a job's `pt-BR`, `capabilities.job_language`)
        langs = tuple(dict.fromkeys([*old.languages, *(job_language(lang, old.languages) for lang in languages)]))
        labels: dict[str, str] = {}
        new_keys = []
        for ref in presenters:
            key, name = self.library.resolve_ref(ref, "video")
            new_keys.append(key)
            labels[presenter_label(key)] = name
        spec = replace(old, languages=langs, presenters=tuple(dict.fromkeys([*old.presenters, *new_keys])))
        if spec.narrations and set(spec.narrations) != set(spec.languages):
            raise JobError("a narration job gets new languages only with their narrations; create a new job")
        spec.check()
        all_labels = {**job["labels"], **labels}
        # the stored spec carries the voices chosen for it: those chosen automatically stay so
        spec, records = self._voiced(spec, spec.presenters, all_labels, self._automatic_voices(job_id))
        added = self.store.extend_job(job_id, spec.to_dict(), plan(spec, all_labels, records), all_labels,
                                      () if spec.narrations else spec.languages)
        self._wake()
        return added

    def job(self, job_id: str) -> dict[str, Any]:
        """The job's snapshot (as `snapshot`)."""
        return self.snapshot(job_id)

    def job_spec(self, job_id: str) -> dict[str, Any]:
        """The job's resolved spec as stored (`JobSpec.from_dict` reads it); NotFoundError."""
        return self.store.job(job_id)["spec"]

    def jobs(self, offset: int = 0, limit: int = 20, kind: str | None = None) -> tuple[list[dict], int]:
        """A page of job summaries (optionally of one kind) and the total count."""
        rows, total = self.store.jobs(offset, limit, kind)
        return [self._summary(r) for r in rows], total

    def _summary(self, job: dict[str, Any]) -> dict[str, Any]:
        return summary(job, self.store.tasks(job["id"]))

    def snapshot(self, job_id: str) -> dict[str, Any]:
        """The job's summary with its tasks (labelled in words), reviews and finished outputs."""
        job = self.store.job(job_id)
        tasks = self.store.tasks(job_id)
        out = summary(job, tasks)
        out["tasks"] = task_rows(job, tasks, detected_languages(tasks, self.artifacts.meta))
        out["reviews"] = [{"language": r["language"], "approved": bool(r["approved"]), "edited": bool(r["edited"]),
                           "approved_by": r["approved_by"], "approved_at": r["approved_at"]}
                          for r in self.store.reviews(job_id)]
        out["outputs"] = outputs(job, tasks)
        out["checks"] = job_checks(tasks, self.artifacts)  # translated sentences a person should check
        return out

    def cancel(self, job_id: str, task: str | None = None) -> None:
        """Cancel a job, or one of its tasks; NotFoundError when there is no such job or task."""
        self.store.job(job_id)
        if task is not None:
            self.store.task(job_id, task)
        if self.executor is not None:
            self.executor.cancel(job_id, task)
        else:
            self.store.cancel(job_id, task)

    def retry(self, job_id: str, task: str | None = None) -> list[str]:
        """Requeue a job's failed and cancelled tasks (or one); returns their names; JobError when none."""
        names = self.store.retry(job_id, task)
        if not names:
            raise JobError(f"job {job_id} has no failed or cancelled task{' ' + task if task else ''} to retry")
        self._wake()
        return names

    def delete(self, job_id: str, collect: bool = True) -> None:
        """Delete a job (cancelling it first if it runs) and, with `collect`, the files only it used."""
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

    def _language(self, job_id: str, language: str) -> str:
        """The job's tag that `language` names (`capabilities.job_language`: `pt` names a job's
        `pt-BR`; an older job's `pt` stays `pt`); NotFoundError when there is no such job."""
        spec = self.store.job(job_id)["spec"]
        return job_language(language, [*(spec.get("languages") or ()), *(spec.get("narrations") or {})])

    # ------------------------------------------------------------------ review (ReviewDesk)
    def review(self, job_id: str, language: str) -> dict[str, Any]:
        """A language's translation for review (see `ReviewDesk.review`)."""
        return self.desk.review(job_id, self._language(job_id, language))

    def edit(self, job_id: str, language: str, edits: Mapping[str, str]) -> list[str]:
        """Change translated sentences (by id); returns the tasks that will be redone."""
        return self.desk.edit(job_id, self._language(job_id, language), edits)

    def approve(self, job_id: str, language: str, who: str = "reviewer") -> None:
        """Approve a language's translation (see `ReviewDesk.approve`)."""
        self.desk.approve(job_id, self._language(job_id, language), who)

    # ------------------------------------------------------------------ downloads (Exports)
    def video_path(self, job_id: str, language: str, presenter: str) -> Path:
        """A finished lip-synced video (see `Exports.video_path`)."""
        return self.downloads.video_path(job_id, self._language(job_id, language), presenter)

    def pack_zip(self, job_id: str, language: str) -> Path:
        """A language's finished pack zip (see `Exports.pack_zip`)."""
        return self.downloads.pack_zip(job_id, self._language(job_id, language))

    def subtitles_path(self, job_id: str, language: str, fmt: str) -> Path:
        """A language's srt or vtt subtitles (see `Exports.subtitles_path`)."""
        return self.downloads.subtitles_path(job_id, self._language(job_id, language), fmt)

    def job_zip(self, job_id: str) -> Path:
        """One zip with every finished language pack, in a folder per language."""
        return self.downloads.job_zip(job_id)

    def poster_path(self, job_id: str, presenter: str) -> Path:
        """A job presenter's first frame, for a video's poster (see `Exports.poster_path`)."""
        return self.downloads.poster_path(job_id, presenter)

    def thumbnail_path(self, pid: str) -> Path:
        """Where a presenter's thumbnail JPEG is (see `Exports.thumbnail_path`)."""
        return self.downloads.thumbnail_path(pid)


def _default_name(spec: JobSpec) -> str:
    """A job's name when none is given: the script's first line (or "narration") and its
    languages in words, as the page says them ("Clean the nozzle → Portuguese (Brazil), Spanish")."""
    if spec.analyse_only:
        return "analysis"
    what = spec.text.strip().splitlines()[0].lstrip("# ")[:60] if spec.text else "narration"
    return f"{what} → {', '.join(language_words(tag) for tag in spec.languages)}"
