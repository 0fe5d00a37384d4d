"""The lip-sync engine: analyse presenters once, render them speaking any narration."""

from __future__ import annotations

import logging
import os
from contextlib import closing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from lipsync import media
from lipsync.analysis import (
    PresenterAnalysis, cache_entry, compute_analysis, content_hash, load_cache, write_cache,
)
from lipsync.errors import MediaError, NoFaceError, RenderError
from lipsync.mouth import mouth_track
from lipsync.pipelining import BackgroundStage, opencv_in_caller_threads, prefetch, queue_depth
from lipsync.assembly import FrameAssembly
from lipsync.colour import ColourTags, output_tags
from lipsync.renderers import Renderer, RenderJob, create_renderer
from lipsync.report import PresenterReport, presenter_report, recommend_renderer
from lipsync.tracking import FaceTracker, find_face_model

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


def default_cache_dir() -> Path:
    env = os.environ.get("POLYDUB_CACHE")
    if env:
        return Path(env) / "presenters"
    from platformdirs import user_cache_path

    return user_cache_path("polydub") / "presenters"


def _default_comment() -> str:
    try:
        from importlib.metadata import version

        v = version("polydub")
    except Exception:  # not installed (running from a checkout)
        v = "dev"
    return f"lip-synced by polydub {v} (synthetic)"


@dataclass(frozen=True)
class RenderResult:
    path: Path
    #: the renderer actually used ("exemplar", "warp", ...)
    renderer: str
    frames: int
    fps: Fraction
    width: int
    height: int
    duration: float
    frames_without_face: int
    analysis_cached: bool
    options: dict = field(default_factory=dict)


class LipSyncEngine:
    """Keeps the face landmarker model and renderers resident; analyses each presenter once
    (cached on disk under `cache_dir` by content hash) and renders it speaking.

    `tracker_frames` counts frames this instance ran the face tracker on, so callers (and
    tests) can see that a cached analysis was not tracked again.
    """

    def __init__(self, cache_dir: Path | None = None, *, face_model: str | Path | None = None,
                 device: str | None = None):
        self.cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        self.face_model = find_face_model(face_model)
        self._device = device
        self._renderers: dict[tuple, Renderer] = {}
        self.tracker_frames = 0

    @property
    def device(self) -> str:
        if self._device is None:
            try:
                import torch

                self._device = "cuda" if torch.cuda.is_available() else "cpu"
            except ImportError:
                self._device = "cpu"
        return self._device

    # ------------------------------------------------------------------ analysis

    def analyse(self, presenter: Path, progress: Progress | None = None, *,
                decode: media.DecodeOptions | None = None) -> PresenterAnalysis:
        """The presenter's analysis, from the cache when this file was analysed before.

        `decode.accept_truncated` lets a cut-off video through (else TruncatedMediaError).
        """
        presenter = Path(presenter)
        if not presenter.is_file():
            raise MediaError(f"{presenter}: no such file; check the presenter path")
        digest = content_hash(presenter)
        entry = cache_entry(self.cache_dir, digest)
        cached = load_cache(entry, presenter, digest, from_cache=True)
        if cached is not None:
            log.debug("analysis of %s from cache %s", presenter, entry)
            return cached
        info = media.probe(presenter)  # a damaged file fails here, before the model loads
        if info.video is None:
            raise MediaError(f"{presenter}: has no picture; give a video or a photo of the presenter")
        media.check_complete(presenter, accept_truncated=(decode or media.DEFAULT_OPTIONS).accept_truncated)
        log.info("analysing %s", presenter)
        with FaceTracker(self.face_model) as tracker:
            try:
                computed = compute_analysis(presenter, tracker, progress)
            finally:
                self.tracker_frames += tracker.calls
        write_cache(entry, computed)
        fresh = load_cache(entry, presenter, digest, from_cache=False)
        if fresh is None:
            raise MediaError(f"{presenter}: could not store its analysis in {self.cache_dir}; "
                             "check the folder is writable")
        return fresh

    def report(self, presenter: Path) -> PresenterReport:
        """How suitable the footage is for lip-sync, with plain advice."""
        return presenter_report(self.analyse(presenter))

    # ------------------------------------------------------------------ rendering

    def renderer(self, name: str, **options: Any) -> Renderer:
        """The resident renderer `name` with these options (created on first use)."""
        key = (name, tuple(sorted((k, repr(v)) for k, v in options.items())))
        if key not in self._renderers:
            self._renderers[key] = create_renderer(name, device=self.device if name == "wav2lip" else "cpu",
                                                   **options)
        return self._renderers[key]

    def render(
        self,
        presenter: Path,
        audio: np.ndarray,
        sample_rate: int,
        phonemes: Sequence[tuple[float, float, str]],
        out: Path,
        *,
        renderer: str | Renderer = "auto",
        comment: str | None = None,
        progress: Progress | None = None,
        max_seconds: float | None = None,
        max_height: int | None = None,
        renderer_options: Mapping[str, Any] | None = None,
        decode: media.DecodeOptions | None = None,
    ) -> RenderResult:
        """Re-render `presenter` so its mouth speaks `audio`; write an MP4 to `out`.

        `renderer`: a registry name, "auto" (exemplar when the footage shows enough mouth
        shapes, warp otherwise), or a renderer object (which wins). `renderer_options` go to
        the renderer's constructor (Wav2Lip: checkpoint=...). `decode`: how the presenter is
        decoded (background behind transparency, accept_truncated, HDR tone-mapping operator).
        """
        presenter, out = Path(presenter), Path(out)
        audio = _narration(audio, sample_rate, max_seconds)
        analysis = self.analyse(presenter, decode=decode)
        if not analysis.has_face.any():
            raise NoFaceError(f"{presenter}: no face found in any frame; use footage where the "
                              "presenter's face is visible and turned to the camera")
        fps = analysis.fps
        n_out = media.frames_for_duration(len(audio) / float(sample_rate), fps)
        source_indices = np.fromiter(media.playback_indices(analysis.n_frames, n_out), np.int64, n_out)

        source_info = media.probe(presenter).video
        if isinstance(renderer, str):
            name = recommend_renderer(analysis) if renderer == "auto" else renderer
            engine_renderer = self.renderer(name, **dict(renderer_options or {}))
        else:
            engine_renderer = renderer
            name = getattr(renderer, "name", type(renderer).__name__)

        width, height = analysis.width, analysis.height
        scale = 1.0
        if max_height and height > max_height:
            scale = max_height / height
            width, height = max(2, round(width * scale)), max(2, round(height * scale))
        track = mouth_track(phonemes, n_out, fps, audio, sample_rate)
        options = {"renderer": name, "requested_renderer": renderer if isinstance(renderer, str) else name,
                   "max_seconds": max_seconds, "max_height": max_height,
                   "mouth": dict(track.options), **{f"renderer_{k}": str(v) for k, v in (renderer_options or {}).items()}}
        job = RenderJob(presenter=presenter, analysis=analysis, audio=audio, sample_rate=sample_rate,
                        phonemes=tuple(phonemes), mouth=track, fps=fps, n_frames=n_out,
                        source_indices=source_indices, width=width, height=height, options=options)
        output = output_tags(width, height, source_info.colour)
        options["conversions"] = list(media.conversions(source_info, decode or media.DEFAULT_OPTIONS))
        for sentence in options["conversions"]:
            log.info("%s: %s", presenter, sentence)
        assembly = FrameAssembly(job, scale=scale, enc_size=(width + width % 2, height + height % 2))
        written = _write_frames(job, engine_renderer, name, assembly, source_info.colour, output, out,
                                comment=comment or _default_comment(), decode=decode, progress=progress)
        if written != n_out:
            out.unlink(missing_ok=True)
            raise RenderError(f"renderer {name!r} gave {written} frames for {n_out}; the renderer is broken")
        return RenderResult(path=out, renderer=name, frames=n_out, fps=fps, width=width, height=height,
                            duration=n_out / float(fps), frames_without_face=assembly.no_face,
                            analysis_cached=analysis.from_cache, options=options)


def _narration(audio: np.ndarray, sample_rate: int, max_seconds: float | None) -> np.ndarray:
    """The narration as mono float32 samples (a 2-D array averaged over its channel axis, the
    shorter one), cut to `max_seconds` when given; RenderError when it is empty or not audio."""
    audio = np.asarray(audio, np.float32)
    if audio.ndim == 2:
        audio = audio.mean(axis=0 if audio.shape[0] < audio.shape[1] else 1)
    if audio.ndim != 1 or len(audio) == 0 or sample_rate <= 0:
        raise RenderError("the narration audio is empty or not mono samples; give speech audio")
    if max_seconds is not None and max_seconds > 0 and len(audio) / float(sample_rate) > max_seconds:
        audio = audio[: int(round(max_seconds * sample_rate))]
    return audio


def _write_frames(job: RenderJob, renderer: Renderer, name: str, assembly: FrameAssembly,
                  source_colour: ColourTags | None, output: ColourTags, out: Path, *, comment: str,
                  decode: media.DecodeOptions | None, progress: Progress | None) -> int:
    """Decode the presenter's frames in playback order, render them with `renderer` and encode
    the result with the narration to `out`; returns how many frames the renderer gave (at
    most `job.n_frames`). `source_colour`, `output`: the source's colour tags and the output's
    (`lipsync.colour.output_tags`)."""
    analysis, width, height = job.analysis, job.width, job.height
    written = 0
    with media.FrameSequence(job.presenter, info=media.VideoStreamInfo(
            analysis.width, analysis.height, job.fps, analysis.n_frames, "", colour=source_colour),
            options=decode or media.DEFAULT_OPTIONS, output=output) as seq, \
            media.VideoWriter(out, width, height, job.fps, audio=(job.audio, job.sample_rate),
                              comment=comment, colour=output) as writer:
        # decode ahead in one thread, write back and encode in another (see lipsync.pipelining)
        depth = queue_depth(width * height * 3 // 2)
        decoded = prefetch(seq.planes(int(k) for k in job.source_indices), depth)
        with closing(decoded), opencv_in_caller_threads(), BackgroundStage(
                lambda result: writer.write_planes(assembly.assemble(result, name)), depth) as encode:
            for result in renderer.render(job, assembly.inputs(decoded)):
                encode.put(result)
                written += 1
                if progress is not None:
                    progress(written, job.n_frames)
                if written >= job.n_frames:
                    break
    return written
