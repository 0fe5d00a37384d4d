"""Display orientation: the rotation and flips a player applies before showing a picture.

Phones store video sideways and say how to show it in a display matrix (ISO/IEC 14496-12
`tkhd` matrix; FFmpeg exports it as `AV_FRAME_DATA_DISPLAYMATRIX` on every decoded frame), and
store photos sideways with an EXIF Orientation tag. Both are the eight rotations/mirrorings
of a rectangle; `Orientation` applies one to an (H, W, C) array so analysis and render see
the upright picture at its displayed size.
"""

from __future__ import annotations

import logging
import math
import struct
from dataclasses import dataclass

import av
import numpy as np

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Orientation:
    """A right-angle rotation with optional mirroring, applied as: transpose the rows and
    columns (when `transpose`), then reverse the rows (`flip_rows`) and/or the columns
    (`flip_cols`). The identity leaves a picture as stored."""

    transpose: bool = False
    flip_rows: bool = False
    flip_cols: bool = False

    @property
    def is_identity(self) -> bool:
        return not (self.transpose or self.flip_rows or self.flip_cols)

    def displayed_size(self, width: int, height: int) -> tuple[int, int]:
        """(width, height) of the displayed picture for a stored width x height."""
        return (height, width) if self.transpose else (width, height)

    def apply(self, image: np.ndarray) -> np.ndarray:
        """The displayed picture of a stored (H, W, ...) array, C-contiguous (a copy unless
        this is the identity)."""
        if self.is_identity:
            return image
        out = image.swapaxes(0, 1) if self.transpose else image
        if self.flip_rows:
            out = out[::-1]
        if self.flip_cols:
            out = out[:, ::-1]
        return np.ascontiguousarray(out)

    @property
    def degrees(self) -> int:
        """Counter-clockwise rotation in degrees (0, 90, 180, 270), flips aside."""
        # Rotations only: 90 CCW = transpose + flip rows; 180 = both flips; 270 = transpose + flip cols.
        if self.transpose:
            return 90 if self.flip_rows and not self.flip_cols else 270 if self.flip_cols and not self.flip_rows else 0
        return 180 if self.flip_rows and self.flip_cols else 0


IDENTITY = Orientation()


def from_display_matrix(matrix: tuple[int, ...] | list[int]) -> Orientation:
    """The orientation of a 3x3 display matrix (9 int32, 16.16 fixed point for a, b, c, d).

    FFmpeg's libavutil/display.h: a source point (p, q) is shown at (a*p + c*q + x, b*p + d*q + y)
    with (a, b, c, d) = matrix[0], matrix[1], matrix[3], matrix[4]; image rows grow downwards.
    Angles off a right angle are rounded to the nearest one (logged).
    """
    a, b, c, d = (matrix[0] / 65536.0, matrix[1] / 65536.0, matrix[3] / 65536.0, matrix[4] / 65536.0)
    if abs(a) < 1e-9 and abs(b) < 1e-9 and abs(c) < 1e-9 and abs(d) < 1e-9:
        return IDENTITY
    angle = math.degrees(math.atan2(b, a)) % 90.0
    if min(angle, 90.0 - angle) > 1.0:
        log.warning("display matrix rotates by %.1f degrees, not a right angle; using the nearest one", angle)
    if abs(a) + abs(d) >= abs(b) + abs(c):
        # No swap: displayed column = a * column, displayed row = d * row.
        return Orientation(False, flip_rows=d < 0, flip_cols=a < 0)
    # Swap: displayed column = c * row, displayed row = b * column; after transposing, the
    # array's rows are source columns (scaled by b) and its columns source rows (scaled by c).
    return Orientation(True, flip_rows=b < 0, flip_cols=c < 0)


def frame_orientation(frame: av.VideoFrame) -> Orientation:
    """The orientation a decoded frame's display matrix asks for (identity when it has none)."""
    try:
        data = frame.side_data.get("DISPLAYMATRIX")
    except (KeyError, ValueError, AttributeError):
        data = None
    if data is None:
        return IDENTITY
    raw = bytes(data)
    if len(raw) < 36:
        return IDENTITY
    return from_display_matrix(struct.unpack("=9i", raw[:36]))


#: EXIF Orientation (tag 0x0112) 1-8 as an Orientation (EXIF 2.32, section 4.6.4 A; the same
#: table Pillow's ImageOps.exif_transpose uses). Photos are transposed by Pillow itself; this
#: table serves the tests and logs.
EXIF_ORIENTATIONS = {
    1: IDENTITY,
    2: Orientation(False, False, True),
    3: Orientation(False, True, True),
    4: Orientation(False, True, False),
    5: Orientation(True, False, False),
    6: Orientation(True, False, True),
    7: Orientation(True, True, True),
    8: Orientation(True, True, False),
}
