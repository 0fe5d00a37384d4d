"""Frames kept in their decoded Y'CbCr 4:2:0 planes; RGB only for the boxes a renderer changes.

A render converts only the lower-face box to RGB and back (DESIGN.md), so every other pixel
reaches the encoder exactly as it was decoded. Conversions use swscale (PyAV) with the
frame's own matrix and limited ("MPEG", tv) range, the same calls a whole-frame decode uses.
"""

from __future__ import annotations

from dataclasses import dataclass

import av
import cv2
import numpy as np

Box = tuple[int, int, int, int]
#: swscale threads for a box's conversion. Its default (one per CPU) starts a pool of threads
#: with every conversion context: a 180x110 RGB -> Y'CbCr box cost 320 us of CPU (200 in the
#: calling thread) against 73 us on one thread, the same samples (issue 14: two box
#: conversions per rendered frame; measured with PyAV 18.1 on this 2-core machine)
BOX_THREADS = 1
#: the 2x2 block of luma pixels one 4:2:0 chroma sample covers
_BLOCK = np.ones((2, 2), np.uint8)


def even_box(box: Box, width: int, height: int) -> Box:
    """`box` (x0, y0, x1, y1) grown to even coordinates (one chroma sample covers 2x2 luma
    pixels in 4:2:0) and clipped to an even-sized `width` x `height` picture."""
    x0, y0, x1, y1 = (int(v) for v in box)
    x0, y0 = max(0, x0 - x0 % 2), max(0, y0 - y0 % 2)
    x1, y1 = min(width, x1 + x1 % 2), min(height, y1 + y1 % 2)
    return x0, y0, max(x0, x1), max(y0, y1)


@dataclass(frozen=True)
class YuvFrame:
    """One picture as yuv420p planes, 8-bit, limited range.

    `data` is PyAV's yuv420p array layout: shape (H * 3 // 2, W) uint8 with H and W even: the
    Y plane (H, W), then U and V (H/2, W/2 each) laid row after row; or None when the planes
    are those of `decoded`, a decoded yuv420p PyAV frame kept as it is (`from_video_frame`).
    `matrix` is the swscale colourspace name of the Y'CbCr matrix ("ITU709", "ITU601", ...).
    Treat the planes as read-only: the same frame may be shown twice (ping-pong), and a
    decoded frame's buffer may be the decoder's; `with_rgb` returns a new frame.
    """

    data: np.ndarray | None
    matrix: str
    #: changed samples not yet in the planes (see `with_rgb`); applied where the frame is read
    patch: Patch | None = None
    #: the decoded frame whose planes these are (when `data` is None): read in place, and
    #: handed to the encoder as it is when nothing changed (`to_video_frame`)
    decoded: av.VideoFrame | None = None

    @property
    def height(self) -> int:
        return self.decoded.height if self.data is None else self.data.shape[0] * 2 // 3

    @property
    def width(self) -> int:
        return self.decoded.width if self.data is None else self.data.shape[1]

    def planes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(Y (H, W), U (H/2, W/2), V (H/2, W/2)): views of the frame's own planes (read-only
        for a decoded frame's), or of a patched copy."""
        if self.patch is None:
            return self._own_planes()
        data = np.empty((self.height * 3 // 2, self.width), np.uint8)
        planes = _split(data, self.height, self.width)
        for dst, src in zip(planes, self._own_planes()):
            np.copyto(dst, src)
        self.patch.apply(*planes)
        return planes

    def _own_planes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The planes without the patch (views)."""
        if self.data is None:
            return tuple(_plane_view(p, writable=False) for p in self.decoded.planes)
        return _split(self.data, self.height, self.width)

    @classmethod
    def from_video_frame(cls, frame: av.VideoFrame, matrix: str) -> YuvFrame:
        """A decoded yuv420p frame's planes, kept in the frame itself (no copy, no conversion);
        other formats and odd sizes are reformatted to yuv420p with the same matrix and range.

        Kept, not copied (issue 14): a 720p frame's copy cost the decoding thread about 0.2 ms,
        and a frame the renderer leaves alone now reaches the encoder without any copy."""
        w, h = frame.width, frame.height
        if frame.format.name != "yuv420p" or w % 2 or h % 2:
            return cls(frame.to_ndarray(format="yuv420p"), matrix)
        return cls(None, matrix, decoded=frame)

    @classmethod
    def from_rgb(cls, image: np.ndarray, matrix: str) -> YuvFrame:
        """Convert an (H, W, 3) uint8 RGB picture; an odd size is padded to even by repeating
        its last row / column (libx264 stores 4:2:0 at even sizes only)."""
        h, w = image.shape[:2]
        if h % 2 or w % 2:
            image = np.pad(image, ((0, h % 2), (0, w % 2), (0, 0)), mode="edge")
        return cls(_rgb_to_yuv(np.ascontiguousarray(image), matrix), matrix)

    def to_video_frame(self, into: av.VideoFrame | None = None) -> av.VideoFrame:
        """The PyAV frame for the encoder: the decoded frame itself when nothing changed (the
        encoder copies what it is given; the writer sets only its pts and picture type, so one
        writer at a time may hold it), else a frame
        with the patch written into it: `into` (a yuv420p frame of this size, overwritten;
        made writable first, so a buffer anything else still refers to is never written) or a
        new one."""
        if self.decoded is not None and self.patch is None:
            return self.decoded
        if into is not None and into.format.name == "yuv420p" and (into.width, into.height) == (self.width, self.height):
            frame = into
            frame.make_writable()
        else:
            frame = av.VideoFrame(self.width, self.height, "yuv420p")
        # Plane by plane into the frame's buffers: a third of the time of `from_ndarray`.
        for dst, src in zip(frame.planes, self._own_planes()):
            np.copyto(_plane_view(dst), src)
        if self.patch is not None:
            self.patch.apply(*(_plane_view(p) for p in frame.planes))
        return frame

    def crop(self, box: Box) -> np.ndarray:
        """The yuv420p array of an even-aligned `box` (same layout as `data`; patch applied)."""
        x0, y0, x1, y1 = box
        y, u, v = self.planes()
        cy, cx = slice(y0 // 2, y1 // 2), slice(x0 // 2, x1 // 2)
        # Flat, as PyAV lays out yuv420p: chroma rows need not line up with the array's rows.
        flat = np.concatenate([y[y0:y1, x0:x1].ravel(), u[cy, cx].ravel(), v[cy, cx].ravel()])
        return flat.reshape(-1, x1 - x0)

    def rgb(self, box: Box | None = None) -> np.ndarray:
        """RGB (h, w, 3) uint8 of an even-aligned `box` (x0, y0, x1, y1), or of the whole frame."""
        whole = box is None
        if whole:
            box = (0, 0, self.width, self.height)
        x0, y0, x1, y1 = box
        if x1 <= x0 or y1 <= y0:
            return np.zeros((max(0, y1 - y0), max(0, x1 - x0), 3), np.uint8)
        # The box's planes copied straight into a frame of its size (not laid out as one array
        # first, then copied again: 99 -> 60 us for a 250 x 190 box)
        y, u, v = self.planes()
        cy, cx = slice(y0 // 2, y1 // 2), slice(x0 // 2, x1 // 2)
        frame = av.VideoFrame(x1 - x0, y1 - y0, "yuv420p")
        for dst, src in zip(frame.planes, (y[y0:y1, x0:x1], u[cy, cx], v[cy, cx])):
            np.copyto(_plane_view(dst), src)
        return frame.to_ndarray(format="rgb24", src_colorspace=self.matrix, src_color_range="MPEG",
                                threads=None if whole else BOX_THREADS)

    def with_rgb(self, box: Box, before: np.ndarray, after: np.ndarray) -> YuvFrame:
        """This frame with the RGB crop `after` written into the even-aligned `box` where it
        differs from `before` (the crop as `rgb(box)` gave it): luma per changed pixel, chroma
        per 2x2 block holding a changed pixel; every other sample stays as decoded. The
        change is kept as a `Patch` and written into the encoder's copy of the frame
        (`to_video_frame`), so no extra full-frame copy is made."""
        if self.patch is not None:
            raise ValueError("the frame already carries a patch")
        # Changed pixels (any channel differs) and their bounding rectangle, by OpenCV on the
        # channel planes: numpy's or of the interleaved channels and its row / column scans cost
        # about 100 us on a 250 x 190 crop, these about 30 (issue 14)
        r, g, b = cv2.split(cv2.absdiff(np.ascontiguousarray(after), np.ascontiguousarray(before)))
        differs = cv2.max(cv2.max(r, g), b)
        left, top, cw, ch = cv2.boundingRect(differs)
        if not cw:
            return self
        # Convert only the even-aligned rectangle around the changed pixels (RGB -> Y'CbCr is
        # the costly direction in swscale); its edge blocks lie where the mask has faded out.
        r0, c0 = top - top % 2, left - left % 2
        r1, c1 = top + ch + (top + ch) % 2, left + cw + (left + cw) % 2
        rect = differs[r0:r1, c0:c1]
        changed = rect != 0
        bh, bw = r1 - r0, c1 - c0
        new_y, new_u, new_v = _rgb_box_to_yuv(after[r0:r1, c0:c1], self.matrix)
        # a chroma sample changes where any pixel of its 2x2 block does: the block's max, read
        # at its top-left pixel
        block = cv2.dilate(rect, _BLOCK, anchor=(0, 0))[::2, ::2] != 0
        x0, y0 = box[0] + int(c0), box[1] + int(r0)
        return YuvFrame(self.data, self.matrix,
                        Patch((x0, y0, x0 + bw, y0 + bh), new_y, new_u, new_v, changed, block), self.decoded)


@dataclass(frozen=True)
class Patch:
    """New samples for a box of a frame: luma `y` (h, w) where `luma` is set, chroma `u`,
    `v` (h/2, w/2) where `chroma` is set."""

    box: Box
    y: np.ndarray
    u: np.ndarray
    v: np.ndarray
    luma: np.ndarray
    chroma: np.ndarray

    def apply(self, y: np.ndarray, u: np.ndarray, v: np.ndarray) -> None:
        """Write into planes (views; modified in place)."""
        x0, y0, x1, y1 = self.box
        # where() copies beat boolean indexing several times over
        np.copyto(y[y0:y1, x0:x1], self.y, where=self.luma)
        np.copyto(u[y0 // 2:y1 // 2, x0 // 2:x1 // 2], self.u, where=self.chroma)
        np.copyto(v[y0 // 2:y1 // 2, x0 // 2:x1 // 2], self.v, where=self.chroma)


def _split(data: np.ndarray, h: int, w: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    chroma = data[h:].reshape(2, h // 2, w // 2)
    return data[:h], chroma[0], chroma[1]


def _plane_view(plane, writable: bool = True) -> np.ndarray:
    """A (height, width) view of a PyAV frame plane (rows padded to line_size); read-only
    unless `writable` (a decoded frame's buffer may be one the decoder still refers to)."""
    rows = np.frombuffer(plane, np.uint8, count=plane.height * plane.line_size).reshape(plane.height, plane.line_size)
    if not writable:
        rows.flags.writeable = False
    return rows[:, : plane.width]


def _rgb_box_to_yuv(image: np.ndarray, matrix: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """An (h, w, 3) RGB uint8 box (h, w even; any strides) -> its Y (h, w), U, V (h/2, w/2)
    planes, limited range, on `BOX_THREADS` swscale threads: views of the converted frame's
    planes. The box is copied once, into the frame swscale reads (a contiguous copy handed to
    `from_ndarray` was copied again, and `to_ndarray` copies the planes out: 108 -> 84 us for
    a 180 x 110 box)."""
    h, w = image.shape[:2]
    frame = av.VideoFrame(w, h, "rgb24")
    plane = frame.planes[0]
    rows = np.frombuffer(plane, np.uint8, count=h * plane.line_size).reshape(h, plane.line_size)
    np.copyto(rows[:, : w * 3].reshape(h, w, 3), image)
    out = frame.reformat(format="yuv420p", dst_colorspace=matrix, dst_color_range="MPEG", threads=BOX_THREADS)
    return tuple(_plane_view(p, writable=False) for p in out.planes)


def _rgb_to_yuv(image: np.ndarray, matrix: str) -> np.ndarray:
    """(h, w, 3) RGB uint8 (C-contiguous) -> the yuv420p array (h * 3 // 2, w), limited range."""
    frame = av.VideoFrame.from_ndarray(image, format="rgb24")
    return frame.reformat(format="yuv420p", dst_colorspace=matrix, dst_color_range="MPEG").to_ndarray()
