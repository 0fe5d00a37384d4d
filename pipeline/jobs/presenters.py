"""Inputs and presenters: the files a job is made from. Every file is probed by its content and
stored by the SHA-256 of its bytes; a presenter is a stored video with a recorded consent, a
thumbnail and (optionally) an analysis job. `PresenterLibrary.resolve` turns a spec's presenter
ids, keys and file paths into stored input keys.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from pipeline.atomic import atomic_path
from pipeline.errors import InputError, JobError
from pipeline.jobs.artifacts import ArtifactStore, safe_name
from pipeline.jobs.keys import TaskKey
from pipeline.jobs.plan import presenter_label
from pipeline.jobs.spec import JobSpec
from pipeline.jobs.store import JobStore

log = logging.getLogger(__name__)

#: probe(path) -> description dict; raises InputError when the content is not usable
Prober = Callable[[Path], dict[str, Any]]

#: renderer option names ending so carry a file's digest for the key; the renderer never sees them
DIGEST_SUFFIX = "_sha256"


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


class PresenterLibrary:
    """Stored inputs and presenters. `submit(spec, kind=...)` plans a job (the service's
    `submit`): a new presenter's analysis runs as a job of kind "analysis"."""

    def __init__(self, store: JobStore, artifacts: ArtifactStore, submit: Callable[..., str], *,
                 prober: Prober = probe_media, thumbnailer: Callable[[Path], bytes | None] = thumbnail_jpeg,
                 allow_paths: bool = False):
        self.store = store
        self.artifacts = artifacts
        self.submit = submit
        self.prober = prober
        self.thumbnailer = thumbnailer
        #: whether a spec may name files on this machine (the CLI); over HTTP only uploads count
        self.allow_paths = allow_paths

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
        """Store a presenter video with who consented (InputError without one), its thumbnail,
        and (with `analyse`) an analysis job; returns it as `presenter` does."""
        if not consent_by or not consent_by.strip():
            raise InputError("record who gave the presenter's consent (consent_by) before uploading")
        key, info = self.add_input(path, name, want="video", move=move)
        thumb = self.thumbnailer(self.artifacts.input_file(key))
        if thumb:
            with atomic_path(self.artifacts.path(key) / "thumbnail.jpg") as tmp:
                tmp.write_bytes(thumb)
        pid = self.store.add_presenter(safe_name(name), key, consent_by.strip(), info)
        if analyse:
            job_id = self.submit(JobSpec(languages=(), presenters=(pid,), analyse_only=True,
                                         name=f"analyse {safe_name(name)}"), kind="analysis")
            self.store.set_presenter_analysis(pid, job_id)
        return self.presenter(pid)

    def presenter(self, pid: str) -> dict[str, Any]:
        """A presenter's record with its label, analysis state/report and whether it has a thumbnail."""
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
        """Every presenter, as `presenter` gives each."""
        return [self.presenter(p["id"]) for p in self.store.presenters()]

    def delete_presenter(self, pid: str) -> None:
        """Forget a presenter (its files go at the next gc unless a job uses them)."""
        self.store.delete_presenter(pid)

    def resolve(self, spec: JobSpec) -> tuple[JobSpec, dict[str, str]]:
        """Turn presenter ids, keys and file paths into stored input keys."""
        labels: dict[str, str] = {}
        presenters = []
        for ref in spec.presenters:
            key, name = self.resolve_ref(ref, "video", field="presenters")
            presenters.append(key)
            labels[presenter_label(key)] = name
        recording = self.resolve_ref(spec.recording, "audio", field="recording")[0] if spec.recording else None
        narrations = {lang: self.resolve_ref(ref, "audio", field=f"narrations.{lang}")[0]
                      for lang, ref in spec.narrations.items()}
        translations = self.resolve_ref(spec.translations, "file", field="translations")[0] if spec.translations \
            else None
        glossary = spec.glossary
        if isinstance(glossary, str):
            from pipeline.jobs.glossary import read_glossary

            key = self.resolve_ref(glossary, "file", field="glossary")[0]
            glossary = read_glossary(self.artifacts.input_file(key))
        return replace(spec, presenters=tuple(presenters), recording=recording, narrations=narrations,
                       translations=translations, glossary=glossary,
                       renderer_options=_with_digests(spec.renderer_options)), labels

    def resolve_ref(self, ref: str, want: str, *, field: str = "") -> tuple[str, str]:
        """A presenter id, stored key or (with `allow_paths`) file path -> (input key, name);
        InputError when it is none of these, naming the spec's `field` and, where paths are
        allowed (the command line), the absolute path looked at."""
        if ref.startswith("p") and not os.path.exists(ref):
            try:
                p = self.store.presenter(ref)
                return p["key"], p["name"]
            except JobError:
                pass
        named = f"{field}: " if field else ""  # every line names the spec's field it is about
        bare = ref.removeprefix("sha256:")
        if len(bare) == 64 and all(c in "0123456789abcdef" for c in bare):
            if not self.artifacts.has(bare):
                raise InputError(f"{named}no stored file {bare[:12]}; upload it first")
            return bare, self.artifacts.meta(bare).get("name", bare[:12])
        if self.allow_paths and os.path.isfile(ref):
            key, _ = self.add_input(ref, Path(ref).name, want=want)
            return key, Path(ref).stem
        if not self.allow_paths and want == "video":
            raise InputError(f"{named}{ref!r} is neither an uploaded presenter nor an uploaded file; upload it first "
                             "(POST /presenters or POST /uploads) and give its id or key")
        if not self.allow_paths:
            raise InputError(f"{named}{ref!r} is not an uploaded file (its key is sha256: and 64 hex digits); "
                             "upload it first (POST /uploads) and give the key it answers")
        raise InputError(f"{named}no such file {Path(ref).expanduser().absolute()}; check the path")


def _with_digests(options: Mapping[str, Any]) -> dict[str, Any]:
    """Renderer options with each weights file's SHA-256 beside its path (`checkpoint` ->
    `checkpoint_sha256`), so a changed file gives new render keys, never a stale render."""
    from pipeline.models.files import sha256_file

    out = dict(options)
    for name, value in options.items():
        if name.endswith(DIGEST_SUFFIX) or not isinstance(value, str) or not os.path.isfile(value):
            continue
        out[f"{name}{DIGEST_SUFFIX}"] = sha256_file(value)
    return out
