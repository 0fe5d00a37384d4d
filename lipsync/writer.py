"""Writing media: mono audio files and H.264 + AAC MP4 at an exact constant rate.

Every video written carries colour tags (`lipsync.colour.output_tags`): the RGB frames are
converted to Y'CbCr with the matrix the tags name, so players show the colours given.
"""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from lipsync.colour import ColourTags, output_tags, swscale_matrix
from lipsync.errors import MediaError
from lipsync.planes import YuvFrame

#: The product's output encoder settings (DESIGN.md, "Contracts between packages").
DEFAULT_PRESET = "veryfast"
DEFAULT_CRF = 18
AUDIO_BITRATE = 160_000
AUDIO_OUTPUT_RATE = 48_000
#: x264 threads for the product's (lossy) encodes. x264's output depends on its thread count,
#: and its default (auto: 1.5 x the CPUs this process may use) made the same render give other
#: bytes on a machine, worker or Ray node with another CPU count (a 256x256 clip: other SHA-256
#: under `taskset -c 0` than on 2 CPUs). A fixed count gives the same bytes on any machine.
ENCODER_THREADS = 4
#: x264 options for every encode. `cpu-independent` makes x264 use its C macroblock-tree
#: propagation (x264's `x264_mc_init`: `mbtree_propagate_cost` / `_list`, the only functions
#: the flag swaps) instead of SIMD code whose floats differ by CPU. Without it the same frames
#: gave other bytes per process on an AVX-512 CPU: the output followed glibc's MALLOC_PERTURB_
#: (x264 read memory it never wrote), only with AVX-512 on (`asm=AVX2` was stable), only when a
#: macroblock row is not a multiple of 8 (widths 64, 192, 288, 320 varied; 128, 256 did not).
#: With it the bytes equal x264's all-C output (`asm=0`). Its cost on a 1280x720, 120-frame
#: CRF 18 veryfast encode: +1 % time, +0.3 % file size.
X264_PARAMS = "cpu-independent=1"
#: frames above this many pixels (larger than 1080p) are encoded with `LARGE_FRAME_X264`
LARGE_FRAME = 1920 * 1088
#: libx264 queues look-ahead and B-frame pictures (about 45 MB each at 16 megapixels): above
#: `LARGE_FRAME` a shorter queue keeps a 4000x4000 photo's render under 1 GB (issue 14;
#: `bench/bench_memory.py --x264`: the encoder held 985 -> 437 MB at 4000x4000 and 557 -> 298 MB
#: at 3840x2160, for 1.4-1.6 dB less PSNR against the frames given, at 55-58 dB, and a file
#: 9-25 % smaller)
LARGE_FRAME_X264 = "rc-lookahead=3:sync-lookahead=0:bframes=1"


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



class VideoWriter:
    """Encode frames to H.264 at an exact constant rate, then mux mono audio as AAC.

    Frames come as RGB (`write`, converted with the output's matrix) or as yuv420p planes
    already in the output's Y'CbCr (`write_planes`, handed to the encoder as they are).
    `lossless`: QP 0 instead of `crf` (bit-exact planes; for intermediates).

    Use as a context manager: frames are encoded as they arrive, the encoder is flushed on
    close, and a failed write removes the partial file. libx264 cannot store odd sizes in
    yuv420p, so an odd width or height is padded by one repeated edge pixel. `colour`: the
    source's colour tags, kept when SDR (see `lipsync.colour.output_tags`); the output is
    tagged BT.709 (HD) or BT.601 (SD) otherwise.
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
        colour: ColourTags | None = None,
        lossless: bool = False,
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
        self.colour = output_tags(self.width, self.height, colour)
        self._matrix = swscale_matrix(self.colour.matrix, self.width, self.height)
        self._video = self._add_video(crf=crf, preset=preset, gop=gop, lossless=lossless)
        # Frames carry pts in units of 1/fps; libx264 rejects some presets when the stream
        # time base is forced as well, so the muxer picks its own (exact) time scale.
        self._frame_tb = Fraction(1, 1) / self.fps
        # One frame reused for every changed frame handed over as planes: the encoder copies
        # what it is given before `encode` returns, and filling a new 720p frame each time took
        # 111-136 us against 82-90 us for the reused one (issue 14)
        self._spare: av.VideoFrame | None = None
        self._audio = None
        if audio is not None:
            samples, rate = audio
            self._audio_data = _as_mono_float(samples)
            self._audio_rate = int(rate)
            self._audio = self._container.add_stream("aac", rate=AUDIO_OUTPUT_RATE, layout="mono")
            self._audio.bit_rate = AUDIO_BITRATE

    def _add_video(self, *, crf: int, preset: str, gop: int | None, lossless: bool) -> av.video.stream.VideoStream:
        """The libx264 stream, yuv420p at the even encode size, tagged with `self.colour`, with
        the product's encoder options (see `ENCODER_THREADS`, `X264_PARAMS`, `LARGE_FRAME_X264`)."""
        video = self._container.add_stream("libx264", rate=self.fps)
        # libx264 with yuv420p needs even sizes: encode at the next even size (edge pixels
        # repeated); players show the stored size, which stays within one pixel.
        self._enc_w = self.width + (self.width % 2)
        self._enc_h = self.height + (self.height % 2)
        video.width = self._enc_w
        video.height = self._enc_h
        video.pix_fmt = "yuv420p"
        ctx = video.codec_context
        ctx.color_primaries, ctx.color_trc = self.colour.primaries, self.colour.transfer
        ctx.colorspace, ctx.color_range = self.colour.matrix, self.colour.range
        # Lossless intermediates decode to the same planes whatever the threads: only the
        # product's encodes need the fixed count.
        options = {"qp": "0"} if lossless else {"crf": str(crf), "threads": str(ENCODER_THREADS)}
        options["preset"] = preset
        params = [X264_PARAMS]
        if gop is not None:
            video.codec_context.gop_size = gop
            if gop == 1:
                params.append("keyint=1")
        if self._enc_w * self._enc_h > LARGE_FRAME and not lossless and preset != "ultrafast":
            params.append(LARGE_FRAME_X264)  # (ultrafast queues nothing: no B-frames, no look-ahead)
        options["x264-params"] = ":".join(p for p in params if p)
        video.options = options
        return video

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
        vf = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24").reformat(
            format="yuv420p", dst_colorspace=self._matrix, dst_color_range="MPEG")
        self.write_frame(vf)

    def write_planes(self, frame: YuvFrame, picture_type: str | None = None) -> None:
        """Encode a yuv420p frame (`lipsync.planes.YuvFrame`, even size: the stored size
        rounded up to even) whose Y'CbCr is already the output's: no conversion.
        `picture_type`: see `write_frame`."""
        if frame.width != self._enc_w or frame.height != self._enc_h:
            raise MediaError(f"frame of size {frame.width}x{frame.height} given to a "
                             f"{self._enc_w}x{self._enc_h} (even-padded) video")
        if self._spare is None:
            self._spare = av.VideoFrame(self._enc_w, self._enc_h, "yuv420p")
        self.write_frame(frame.to_video_frame(self._spare), picture_type)

    def write_frame(self, vf: av.VideoFrame, picture_type: str | None = None) -> None:
        """Encode a PyAV frame as it is (yuv420p at the even-padded size, already in the
        output's Y'CbCr): a decoded frame passed straight through. Its pts is replaced, and its
        picture type cleared: libx264 takes a frame's I/P/B type as an order, so a decoded
        frame would copy the source encoder's frame types and skip libx264's own choice (as
        `ffmpeg -c:v libx264` does, the encoder decides). `picture_type` ("I", "P" or "B")
        gives that order on purpose: a reference encode made with another video's frame
        types (the quality judge compares untouched pixels at equal frame types)."""
        vf.pts = self.frames_written
        vf.pict_type = av.video.frame.PictureType[picture_type or "NONE"]
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
