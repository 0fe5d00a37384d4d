"""Face and mouth boxes from landmarks, for renderers that work on crops (pure, on arrays)."""

from __future__ import annotations

import numpy as np

from lipsync.composite import lower_face_polygon, polygon_box
from lipsync.landmarks import CHIN, JAW, LIPS_OUTER, face_scale
from lipsync.planes import even_box


def clip_box(box, width: int, height: int) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = box
    return (int(max(0, np.floor(x0))), int(max(0, np.floor(y0))),
            int(min(width, np.ceil(x1))), int(min(height, np.ceil(y1))))


def face_box(points: np.ndarray, width: int, height: int, margin: float = 0.1,
             square: bool = True) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) around every landmark with a margin (share of the face size);
    square boxes suit networks such as Wav2Lip, which take square face crops."""
    lo, hi = points.min(0), points.max(0)
    pad = margin * float(max(hi - lo))
    lo, hi = lo - pad, hi + pad
    if square:
        c, half = (lo + hi) / 2, float(max(hi - lo)) / 2
        lo, hi = c - half, c + half
    return clip_box((lo[0], lo[1], hi[0], hi[1]), width, height)


def lower_face_box(points: np.ndarray, width: int, height: int, open_room: float = 0.5) -> tuple[int, int, int, int]:
    """Box around the lower face (nose to below the chin), with room for the chin to drop
    when the mouth opens (`open_room` x face size)."""
    s = face_scale(points)
    jaw = points[JAW]
    x0, x1 = jaw[:, 0].min() - 0.15 * s, jaw[:, 0].max() + 0.15 * s
    y0 = points[[4, 98, 327]][:, 1].min() - 0.25 * s
    y1 = points[CHIN, 1] + open_room * s
    return clip_box((x0, y0, x1, y1), width, height)


def mouth_box(points: np.ndarray, width: int, height: int, margin: float = 0.35) -> tuple[int, int, int, int]:
    """Box around the lips with a margin (share of the face size)."""
    lips = points[LIPS_OUTER]
    pad = margin * face_scale(points)
    lo, hi = lips.min(0) - pad, lips.max(0) + pad
    return clip_box((lo[0], lo[1], hi[0], hi[1]), width, height)


#: room around the lower-face polygon in the box handed to renderers, as a share of the face
#: size: the mesh warps read a little past the polygon, and a renderer's own mask margin
#: (`lipsync.composite.lower_face_polygon`) only ever shrinks the polygon
RENDER_BOX_ROOM = 0.15
#: further room below the chin, as a share of the face size: a renderer that moves the chin
#: (the exemplar renderer) blends below the jaw line down to 0.25 x face size under it
#: (`lipsync.composite.jaw_following_polygon`), fading inside that
CHIN_ROOM = 0.15


def render_box(points: np.ndarray, width: int, height: int) -> tuple[int, int, int, int]:
    """The even-aligned box (x0, y0, x1, y1) a renderer receives and may change: the
    lower-face polygon at zero margin, grown by `RENDER_BOX_ROOM` x face size and by
    `CHIN_ROOM` x face size more below the chin, clipped to an even-sized `width` x `height`
    frame (one chroma sample covers 2x2 pixels in 4:2:0)."""
    s = face_scale(points)
    room = int(np.ceil(RENDER_BOX_ROOM * s))
    x0, y0, x1, y1 = polygon_box(lower_face_polygon(points, 0.0), width, height, pad=room)
    y1 = max(y1, min(int(np.ceil(points[CHIN, 1] + (RENDER_BOX_ROOM + CHIN_ROOM) * s)) + 1, height))
    return even_box((x0, y0, x1, y1), width, height)
