"""Media I/O through PyAV, streamed frame by frame.

Every other package reads and writes media through this module: it probes files, decodes
audio to mono float32 arrays (`lipsync.tracks`), yields displayed video frames one at a time
(`lipsync.decode`: upright, opaque, SDR) and writes MP4 (H.264 + AAC, colour-tagged;
`lipsync.writer`) at the source's exact frame rate. Nothing here holds a whole video in memory.
"""

from __future__ import annotations

import itertools
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

from lipsync.colour import ColourTags, frame_tags, output_tags, swscale_matrix
from lipsync.decode import (  # noqa: F401  (re-exported: the media API other packages use)
    DEFAULT_OPTIONS, IMAGE_SUFFIXES, VIDEO_SUFFIXES, DecodeOptions, FrameConverter, decoded_frames, has_alpha, is_photo,
    check_timestamps_run, iter_frames, iter_planes, open_container, photo_size, read_frame, stream_fps,
)
from lipsync.errors import MediaError
from lipsync.orientation import IDENTITY, Orientation, frame_orientation
from lipsync.planes import YuvFrame  # noqa: F401  (re-exported)
from lipsync.tracks import AudioTrack, audio_tracks, check_duration, decode_audio, wav_declared_duration
from lipsync.writer import (  # noqa: F401  (re-exported)
    AUDIO_BITRATE, AUDIO_OUTPUT_RATE, DEFAULT_CRF, DEFAULT_PRESET, VideoWriter, write_audio,
)

log = logging.getLogger(__name__)

AUDIO_SUFFIXES = frozenset({".wav", ".mp3", ".m4a", ".flac", ".ogg", ".aac", ".opus"})
_open = open_container


@dataclass(frozen=True)
class VideoStreamInfo:
    #: displayed size: the stored picture after its display rotation / EXIF orientation
    width: int
    height: int
    #: exact rate: the stream's average rate, so 1350/61 stays 1350/61
    fps: Fraction
    #: number of frames, counted from the container or estimated from duration x rate
    frames: int
    codec: str
    #: degrees counter-clockwise the stored picture is turned to display it (0, 90, 180, 270)
    rotation: int = 0
    #: the source's colour tags (H.273 code points; HDR when transfer is PQ or HLG)
    colour: ColourTags = ColourTags()
    #: the rotation and flips applied when decoding (display matrix)
    orientation: Orientation = IDENTITY
    #: the picture has an alpha channel (composited onto a background when decoded)
    alpha: bool = False


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


def probe(path: str | os.PathLike) -> MediaInfo:
    """Describe a media file; raise MediaError when it cannot be read at all.

    Photos are read by Pillow (size after EXIF orientation); for video the first frame is
    decoded, as only frames carry the display matrix and reliable colour tags, so a file whose
    picture cannot be decoded fails here, before any model loads.
    """
    path = Path(path)
    if is_photo(path):
        if not path.is_file():
            open_container(path)  # the usual one-line error for a missing path or a folder
        width, height, fmt, alpha = photo_size(path)
        video = VideoStreamInfo(width, height, Fraction(25), 1, fmt, alpha=alpha)
        return MediaInfo(path, fmt, 1 / 25, video, None, {}, True)
    with open_container(path) as container:
        video = _probe_video(container, path) if container.streams.video else None
        audio = None
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
        is_image = container.format.name in {"image2", "png_pipe", "jpeg_pipe", "webp_pipe", "bmp_pipe"}
        return MediaInfo(path, container.format.name, float(duration), video, audio, metadata, is_image)


#: frames decoded when probing to see that their timestamps increase (one GOP's worth is not
#: needed: a stream stamped all 0, the broken case met, shows it from the second frame)
_TIMESTAMP_PROBE = 4


def _probe_video(container, path: Path) -> VideoStreamInfo:
    vs = container.streams.video[0]
    if not vs.width or not vs.height:
        raise MediaError(f"{path}: the video stream has no picture size; the file is damaged")
    fps = stream_fps(vs)
    frames = vs.frames or max(1, round(_stream_duration(container, vs) * fps))
    try:
        # a few frames: the first carries the picture's tags, the next show whether time runs
        opening = list(itertools.islice(decoded_frames(container, vs), _TIMESTAMP_PROBE))
    except av.FFmpegError as exc:
        raise MediaError(f"{path}: the video cannot be decoded ({exc}); re-export it") from exc
    if not opening:
        raise MediaError(f"{path}: the video stream holds no frames")
    first = opening[0]
    check_timestamps_run(path, [f.pts for f in opening], fps)
    orientation = frame_orientation(first)
    width, height = orientation.displayed_size(first.width, first.height)
    return VideoStreamInfo(width, height, fps, frames, vs.codec_context.name, orientation.degrees,
                           frame_tags(first), orientation, has_alpha(first))


def conversions(info: VideoStreamInfo, options: DecodeOptions = DEFAULT_OPTIONS) -> tuple[str, ...]:
    """What decoding does to this picture, one plain sentence each (empty when nothing):
    display rotation / mirroring, HDR tone mapping, transparency compositing."""
    out = []
    if not info.orientation.is_identity:
        turn = f"turned {info.rotation} degrees counter-clockwise" if info.rotation else "mirrored"
        out.append(f"{turn} to {info.width}x{info.height}, as its display matrix says")
    if info.colour.hdr:
        operator = {"bt2390": "the BT.2390 EETF"}.get(options.tone_map, options.tone_map)
        out.append(f"HDR ({info.colour.hdr.upper()}) tone-mapped to SDR BT.709 with {operator}")
    if info.alpha:
        out.append(f"transparent areas composited onto RGB {options.background}")
    return tuple(out)


def _stream_duration(container, stream) -> float:
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / av.time_base
    return 0.0


def check_complete(path: str | os.PathLike, *, accept_truncated: bool = False) -> None:
    """Refuse a cut-off file: its packets end clearly before the duration its header declares.

    Reads packets without decoding them (about the cost of reading the file). Raises
    TruncatedMediaError naming both durations unless `accept_truncated`; photos always pass.
    """
    path = Path(path)
    if is_photo(path):
        return
    with open_container(path) as container:
        streams = [s for s in (container.streams.video[:1] + container.streams.audio[:]) if s.time_base]
        if not streams:
            return
        declared = container.duration / av.time_base if container.duration else 0.0
        if container.format.name == "wav":  # FFmpeg clamps a WAV's duration to the bytes present
            declared = wav_declared_duration(path)
        ends: dict[int, float] = {}
        try:
            for packet in container.demux(*streams):
                if packet.pts is None or packet.time_base is None:
                    continue
                start = packet.stream.start_time or 0
                end = float((packet.pts - start + (packet.duration or 0)) * packet.time_base)
                ends[packet.stream.index] = max(ends.get(packet.stream.index, 0.0), end)
        except av.FFmpegError as exc:
            log.debug("%s: demuxing stopped early (%s)", path, exc)
        readable = max(ends.values(), default=0.0)
        what = "video" if container.streams.video else "audio"
    check_duration(path, readable, declared, accept_truncated=accept_truncated, what=what)


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


# --------------------------------------------------------------------------- video in


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

    Frames are served as decoded yuv420p planes (`planes`; see `lipsync.decode.iter_planes`)
    in the Y'CbCr of `output` (default: `lipsync.colour.output_tags` of the source), or as RGB
    made from them (`frames`). Forward runs are streamed. Frames that are also needed
    backwards are written once as they stream past, losslessly (libx264 at QP 0, a keyframe
    every `CHUNK` frames), so a backward frame is bit-identical to the forward one; backward
    runs are then read in short forward chunks and reversed. Only the frames from the lowest
    index ever served backwards on are written: a narration 3 s longer than a 60 s clip
    writes 3 s of frames, not 60 (issue 14: that copy cost a render a fifth of its time).
    """

    CHUNK = 24

    def __init__(self, path: str | os.PathLike, info: VideoStreamInfo | None = None, workdir: Path | None = None,
                 options: DecodeOptions = DEFAULT_OPTIONS, output: ColourTags | None = None):
        self.path = Path(path)
        self.options = options
        self.info = info or probe(self.path).video
        if self.info is None:
            raise MediaError(f"{self.path}: has no video stream")
        self.output = output or output_tags(self.info.width, self.info.height, self.info.colour)
        self._workdir = workdir
        self._intra: Path | None = None
        self._tmp: tempfile.TemporaryDirectory | None = None
        #: the lossless copy being written while frames stream forward, and its first index
        self._keeper: VideoWriter | None = None
        self._intra_first = 0

    def __enter__(self) -> FrameSequence:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._keeper is not None:
            self._keeper.close()
            self._keeper = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def frames(self, indices: Iterable[int]) -> Iterator[tuple[int, np.ndarray]]:
        """Yield (source_index, RGB (H, W, 3) uint8) for each requested index, in order."""
        h, w = self.info.height, self.info.width
        for idx, planes in self.planes(indices):
            yield idx, np.ascontiguousarray(planes.rgb()[:h, :w])

    def planes(self, indices: Iterable[int]) -> Iterator[tuple[int, YuvFrame]]:
        """Yield (source_index, YuvFrame) for each requested index, in order. The planes are
        padded to even size (see `YuvFrame.from_rgb`); a frame may be served twice."""
        wanted = [int(i) for i in indices]  # ints only: the order is known before decoding
        keep_from = _first_backward(wanted)
        forward = iter_planes(self.path, self.output, self.options)
        fwd_pos = -1
        fwd_frame: YuvFrame | None = None
        pending: list[int] = []
        for idx in wanted:
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
                    if keep_from is not None and fwd_pos >= keep_from:
                        self._keep(fwd_pos, nxt)
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

    def _keep(self, index: int, frame: YuvFrame) -> None:
        """Write a frame streaming past into the lossless copy that backward runs read."""
        if self._keeper is None:
            self._intra_first = index
            self._keeper = VideoWriter(self._intra_path(), frame.width, frame.height, self.info.fps,
                                       lossless=True, preset="ultrafast", gop=self.CHUNK, comment=None,
                                       colour=self.output)
        self._keeper.write_planes(frame)

    def _backward(self, wanted: Sequence[int]) -> Iterator[tuple[int, YuvFrame]]:
        lo, hi = min(wanted), max(wanted)
        chunk = {}
        for offset, frame in enumerate(self._read_range(lo, hi)):
            chunk[lo + offset] = frame
        last = None
        for idx in wanted:
            last = chunk.get(idx, last if last is not None else next(iter(chunk.values())))
            yield idx, last

    def _read_range(self, lo: int, hi: int) -> Iterator[YuvFrame]:
        intra = self._intermediate()
        matrix = swscale_matrix(self.output.matrix, self.info.width, self.info.height)
        with av.open(str(intra)) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            tb = stream.time_base
            first = self._intra_first
            target = int(round((lo - first) / float(self.info.fps) / tb))
            container.seek(target, stream=stream, backward=True, any_frame=False)
            for frame in container.decode(stream):
                idx = first + round(float(frame.pts * tb * self.info.fps))
                if idx < lo:
                    continue
                yield YuvFrame.from_video_frame(frame, matrix)  # the planes as written: no conversion
                if idx >= hi:
                    return

    def _intermediate(self) -> Path:
        if self._intra is None:
            if self._keeper is not None:  # written while the frames streamed forward
                self._keeper.close()
                self._keeper = None
            else:  # the source ended before the first frame to keep (shorter than analysed): all
                self._intra_first = 0
                with VideoWriter(self._intra_path(), self.info.width, self.info.height, self.info.fps,
                                 lossless=True, preset="ultrafast", gop=self.CHUNK, comment=None,
                                 colour=self.output) as writer:
                    for frame in iter_planes(self.path, self.output, self.options):
                        writer.write_planes(frame)
            self._intra = self._intra_path()
        return self._intra

    def _intra_path(self) -> Path:
        if self._tmp is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="polydub-intra-", dir=self._workdir)
        return Path(self._tmp.name) / "intra.mkv"


def _first_backward(order: Sequence[int]) -> int | None:
    """The lowest index in `order` that comes after a higher one (served backwards), or None."""
    highest, lowest = -1, None
    for idx in order:
        if idx < highest and (lowest is None or idx < lowest):
            lowest = idx
        highest = max(highest, idx)
    return lowest


def frames_for_duration(duration_s: float, fps: Fraction) -> int:
    """Number of output frames so the video lasts `duration_s` within one frame."""
    return max(1, int(math.floor(duration_s * fps + 0.5)))
