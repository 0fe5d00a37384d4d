"""Decoding pictures to what a viewer sees: upright, opaque, SDR RGB, one frame at a time.

Every decoded frame goes through `FrameConverter`: HDR (PQ, HLG) is tone-mapped to BT.709
(`lipsync.hdr`), SDR is converted with its own matrix and range (untagged: BT.709 for HD,
BT.601 for SD, as players do), transparency is composited onto a solid background, and the
display matrix (rotation and flips) is applied. Photos are read with Pillow, which applies
their EXIF orientation (`ImageOps.exif_transpose`). Each pass logs these at debug level; the
engine says them once per render (`lipsync.media.conversions`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from lipsync.colour import PRI_BT2020, RANGE_MPEG, RANGE_UNSPECIFIED, ColourTags, frame_tags, swscale_matrix
from lipsync.errors import MediaError
from lipsync.orientation import Orientation, frame_orientation
from lipsync.planes import YuvFrame

log = logging.getLogger(__name__)

VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".mkv", ".avi", ".webm", ".m4v"})
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".webp"})
#: HEIC/HEIF stills (the iPhone default): FFmpeg reads only their first tile, Pillow not at all.
HEIF_SUFFIXES = frozenset({".heic", ".heif", ".hif"})
_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"mif1", b"msf1", b"heim", b"heis")

#: neutral grey: what shows through a transparent area unless a background is given
DEFAULT_BACKGROUND = (128, 128, 128)
TONE_MAP_OPERATORS = ("bt2390",)
#: pictures larger than 1080p (pixels) decode with two threads at most (see `_constant_rate`)
LARGE_PICTURE = 1920 * 1088


@dataclass(frozen=True)
class DecodeOptions:
    """How pictures are decoded.

    background: RGB (0-255) that transparent areas are composited onto.
    accept_truncated: use a cut-off file as far as it reads instead of refusing it.
    tone_map: HDR to SDR operator: "bt2390" (ITU-R BT.2390 EETF; the only one so far).
    """

    background: tuple[int, int, int] = DEFAULT_BACKGROUND
    accept_truncated: bool = False
    tone_map: str = "bt2390"

    def __post_init__(self) -> None:
        bg = tuple(self.background)
        if len(bg) != 3 or not all(isinstance(v, (int, np.integer)) and 0 <= v <= 255 for v in bg):
            raise MediaError(f"background colour {self.background!r} is not three numbers 0-255 (R, G, B)")
        object.__setattr__(self, "background", tuple(int(v) for v in bg))
        if self.tone_map not in TONE_MAP_OPERATORS:
            raise MediaError(f"tone-mapping operator {self.tone_map!r} is unknown; "
                             f"use one of {', '.join(TONE_MAP_OPERATORS)}")


DEFAULT_OPTIONS = DecodeOptions()


def open_container(path: str | os.PathLike) -> av.container.InputContainer:
    """Open a media file for reading; MediaError (one line) when it is missing or unreadable."""
    path = Path(path)
    if not path.exists():
        raise MediaError(f"{path}: no such file; check the path")
    if path.is_dir():
        raise MediaError(f"{path}: is a folder, not a media file")
    refuse_heif(path)
    try:
        return av.open(str(path), mode="r")
    except (av.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        if _mp4_without_index(path):
            raise MediaError(
                f"{path}: an MP4/MOV file without its index (moov box): it was cut off or never finished "
                "writing; copy it again from its source, or re-export it"
            ) from exc
        raise MediaError(
            f"{path}: not a readable audio, video or image file ({exc.__class__.__name__}); "
            "re-export it as MP4, WAV or PNG"
        ) from exc


def _mp4_without_index(path: Path) -> bool:
    """An ISO base media file (MP4, MOV: 'ftyp' first) whose top-level boxes hold no 'moov': the
    index is written last, so a copy cut short loses it. Walks box headers only (ISO/IEC 14496-12
    section 4.2: 32-bit size, type, 64-bit size when the size is 1, to the end when it is 0)."""
    with open(path, "rb") as f:
        end = os.fstat(f.fileno()).st_size
        offset, first = 0, True
        while offset + 8 <= end:
            f.seek(offset)
            size, kind = int.from_bytes(f.read(4), "big"), f.read(4)
            if first and kind != b"ftyp":
                return False
            first = False
            if kind == b"moov":
                return False
            if size == 1:
                size = int.from_bytes(f.read(8), "big")
            if size == 0 or size < 8:
                break
            offset += size
    return not first


def refuse_heif(path: Path) -> None:
    """Raise MediaError for a HEIC/HEIF photo (by suffix or by its ISO-BMFF brand)."""
    try:
        with open(path, "rb") as f:
            head = f.read(12)
    except OSError:
        head = b""
    if path.suffix.lower() in HEIF_SUFFIXES or (head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS):
        raise MediaError(f"{path}: HEIC/HEIF photos are not read; export the photo as JPEG or PNG "
                         "(on an iPhone: Settings > Camera > Formats > Most Compatible)")


def is_photo(path: str | os.PathLike) -> bool:
    return Path(path).suffix.lower() in IMAGE_SUFFIXES


def has_alpha(frame: av.VideoFrame) -> bool:
    return any(c.is_alpha for c in frame.format.components)


def composite(rgba: np.ndarray, background: tuple[int, int, int]) -> np.ndarray:
    """Blend (H, W, 4) uint8 straight-alpha RGBA over a solid colour: (H, W, 3) uint8."""
    alpha = rgba[..., 3:4].astype(np.uint16)
    bg = np.asarray(background, np.uint16)
    out = (rgba[..., :3].astype(np.uint16) * alpha + bg * (255 - alpha) + 127) // 255
    return out.astype(np.uint8)


class FrameConverter:
    """Turn decoded frames of one stream into upright, opaque SDR RGB (H, W, 3) uint8 arrays."""

    def __init__(self, path: Path, options: DecodeOptions = DEFAULT_OPTIONS):
        self.path = path
        self.options = options
        self._alpha_said = False
        self._tone_mapper = None
        self._orientation: Orientation | None = None

    def orientation(self, frame: av.VideoFrame) -> Orientation:
        """The stream's display orientation, read from its first frame: FFmpeg copies the
        stream's display matrix onto every frame, and reading a frame's side data ties the
        frame into a reference cycle (PyAV), so reading it per frame keeps every decoded
        frame alive until the garbage collector runs (hundreds of MB at 4K)."""
        if self._orientation is None:
            self._orientation = frame_orientation(frame)
        return self._orientation

    def __call__(self, frame: av.VideoFrame) -> np.ndarray:
        tags = frame_tags(frame)
        if tags.hdr:
            image = self._hdr(frame, tags)
        elif has_alpha(frame):
            image = self._transparent(frame, tags)
        else:
            image = frame.to_ndarray(format="rgb24", **_sdr_kwargs(frame, tags))
        return np.ascontiguousarray(self.orientation(frame).apply(image))

    def _transparent(self, frame: av.VideoFrame, tags: ColourTags) -> np.ndarray:
        rgba = frame.to_ndarray(format="rgba", **_sdr_kwargs(frame, tags))
        if not self._alpha_said:
            log.debug("%s: has transparency; composited onto the background colour %s",
                      self.path, self.options.background)
            self._alpha_said = True
        return composite(rgba, self.options.background)

    def _hdr(self, frame: av.VideoFrame, tags: ColourTags) -> np.ndarray:
        from lipsync.hdr import ToneMapper

        if self._tone_mapper is None:
            self._tone_mapper = ToneMapper.for_frame(frame, tags, self.options.tone_map)
            log.debug("%s: HDR (%s) tone-mapped to SDR BT.709 with %s", self.path, tags.hdr.upper(),
                      self._tone_mapper.describe())
        return self._tone_mapper(frame)


def _sdr_kwargs(frame: av.VideoFrame, tags: ColourTags) -> dict:
    if frame.format.is_rgb:
        return {}
    return {"src_colorspace": swscale_matrix(tags.matrix, frame.width, frame.height),
            "src_color_range": tags.range or 1}


# --------------------------------------------------------------------------- photos


def read_photo(path: str | os.PathLike, options: DecodeOptions = DEFAULT_OPTIONS) -> np.ndarray:
    """A photo as displayed: EXIF orientation applied, transparency composited onto
    `options.background`. Returns (H, W, 3) uint8, C-contiguous. Raises MediaError."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    path = Path(path)
    refuse_heif(path)
    try:
        with Image.open(path) as img:
            img = ImageOps.exif_transpose(img)
            if img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info:
                rgba = np.asarray(img.convert("RGBA"))
                if (rgba[..., 3] < 255).any():
                    log.debug("%s: has transparency; composited onto the background colour %s",
                             path, options.background)
                return np.ascontiguousarray(composite(rgba, options.background))
            return np.ascontiguousarray(np.asarray(img.convert("RGB")))
    except FileNotFoundError as exc:
        raise MediaError(f"{path}: no such file; check the path") from exc
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise MediaError(f"{path}: not a readable photo ({exc.__class__.__name__}); "
                         "re-export it as JPEG or PNG") from exc


def photo_size(path: str | os.PathLike) -> tuple[int, int, str, bool]:
    """(width, height, format, has alpha) of a photo as displayed (EXIF orientation applied),
    without decoding its pixels. Raises MediaError."""
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    refuse_heif(path)
    try:
        with Image.open(path) as img:
            width, height = img.size
            orientation = img.getexif().get(0x0112, 1)
            fmt = (img.format or "image").lower()
            alpha = img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise MediaError(f"{path}: not a readable photo ({exc.__class__.__name__}); "
                         "re-export it as JPEG or PNG") from exc
    return ((height, width) if orientation in (5, 6, 7, 8) else (width, height)) + (fmt, alpha)


# --------------------------------------------------------------------------- video


def stream_fps(stream: av.video.stream.VideoStream) -> Fraction:
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    if not rate or rate <= 0:
        return Fraction(25, 1)
    return Fraction(rate.numerator, rate.denominator)


def check_timestamps_run(path: Path, pts: Sequence[int | None], fps: Fraction) -> None:
    """Raise MediaError when the decoded frames' timestamps `pts` (display order, two or more)
    never increase: such a video (all frames stamped 0, as a broken muxer writes) would be
    resampled to one frame and play as a still picture. The message gives the ffmpeg command
    that re-stamps the frames at the stream's nominal rate `fps`."""
    known = [p for p in pts if p is not None]
    if len(known) < 2 or any(b > a for a, b in zip(known, known[1:])):
        return
    rate = f"{fps.numerator}/{fps.denominator}" if fps.denominator != 1 else str(fps.numerator)
    raise MediaError(f"{path}: its video frames all carry the same timestamp, so it would play as a still "
                     f"picture; re-stamp them at its frame rate (the file declares {rate}), e.g. ffmpeg -i {path.name} -vf setpts=N/({rate}*TB) -r {rate} "
                     f"-c:a copy fixed.mp4, and give fixed.mp4")


def decoded_frames(container: av.container.InputContainer, stream) -> Iterator[av.VideoFrame]:
    """Frames of `stream`; VP9 with an alpha channel goes through libvpx, whose decoder reads
    the alpha plane FFmpeg's own VP9 decoder drops (WebM BlockAdditional)."""
    alpha_mode = str(stream.metadata.get("alpha_mode", stream.metadata.get("ALPHA_MODE", "0")))
    if stream.codec_context.name == "vp9" and alpha_mode == "1":
        try:
            ctx = av.CodecContext.create("libvpx-vp9", "r")
        except (av.FFmpegError, ValueError):
            ctx = None
        if ctx is not None:
            for packet in container.demux(stream):
                for frame in ctx.decode(packet if packet.size else None):
                    yield frame
            return
    yield from container.decode(stream)


def iter_frames(path: str | os.PathLike, start: int = 0,
                options: DecodeOptions = DEFAULT_OPTIONS) -> Iterator[np.ndarray]:
    """Yield displayed RGB frames (H, W, 3, uint8, C-contiguous) in display order, from frame
    `start` (see `FrameConverter`; photos: one frame, see `read_photo`).

    Variable-frame-rate input is resampled to constant rate at its average rate by
    duplicating or dropping frames at their timestamps, so frame i is at i / fps.
    """
    path = Path(path)
    if is_photo(path):
        if start == 0:
            yield read_photo(path, options)
        return
    yield from _constant_rate(path, start, FrameConverter(path, options))


def iter_planes(path: str | os.PathLike, output: ColourTags, options: DecodeOptions = DEFAULT_OPTIONS,
                ) -> Iterator[YuvFrame]:
    """Yield displayed frames as yuv420p planes (`lipsync.planes.YuvFrame`) in the Y'CbCr of
    `output` (the tags the render is written with), at constant rate as `iter_frames`.

    A frame that is already what is displayed and written (upright, opaque, SDR, 8-bit 4:2:0,
    even size, limited range, the output's matrix) keeps its decoded planes untouched; any
    other is converted once (`FrameConverter` to RGB, then to the output's Y'CbCr).
    """
    path = Path(path)
    if is_photo(path):
        image = read_photo(path, options)
        yield YuvFrame.from_rgb(image, swscale_matrix(output.matrix, image.shape[1], image.shape[0]))
        return
    yield from _constant_rate(path, 0, PlanesConverter(path, output, options))


class PlanesConverter:
    """Decoded frames of one stream to `YuvFrame`s in the output's matrix (see `iter_planes`)."""

    def __init__(self, path: Path, output: ColourTags, options: DecodeOptions = DEFAULT_OPTIONS):
        self.output = output
        self._rgb = FrameConverter(path, options)
        self.converted = 0  # frames that could not keep their planes

    def direct(self, frame: av.VideoFrame) -> bool:
        """Whether `frame`'s decoded planes are already the displayed, written picture."""
        tags = frame_tags(frame)
        w, h = frame.width, frame.height
        return (frame.format.name == "yuv420p" and not w % 2 and not h % 2 and not tags.hdr
                and tags.range in (RANGE_UNSPECIFIED, RANGE_MPEG) and tags.primaries != PRI_BT2020
                and swscale_matrix(tags.matrix, w, h) == swscale_matrix(self.output.matrix, w, h)
                and self._rgb.orientation(frame).is_identity)

    def __call__(self, frame: av.VideoFrame) -> YuvFrame:
        if self.direct(frame):
            return YuvFrame.from_video_frame(frame, swscale_matrix(self.output.matrix, frame.width, frame.height))
        self.converted += 1
        image = self._rgb(frame)
        return YuvFrame.from_rgb(image, swscale_matrix(self.output.matrix, image.shape[1], image.shape[0]))


def _constant_rate(path: Path, start: int, convert) -> Iterator:
    """`convert(frame)` for each displayed frame from `start`, resampled to constant rate."""
    with open_container(path) as container:
        if not container.streams.video:
            raise MediaError(f"{path}: has no video stream; give a video or a photo of the presenter")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        if (stream.width or 0) * (stream.height or 0) > LARGE_PICTURE:
            # frame threading holds a picture per thread: two threads keep a 4K decode
            # within its memory bound (issue 14) at about the same speed on few cores
            stream.codec_context.thread_count = 2
        fps = stream_fps(stream)
        tb = stream.time_base
        first_pts = None
        index = 0
        last = None
        try:
            for frame in decoded_frames(container, stream):
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
                            image = convert(frame)
                        # Gap in timestamps: repeat the previous frame, then this one.
                        yield last if (index < t_index and last is not None) else image
                    index += 1
                last = image if image is not None else last
        except av.FFmpegError as exc:
            raise MediaError(f"{path}: the video is damaged at frame {index} ({exc}); re-export it") from exc
        if index == 0:
            raise MediaError(f"{path}: the video stream holds no frames")


def read_frame(path: str | os.PathLike, index: int = 0, options: DecodeOptions = DEFAULT_OPTIONS) -> np.ndarray:
    """One displayed RGB frame by index (decodes from the start; meant for thumbnails and stills)."""
    for frame in iter_frames(path, start=index, options=options):
        return frame
    raise MediaError(f"{path}: has no frame {index}")
