"""Media I/O through PyAV, streamed frame by frame.

Every other package reads and writes media through this module: it probes files, decodes
audio to mono float32 arrays, yields video frames one at a time, and writes MP4 (H.264 +
AAC) at the source's exact frame rate. Nothing here holds a whole video in memory.
"""

from __future__ import annotations

import logging
import math
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from lipsync.errors import MediaError
from lipsync.tracks import AudioTrack, audio_tracks, decode_audio

log = logging.getLogger(__name__)

VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".mkv", ".avi", ".webm", ".m4v"})
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".webp"})
AUDIO_SUFFIXES = frozenset({".wav", ".mp3", ".m4a", ".flac", ".ogg", ".aac", ".opus"})

#: The product's output encoder settings (DESIGN.md, "Contracts between packages").
DEFAULT_PRESET = "veryfast"
DEFAULT_CRF = 18
AUDIO_BITRATE = 160_000
AUDIO_OUTPUT_RATE = 48_000


@dataclass(frozen=True)
class VideoStreamInfo:
    width: int
    height: int
    #: exact rate: the stream's average rate, so 1350/61 stays 1350/61
    fps: Fraction
    #: number of frames, counted from the container or estimated from duration x rate
    frames: int
    codec: str
    #: degrees the player should rotate the picture (display matrix), 0 when none
    rotation: int = 0


@dataclass(frozen=True)
class AudioStreamInfo:
    sample_rate: int
    channels: int
    codec: str


@dataclass(frozen=True)
class MediaInfo:
    path: Path
    container: str
    duration: float
    video: VideoStreamInfo | None
    audio: AudioStreamInfo | None
    metadata: dict[str, str]
    #: a single still image (jpg, png) rather than a moving video
    is_image: bool = False


def _open(path: str | os.PathLike) -> av.container.InputContainer:
    path = Path(path)
    if not path.exists():
        raise MediaError(f"{path}: no such file; check the path")
    if path.is_dir():
        raise MediaError(f"{path}: is a folder, not a media file")
    try:
        return av.open(str(path), mode="r")
    except (av.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        raise MediaError(
            f"{path}: not a readable audio, video or image file ({exc.__class__.__name__}); "
            "re-export it as MP4, WAV or PNG"
        ) from exc


def _stream_fps(stream: av.video.stream.VideoStream) -> Fraction:
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    if not rate or rate <= 0:
        return Fraction(25, 1)
    return Fraction(rate.numerator, rate.denominator)


def probe(path: str | os.PathLike) -> MediaInfo:
    """Describe a media file; raise MediaError when it cannot be read at all."""
    path = Path(path)
    with _open(path) as container:
        video = None
        audio = None
        is_image = path.suffix.lower() in IMAGE_SUFFIXES or container.format.name in {
            "image2", "png_pipe", "jpeg_pipe", "webp_pipe", "bmp_pipe",
        }
        if container.streams.video:
            vs = container.streams.video[0]
            fps = _stream_fps(vs)
            duration = _stream_duration(container, vs)
            frames = vs.frames or (1 if is_image else max(1, round(duration * fps)))
            rotation = 0
            try:
                rotation = int(vs.side_data.get("DISPLAYMATRIX", 0) or 0) if hasattr(vs, "side_data") else 0
            except (TypeError, ValueError, AttributeError):
                rotation = 0
            if not vs.width or not vs.height:
                raise MediaError(f"{path}: the video stream has no picture size; the file is damaged")
            video = VideoStreamInfo(vs.width, vs.height, fps, frames, vs.codec_context.name, rotation)
        tracks = audio_tracks(container)
        if tracks:  # the track read_audio uses by default
            chosen = next((t for t in tracks if t.default), tracks[0])
            audio = AudioStreamInfo(chosen.sample_rate, chosen.channels, chosen.codec)
        if video is None and audio is None:
            raise MediaError(f"{path}: has neither audio nor video; give a video, an image or an audio file")
        duration = container.duration / av.time_base if container.duration else 0.0
        if video is not None and not duration:
            duration = video.frames / float(video.fps)
        metadata = {str(k): str(v) for k, v in container.metadata.items()}
        return MediaInfo(path, container.format.name, float(duration), video, audio, metadata, is_image)


def _stream_duration(container, stream) -> float:
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / av.time_base
    return 0.0


# --------------------------------------------------------------------------- audio


def read_audio(path: str | os.PathLike, sample_rate: int | None = None, *, track: int | None = None,
               accept_truncated: bool = False) -> tuple[np.ndarray, int]:
    """Decode one audio track of any file to mono float32 in [-1, 1].

    Returns (samples of shape (n,), sample rate in Hz); resampled when `sample_rate` is given.
    `track` is 1-based among the audio streams; None takes the stream marked default, else the
    first (see `lipsync.tracks.choose_track`; the other tracks are logged). Raises MediaError
    (missing file or track, damaged audio) and TruncatedMediaError (cut-off file, unless
    `accept_truncated`).
    """
    path = Path(path)
    with _open(path) as container:
        return decode_audio(container, path, sample_rate, track=track, accept_truncated=accept_truncated)


def list_audio_tracks(path: str | os.PathLike) -> list[AudioTrack]:
    """The audio tracks of a file, numbered from 1 (empty for a file without audio)."""
    with _open(path) as container:
        return audio_tracks(container)


def write_audio(path: str | os.PathLike, audio: np.ndarray, sample_rate: int) -> Path:
    """Write mono float audio; the format follows the suffix (.wav is 16-bit PCM, .m4a AAC,
    .mp3, .flac)."""
    path = Path(path)
    audio = _as_mono_float(audio)
    suffix = path.suffix.lower()
    codecs = {".wav": ("pcm_s16le", "s16"), ".flac": ("flac", "s16"), ".m4a": ("aac", "fltp"),
              ".mp3": ("libmp3lame", "fltp"), ".aac": ("aac", "fltp")}
    if suffix not in codecs:
        raise MediaError(f"{path}: cannot write audio as {suffix or 'no suffix'}; use .wav, .flac, .m4a or .mp3")
    codec, fmt = codecs[suffix]
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream(codec, rate=sample_rate, layout="mono")
        if codec in {"aac", "libmp3lame"}:
            stream.bit_rate = AUDIO_BITRATE
        _encode_audio(container, stream, audio, sample_rate, fmt)
    return path


def _as_mono_float(audio: np.ndarray) -> np.ndarray:
    audio = np.asarray(audio, dtype=np.float32)
    if audio.ndim == 2:
        audio = audio.mean(axis=0 if audio.shape[0] < audio.shape[1] else 1)
    if audio.ndim != 1:
        raise MediaError("audio must be a mono array of samples")
    return np.clip(np.nan_to_num(audio), -1.0, 1.0)


def _encode_audio(container, stream, audio: np.ndarray, sample_rate: int, fmt: str) -> None:
    resampler = av.AudioResampler(format=stream.codec_context.format.name if stream.codec_context.format else fmt,
                                  layout="mono", rate=stream.codec_context.sample_rate)
    frame_size = stream.codec_context.frame_size or 1024
    pts = 0
    for start in range(0, len(audio), frame_size * 8):
        block = audio[start:start + frame_size * 8]
        frame = av.AudioFrame.from_ndarray(block.reshape(1, -1), format="flt", layout="mono")
        frame.sample_rate = sample_rate
        frame.pts = pts
        pts += len(block)
        for out in resampler.resample(frame):
            for packet in stream.encode(out):
                container.mux(packet)
    for out in resampler.resample(None):
        for packet in stream.encode(out):
            container.mux(packet)
    for packet in stream.encode(None):
        container.mux(packet)


# --------------------------------------------------------------------------- video in


def _to_rgb(frame: av.VideoFrame) -> np.ndarray:
    # to_ndarray keeps row padding for some widths (590 px); MediaPipe then sees no face.
    return np.ascontiguousarray(frame.to_ndarray(format="rgb24"))


def iter_frames(path: str | os.PathLike, start: int = 0) -> Iterator[np.ndarray]:
    """Yield RGB frames (H, W, 3, uint8, C-contiguous) in display order, from frame `start`.

    Variable-frame-rate input is resampled to constant rate at its average rate by
    duplicating or dropping frames at their timestamps, so frame i is at i / fps.
    """
    path = Path(path)
    with _open(path) as container:
        if not container.streams.video:
            raise MediaError(f"{path}: has no video stream; give a video or a photo of the presenter")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        fps = _stream_fps(stream)
        tb = stream.time_base
        first_pts = None
        index = 0
        last = None
        try:
            for frame in container.decode(stream):
                if frame.pts is None or tb is None:
                    t_index = index
                else:
                    if first_pts is None:
                        first_pts = frame.pts
                    t_index = round(float((frame.pts - first_pts) * tb * fps))
                if t_index < index:  # a frame earlier than its slot: drop it
                    continue
                image = None
                while index <= t_index:
                    if index >= start:
                        if image is None:
                            image = _to_rgb(frame)
                        # Gap in timestamps: repeat the previous frame, then this one.
                        yield last if (index < t_index and last is not None) else image
                    index += 1
                last = image if image is not None else last
        except av.FFmpegError as exc:
            raise MediaError(f"{path}: the video is damaged at frame {index} ({exc}); re-export it") from exc
        if index == 0:
            raise MediaError(f"{path}: the video stream holds no frames")


def read_frame(path: str | os.PathLike, index: int = 0) -> np.ndarray:
    """One RGB frame by index (decodes from the start; meant for thumbnails and stills)."""
    for frame in iter_frames(path, start=index):
        return frame
    raise MediaError(f"{path}: has no frame {index}")


def playback_indices(n_source: int, n_out: int) -> Iterator[int]:
    """Source frame for each output frame: forward, then back and forth (ping-pong) when the
    output is longer than the source, so motion never jumps. Cut when shorter."""
    if n_source <= 0:
        raise ValueError("a video needs at least one frame")
    if n_source == 1:
        yield from (0 for _ in range(n_out))
        return
    period = 2 * (n_source - 1)
    for i in range(n_out):
        k = i % period
        yield k if k < n_source else period - k


class FrameSequence:
    """Serve frames of a video in any ping-pong order with bounded memory.

    Forward runs are streamed. When frames are needed backwards the source is first
    re-encoded once to an all-intra intermediate, so any frame can be reached by an exact
    seek; backward runs are then read in short forward chunks and reversed.
    """

    CHUNK = 24

    def __init__(self, path: str | os.PathLike, info: VideoStreamInfo | None = None, workdir: Path | None = None):
        self.path = Path(path)
        self.info = info or probe(self.path).video
        if self.info is None:
            raise MediaError(f"{self.path}: has no video stream")
        self._workdir = workdir
        self._intra: Path | None = None
        self._tmp: tempfile.TemporaryDirectory | None = None

    def __enter__(self) -> FrameSequence:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def frames(self, indices: Iterable[int]) -> Iterator[tuple[int, np.ndarray]]:
        """Yield (source_index, frame) for each requested index, in order."""
        indices = iter(indices)
        forward = iter_frames(self.path)
        fwd_pos = -1
        fwd_frame: np.ndarray | None = None
        pending: list[int] = []
        for idx in indices:
            if idx > fwd_pos or (idx == fwd_pos and fwd_frame is not None):
                if pending:
                    yield from self._backward(pending)
                    pending = []
                while fwd_pos < idx:
                    nxt = next(forward, None)
                    if nxt is None:
                        break
                    fwd_pos += 1
                    fwd_frame = nxt
                if fwd_frame is None:
                    raise MediaError(f"{self.path}: the video stream holds no frames")
                yield idx, fwd_frame
            else:
                pending.append(idx)
                if len(pending) >= self.CHUNK:
                    yield from self._backward(pending)
                    pending = []
        if pending:
            yield from self._backward(pending)

    def _backward(self, wanted: Sequence[int]) -> Iterator[tuple[int, np.ndarray]]:
        lo, hi = min(wanted), max(wanted)
        chunk = {}
        for offset, frame in enumerate(self._read_range(lo, hi)):
            chunk[lo + offset] = frame
        last = None
        for idx in wanted:
            last = chunk.get(idx, last if last is not None else next(iter(chunk.values())))
            yield idx, last

    def _read_range(self, lo: int, hi: int) -> Iterator[np.ndarray]:
        intra = self._intermediate()
        with av.open(str(intra)) as container:
            stream = container.streams.video[0]
            tb = stream.time_base
            target = int(round(lo / float(self.info.fps) / tb))
            container.seek(target, stream=stream, backward=True, any_frame=False)
            count = 0
            for frame in container.decode(stream):
                idx = round(float(frame.pts * tb * self.info.fps))
                if idx < lo:
                    continue
                yield _to_rgb(frame)
                count += 1
                if idx >= hi:
                    return

    def _intermediate(self) -> Path:
        if self._intra is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="polydub-intra-", dir=self._workdir)
            out = Path(self._tmp.name) / "intra.mkv"
            with VideoWriter(out, self.info.width, self.info.height, self.info.fps,
                             crf=10, preset="ultrafast", gop=1, comment=None) as writer:
                for frame in iter_frames(self.path):
                    writer.write(frame)
            self._intra = out
        return self._intra


# --------------------------------------------------------------------------- video out


class VideoWriter:
    """Encode RGB frames to H.264 at an exact constant rate, then mux mono audio as AAC.

    Use as a context manager: frames are encoded as they arrive, the encoder is flushed on
    close, and a failed write removes the partial file. libx264 cannot store odd sizes in
    yuv420p, so an odd width or height is padded by one repeated edge pixel.
    """

    def __init__(
        self,
        path: str | os.PathLike,
        width: int,
        height: int,
        fps: Fraction,
        *,
        audio: tuple[np.ndarray, int] | None = None,
        crf: int = DEFAULT_CRF,
        preset: str = DEFAULT_PRESET,
        gop: int | None = None,
        comment: str | None = "synthetic",
    ):
        self.path = Path(path)
        self.width, self.height = int(width), int(height)
        self.fps = Fraction(fps)
        self.frames_written = 0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._container = av.open(str(self.path), mode="w")
        except (av.FFmpegError, OSError) as exc:
            raise MediaError(f"{self.path}: cannot write the video here ({exc}); check the folder and free disk") from exc
        if comment:
            self._container.metadata["comment"] = comment
        self._video = self._container.add_stream("libx264", rate=self.fps)
        # libx264 with yuv420p needs even sizes: encode at the next even size (edge pixels
        # repeated); players show the stored size, which stays within one pixel.
        self._enc_w = self.width + (self.width % 2)
        self._enc_h = self.height + (self.height % 2)
        self._video.width = self._enc_w
        self._video.height = self._enc_h
        self._video.pix_fmt = "yuv420p"
        # Frames carry pts in units of 1/fps; libx264 rejects some presets when the stream
        # time base is forced as well, so the muxer picks its own (exact) time scale.
        self._frame_tb = Fraction(1, 1) / self.fps
        options = {"crf": str(crf), "preset": preset}
        if gop is not None:
            self._video.codec_context.gop_size = gop
            if gop == 1:
                options["x264-params"] = "keyint=1"
        self._video.options = options
        self._audio = None
        if audio is not None:
            samples, rate = audio
            self._audio_data = _as_mono_float(samples)
            self._audio_rate = int(rate)
            self._audio = self._container.add_stream("aac", rate=AUDIO_OUTPUT_RATE, layout="mono")
            self._audio.bit_rate = AUDIO_BITRATE

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self._abort()

    def write(self, frame: np.ndarray) -> None:
        if frame.shape[0] != self.height or frame.shape[1] != self.width:
            raise MediaError(f"frame of size {frame.shape[1]}x{frame.shape[0]} given to a "
                             f"{self.width}x{self.height} video")
        if self._enc_w != self.width or self._enc_h != self.height:
            frame = np.pad(frame, ((0, self._enc_h - self.height), (0, self._enc_w - self.width), (0, 0)), mode="edge")
        vf = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24")
        vf.pts = self.frames_written
        vf.time_base = self._frame_tb
        try:
            for packet in self._video.encode(vf):
                self._container.mux(packet)
        except OSError as exc:
            self._abort()
            raise MediaError(f"{self.path}: writing failed ({exc}); check free disk space") from exc
        self.frames_written += 1

    def close(self) -> None:
        if self._container is None:
            return
        try:
            for packet in self._video.encode(None):
                self._container.mux(packet)
            if self._audio is not None:
                _encode_audio(self._container, self._audio, self._audio_data, self._audio_rate, "fltp")
            self._container.close()
        except OSError as exc:
            self._abort()
            raise MediaError(f"{self.path}: writing failed ({exc}); check free disk space") from exc
        self._container = None

    def _abort(self) -> None:
        if self._container is not None:
            try:
                self._container.close()
            except (av.FFmpegError, OSError):
                pass
            self._container = None
        self.path.unlink(missing_ok=True)


def frames_for_duration(duration_s: float, fps: Fraction) -> int:
    """Number of output frames so the video lasts `duration_s` within one frame."""
    return max(1, int(math.floor(duration_s * fps + 0.5)))
