"""`evaluate_sync`: how well a video's mouth follows its speech, measured, not eyeballed.

Composes the leaves: lipsync's media module streams the frames, a second tracker (dlib, not
the MediaPipe that drives the render) follows the mouth, translate's recogniser hears the
words and the judge spreads each word's phonemes over it itself (`hearing`), and its own
speech-activity measure (`speech.speech_activity`) closes the mouth in pauses: nothing here
times speech with the engine's aligner or voicing. With the source footage given, the render is
also compared with a plain re-encode of the source played in the same (ping-pong) order.
"""

from __future__ import annotations

import logging
import math
import os
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from lipsync.errors import LipSyncError
from lipsync.media import (
    FrameSequence, VideoStreamInfo, VideoWriter, iter_frames, playback_indices, probe, read_audio,
)
from pipeline.errors import InputError, wrap_leaf_errors
from pipeline.evaluate import image, regions
from pipeline.evaluate.correlation import LagCorrelation, lag_correlation
from pipeline.evaluate.hearing import Phonemizer, Transcriber, hear
from pipeline.evaluate.speech import speech_activity, speech_envelope, words_opening

log = logging.getLogger(__name__)

#: Audio is heard at the recogniser's rate.
HEARING_RATE = 16_000
#: The product's encoder settings: the source is re-encoded with these to compare fairly.
REFERENCE_CRF = 18
REFERENCE_PRESET = "veryfast"

Timeline = Sequence[tuple[float, float, str]]


class LandmarkTracker(Protocol):
    """The judge's own face tracker (`tracker.DlibFaceTracker`): `landmarks(frame)` gives the
    (68, 2) float32 iBUG 300-W points in pixels of an RGB uint8 frame, or None without a face."""

    name: str

    def landmarks(self, frame: np.ndarray) -> np.ndarray | None: ...


@dataclass(frozen=True)
class SyncReport:
    """Measures of one video's lip-sync, with the options that produced them."""

    video: str
    audio: str
    fps: float
    frames: int
    #: indices of frames where the tracker found no face (their opening is NaN)
    frames_without_face: tuple[int, ...]
    #: (1) tracked opening vs the opening the heard words require
    words: LagCorrelation
    #: (2) tracked opening vs the speech envelope band-passed to `envelope_band`
    envelope: LagCorrelation
    #: standard deviation of the tracked inner-lip opening (eye distances)
    opening_std: float
    #: mean grey-level change of the mouth region from frame to frame
    mouth_change: float
    heard_text: str
    language: str | None
    source: str | None = None
    source_frames_without_face: tuple[int, ...] | None = None
    #: (3) movement compared with the source played the same way
    source_opening_std: float | None = None
    opening_std_ratio: float | None = None
    source_mouth_change: float | None = None
    mouth_change_ratio: float | None = None
    #: (4) PSNR (luma) of the face above the nose against a plain re-encode of the source, dB
    upper_face_psnr: float | None = None
    #: (6) PSNR (luma) of the strips beside the face at mouth height (ghosting), dB
    side_band_psnr: float | None = None
    #: (5) gradient along the edge of the changed region, render over source (1 = no seam)
    seam_step: float | None = None
    #: 90th percentile of the per-frame seam step (a still frame shows the worst ones)
    seam_step_p90: float | None = None
    #: length of the audio judged against, s (the video's is frames / fps)
    audio_seconds: float | None = None
    max_lag: int = 8
    smooth_s: float = 0.05
    envelope_band: tuple[float, float] = (0.5, 6.0)
    tracker: str = "dlib-68"
    opening: np.ndarray = field(default=None, repr=False, compare=False)
    source_opening: np.ndarray | None = field(default=None, repr=False, compare=False)

    def as_dict(self) -> dict:
        out = {}
        for key, value in asdict(self).items():
            if key in ("opening", "source_opening"):
                continue
            if isinstance(value, float):
                value = None if math.isnan(value) else (str(value) if math.isinf(value) else round(value, 4))
            out[key] = value
        out["words"] = self.words.as_dict()
        out["envelope"] = self.envelope.as_dict()
        return out


def evaluate_sync(
    video: str | os.PathLike,
    audio: str | os.PathLike | tuple[np.ndarray, int] | None = None,
    source: str | os.PathLike | None = None,
    *,
    language: str | None = None,
    max_lag: int = 8,
    smooth_s: float = 0.05,
    envelope_band: tuple[float, float] = (0.5, 6.0),
    heard_phonemes: Timeline | None = None,
    transcriber: Transcriber | None = None,
    phonemizer: Phonemizer | None = None,
    tracker: LandmarkTracker | None = None,
    workdir: str | os.PathLike | None = None,
    audio_track: int | None = None,
) -> SyncReport:
    """Measure how well `video`'s mouth follows `audio` (default: the video's own track).

    `heard_phonemes` skips the recogniser (a phoneme timeline of `audio` already known);
    otherwise words are heard with `transcriber` (default: translate.Transcriber on the
    whisper-base model) and each word's phones, from `phonemizer` (default: tts.phonemize), are
    spread over it by the judge's own weights (`hearing.words_timeline`). With `source`,
    the render is also compared with the source footage (measures 3-6). `audio_track` picks
    the audio stream of `audio` (or of `video` when `audio` is None), 1-based among audio
    streams; None takes the stream marked default, else the first.
    """
    video = Path(video)
    with wrap_leaf_errors():
        info = probe(video)
        if info.video is None:
            raise InputError(f"{video}: has no video stream; give the rendered video")
        fps = float(info.video.fps)
        if source is not None:
            check_source(Path(source), info.video)  # before the minutes of hearing
        samples, rate, audio_name = _load_audio(video, audio, audio_track)
        heard_phonemes, heard_text, language = _phonemes_heard(samples, rate, language, heard_phonemes,
                                                               transcriber, phonemizer)
        if tracker is None:
            from pipeline.evaluate.tracker import DlibFaceTracker
            tracker = DlibFaceTracker()
        frames = _track_mouth(video, source, info.video, tracker, workdir)
    n = len(frames.opening)
    words = words_measure(frames.opening, fps, samples, rate, heard_phonemes, max_lag, smooth_s)
    envelope = envelope_measure(frames.opening, fps, samples, rate, max_lag, envelope_band)
    report = dict(
        video=str(video), audio=audio_name, fps=fps, frames=n,
        frames_without_face=_missing(frames.opening), words=words, envelope=envelope,
        opening_std=_nanstd(frames.opening), mouth_change=_nanmean(frames.change),
        heard_text=heard_text, language=language, audio_seconds=len(samples) / rate if rate else None,
        max_lag=max_lag, smooth_s=smooth_s,
        envelope_band=tuple(envelope_band), tracker=tracker.name, opening=frames.opening,
    )
    if source is not None:
        report.update(_source_measures(frames, str(source), report["opening_std"]))
    return SyncReport(**report)


def _phonemes_heard(samples: np.ndarray, rate: int, language: str | None, heard_phonemes: Timeline | None,
                    transcriber: Transcriber | None, phonemizer: Phonemizer | None
                    ) -> tuple[Timeline, str, str | None]:
    """The phoneme timeline of `samples` (mono, `rate` Hz), the text heard and its language:
    `heard_phonemes` as given (no text heard, `language` kept), else heard by `hearing.hear`."""
    if heard_phonemes is not None:
        return heard_phonemes, "", language
    heard = hear(samples, rate, language, transcriber=transcriber, phonemizer=phonemizer)
    return heard.phonemes, heard.text, heard.language


def _track_mouth(video: Path, source: str | os.PathLike | None, out_info: VideoStreamInfo,
                 tracker: LandmarkTracker, workdir: str | os.PathLike | None) -> _Frames:
    """`_measure_frames` of `video`, beside its `source` played as the render was (`_reference`,
    made in a temporary folder under `workdir`) when there is one."""
    with tempfile.TemporaryDirectory(prefix="polydub-eval-", dir=workdir) as tmp:
        reference = None
        if source is not None:
            reference = _reference(Path(source), out_info, Path(tmp) / "reference.mp4", video)
        return _measure_frames(video, reference, tracker)


def _source_measures(frames, source: str, opening_std: float) -> dict:
    """Measures 3-6, the render against its source played the same way (`_measure_frames`)."""
    src_std, src_change = _nanstd(frames.source_opening), _nanmean(frames.source_change)
    seams = np.array(frames.seam_ratios, dtype=np.float64)
    return dict(
        source=source, source_frames_without_face=_missing(frames.source_opening),
        source_opening_std=src_std, opening_std_ratio=_ratio(opening_std, src_std),
        source_mouth_change=src_change,
        mouth_change_ratio=_ratio(_nanmean(frames.paired_change), src_change),
        upper_face_psnr=image.psnr_from(*frames.upper),
        side_band_psnr=image.psnr_from(*frames.side),
        seam_step=_ratio(frames.seam[0], frames.seam[1]),
        seam_step_p90=float(np.percentile(seams, 90)) if len(seams) else math.nan,
        source_opening=frames.source_opening,
    )


# --------------------------------------------------------------------------- measures


def _heard_frames(n: int, fps: float, samples: np.ndarray, rate: int) -> np.ndarray:
    # Past the end of the audio nothing is asked of the mouth: those frames are not judged
    # (a shorter clip's trailing silence would otherwise match any closed mouth).
    return np.arange(n) / fps < len(samples) / rate


def words_measure(opening: np.ndarray, fps: float, samples: np.ndarray, rate: int, heard_phonemes: Timeline,
                  max_lag: int = 8, smooth_s: float = 0.05) -> LagCorrelation:
    """(1) A tracked opening (one value per frame, NaN without a face) against the opening
    the heard phonemes require, closed where the judge's `speech_activity` hears no speech."""
    n = len(opening)
    voiced = speech_activity(samples, rate)
    target = np.where(_heard_frames(n, fps, samples, rate),
                      words_opening(heard_phonemes, fps, n, smooth_s, voiced=voiced), np.nan)
    return lag_correlation(opening, target, max_lag)


def envelope_measure(opening: np.ndarray, fps: float, samples: np.ndarray, rate: int, max_lag: int = 8,
                     band: tuple[float, float] = (0.5, 6.0)) -> LagCorrelation:
    """(2) A tracked opening against the speech envelope band-passed to `band` Hz."""
    n = len(opening)
    loudness = np.where(_heard_frames(n, fps, samples, rate), speech_envelope(samples, rate, fps, n, band), np.nan)
    return lag_correlation(opening, loudness, max_lag)


# --------------------------------------------------------------------------- steps


def _load_audio(video: Path, audio, track: int | None = None) -> tuple[np.ndarray, int, str]:
    if audio is None:
        try:
            samples, rate = read_audio(video, HEARING_RATE, track=track)
        except LipSyncError as exc:
            raise InputError(f"{video}: has no usable audio track ({exc}); give the narration with --audio") from exc
        return samples, rate, "the video's own track"
    if isinstance(audio, tuple):
        samples, rate = audio
        return np.asarray(samples, dtype=np.float32).reshape(-1), int(rate), "given samples"
    samples, rate = read_audio(Path(audio), HEARING_RATE, track=track)
    return samples, rate, str(audio) + (f" (audio track {track})" if track is not None else "")


def _reference(source: Path, out_info, path: Path, video: Path) -> Path:
    """The source re-encoded with the product's settings, in the render's playback order,
    straight from its decoded yuv420p planes (backward runs bit-exact too); a source that
    decoding converts (rotated, HDR, transparent) is re-encoded from its converted decode.

    Each frame is coded with the type (I/P/B) the render's frame has: libx264's adaptive
    frame-type choice follows the content, so a render (whose mouth differs) and a plain
    re-encode code some frames B in one and P in the other, and a B frame is quantised
    coarser (about 1.2 dB on presenter c's upper face; within 0.08 dB where the types agree,
    `bench/bench_jaw.py --upper`). Compared at equal frame types, the measure sees what the
    render did to its untouched pixels, not which frame types the encoder chose."""
    src = check_source(source, out_info)
    order = playback_indices(src.frames, out_info.frames)
    with FrameSequence(source, src, workdir=path.parent) as sequence, \
            VideoWriter(path, src.width, src.height, src.fps, crf=REFERENCE_CRF,
                        preset=REFERENCE_PRESET, comment=None, colour=sequence.output) as writer:
        types = picture_types(video, out_info.frames)
        for i, (_, planes) in enumerate(sequence.planes(order)):
            writer.write_planes(planes, types[i] if i < len(types) else None)
    return path


def check_source(source: Path, out_info: VideoStreamInfo) -> VideoStreamInfo:
    """`source`'s video stream when the render (`out_info`) can have come from it, else
    InputError in one line: the same size, or one pixel smaller on an odd axis (the render
    pads an odd width or height to even by repeating the edge pixel, `lipsync.writer`; the
    reference is written the same way, so the two are compared at the render's size, the pad
    repeating each one's own edge)."""
    src = probe(source).video
    if src is None:
        raise InputError(f"{source}: has no video stream; give the presenter video the render came from")
    if not all(o == s or (s % 2 and o == s + 1)
               for s, o in ((src.width, out_info.width), (src.height, out_info.height))):
        raise InputError(f"{source}: is {src.width}x{src.height} but the render is "
                         f"{out_info.width}x{out_info.height}; give the source the render came from")
    return src


def picture_types(video: str | os.PathLike, frames: int | None = None) -> list[str | None]:
    """The coded type ("I", "P", "B"; None for any other) of each of `video`'s frames in
    display order, from PyAV's decode. With `frames` given and a different count decoded (a
    variable-rate file), an empty list: the types could not be matched frame for frame."""
    import av

    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        types = [av.video.frame.PictureType(int(frame.pict_type)).name for frame in container.decode(stream)]
    if frames is not None and len(types) != frames:
        log.warning("%s: %d frames decoded, %d expected: the reference keeps its own frame types",
                    video, len(types), frames)
        return []
    return [t if t in ("I", "P", "B") else None for t in types]


@dataclass
class _Frames:
    opening: np.ndarray
    change: list[float]
    source_opening: np.ndarray | None = None
    source_change: list[float] = field(default_factory=list)
    #: the render's mouth change inside the source's mouth box (paired with source_change)
    paired_change: list[float] = field(default_factory=list)
    upper: tuple[float, int] = (0.0, 0)
    side: tuple[float, int] = (0.0, 0)
    seam: tuple[float, float] = (0.0, 0.0)
    seam_ratios: list[float] = field(default_factory=list)


def _measure_frames(video: Path, reference: Path | None, tracker: LandmarkTracker) -> _Frames:
    """One streamed pass over the render (and the reference beside it).

    Image measures work on luma (BT.601 Y, what video PSNR conventionally means); regions
    come from the reference's landmarks, so render and source are compared on the same pixels.
    """
    opening, change = [], []
    src_opening, src_change, paired_change, seam_ratios = [], [], [], []
    upper, side, seam = [0.0, 0], [0.0, 0], [0.0, 0.0]
    refs = iter_frames(reference) if reference is not None else None
    prev = prev_ref = None
    for index, frame in enumerate(iter_frames(video)):
        ref = None
        if refs is not None:
            ref = next(refs, None)
            if ref is None:
                log.warning("%s: the re-encoded source ran out at frame %d; judging the frames before it",
                            video, index)
                break
        luma = image.gray(frame)
        lm = tracker.landmarks(frame)
        opening.append(regions.inner_lip_opening(lm) if lm is not None else math.nan)
        if lm is not None and prev is not None:
            change.append(image.region_change(prev, luma, regions.mouth_box(lm, luma.shape)))
        if ref is not None:
            ref_luma = image.gray(ref)
            lms = tracker.landmarks(ref)
            src_opening.append(regions.inner_lip_opening(lms) if lms is not None else math.nan)
            if lms is not None:
                shape = ref_luma.shape
                if prev_ref is not None:
                    box = regions.mouth_box(lms, shape)
                    src_change.append(image.region_change(prev_ref, ref_luma, box))
                    paired_change.append(image.region_change(prev, luma, box))
                for acc, mask in ((upper, regions.upper_face_mask(lms, shape)),
                                  (side, regions.side_band_mask(lms, shape))):
                    sse, count = image.squared_error(luma, ref_luma, mask)
                    acc[0] += sse
                    acc[1] += count
                r, s, k = image.seam_sums(luma, ref_luma, regions.lower_face_search_mask(lms, shape))
                if k:
                    seam[0] += r
                    seam[1] += s
                    seam_ratios.append(r / s if s > 0 else math.nan)
            prev_ref = ref_luma
        prev = luma
    return _Frames(
        np.array(opening, dtype=np.float64), change,
        np.array(src_opening, dtype=np.float64) if refs is not None else None,
        src_change, paired_change, tuple(upper), tuple(side), tuple(seam),
        [x for x in seam_ratios if not math.isnan(x)],
    )


def _missing(opening: np.ndarray | None) -> tuple[int, ...]:
    return tuple(int(i) for i in np.flatnonzero(~np.isfinite(opening))) if opening is not None else ()


def _nanstd(x) -> float:
    x = np.asarray(x, dtype=np.float64)
    x = x[np.isfinite(x)]
    return float(x.std()) if len(x) > 1 else math.nan


def _nanmean(x) -> float:
    x = np.asarray(x, dtype=np.float64)
    x = x[np.isfinite(x)]
    return float(x.mean()) if len(x) else math.nan


def _ratio(a: float, b: float) -> float:
    return a / b if b and not math.isnan(a) and not math.isnan(b) else math.nan
