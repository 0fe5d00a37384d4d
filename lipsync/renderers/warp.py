"""Warp renderer: opens and shapes the presenter's own mouth geometrically and paints the
interior. For photos and footage whose mouth never opens enough to give exemplars."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import ClassVar

import cv2
import numpy as np

from lipsync.composite import blend, feathered_mask, lower_face_polygon, pixels_where, polygon_box
from lipsync.landmarks import JAW, LIPS_INNER, LIPS_OUTER, face_scale
from lipsync.renderers.base import FrameInput, RenderJob
from lipsync.renderers.interior import Grain, paint_textured_interior
from lipsync.renderers.shaping import (
    LIP_POINTS, UNDER_LIP, inner_opening_px, paint_closed_lips, reshape_mouth,
)
from lipsync.warping import fold_free_simplices, mesh_maps, ring_points, warp_crop

#: widest opening drawn, as a share of the face size (outer eye corners), when the footage
#: shows no wider one: a wide /a/ parts the lips by about a quarter of that distance
DEFAULT_MAX_OPENING = 0.26
#: the gap left between the lips when the lower lip touches the upper teeth (f, v), share of
#: the face size: the teeth's edges show in it
LABIODENTAL_OPENING = 0.035
#: The presenter's teeth colour (`own_teeth`, for built teeth) is sampled every this many frames
#: once found: it follows the light slowly (an average with a time constant of about ten
#: frames), and a sample cost 0.15 ms, a twentieth of the frame's render (issue 14).
TEETH_EVERY = 4
#: each sample's weight in that average: 0.1 a frame before, 1 - 0.9 ** 4 = 0.34 every fourth
_TEETH_WEIGHT = 1.0 - 0.9 ** TEETH_EVERY
#: fixed anchors: nose, cheeks beside it, the middle of the face
_ANCHORS = np.array([1, 2, 4, 5, 98, 327, 205, 425, 50, 280, 36, 266])


class WarpRenderer:
    name: ClassVar[str] = "warp"

    def __init__(self, *, device: str = "cpu", max_opening: float = DEFAULT_MAX_OPENING, mask_margin: float = 0.1):
        self.max_opening = max_opening
        self.mask_margin = mask_margin
        self.grain = Grain.make()  # the built interior's fixed grain: the same every frame

    def render(self, job: RenderJob, frames: Iterable[FrameInput]) -> Iterator[np.ndarray | None]:
        """The changed lower-face crop per frame (None without a face); see `Renderer`."""
        rest = job.analysis.rest_shape()
        widest = max(float(job.analysis.open_shape()[0]), self.max_opening)
        teeth: np.ndarray | None = None  # the presenter's own, averaged over the frames sampled that show them
        mesh: np.ndarray | None = None  # the last frame's triangles, kept while they fold nowhere
        for f in frames:
            if f.crop is None:
                yield None
                continue
            points = f.crop_landmarks
            if teeth is None or f.index % TEETH_EVERY == 0:
                seen = own_teeth(f.crop, points)
                if seen is not None:
                    teeth = seen if teeth is None else (1.0 - _TEETH_WEIGHT) * teeth + _TEETH_WEIGHT * seen
            contact = job.mouth.contact is not None and bool(job.mouth.contact[f.index])
            out, mesh = self._render_frame(f.crop, points, f.target, rest, widest,
                                           closed=bool(job.mouth.closed[f.index]), contact=contact,
                                           teeth_colour=teeth, mesh=mesh)
            yield out

    def render_frame(self, image: np.ndarray, points: np.ndarray, target: np.ndarray, rest: np.ndarray,
                     widest: float, closed: bool = False, contact: bool = False,
                     teeth_colour: np.ndarray | None = None) -> np.ndarray:
        """`image` (a frame or a crop of one, RGB uint8) with its mouth reshaped to `target`;
        `points` in `image`'s pixels. Returns `image` itself when the face is too small."""
        return self._render_frame(image, points, target, rest, widest, closed=closed, contact=contact,
                                  teeth_colour=teeth_colour)[0]

    def _render_frame(self, image: np.ndarray, points: np.ndarray, target: np.ndarray, rest: np.ndarray,
                      widest: float, *, closed: bool, contact: bool, teeth_colour: np.ndarray | None,
                      mesh: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
        """`render_frame`, and the mesh's triangles it used (`fold_free_simplices`; when the
        face was too small: `mesh` as given), which the next frame may keep (`mesh`)."""
        h, w = image.shape[:2]
        s = face_scale(points)
        opening_px = s * (rest[0] + float(target[0]) * (widest - rest[0]))
        if contact:  # f, v: the lower lip rises to the upper teeth, whatever the photo's rest
            opening_px = min(opening_px, LABIODENTAL_OPENING * s)
        moved = reshape_mouth(points, opening_px, float(target[1]), float(target[2]), close=closed)
        polygon = lower_face_polygon(points, self.mask_margin)
        box = polygon_box(polygon, w, h)
        if box[2] - box[0] < 8 or box[3] - box[1] < 8:
            return image, mesh
        ctrl = np.concatenate([LIP_POINTS, UNDER_LIP, JAW, _ANCHORS])
        ring = ring_points(box)
        src = np.vstack([points[ctrl], ring])
        dst = np.vstack([moved[ctrl], ring])
        mesh = fold_free_simplices(src, dst, mesh)
        map_x, map_y = mesh_maps(src, dst, box, simplices=mesh)
        x0, y0, x1, y1 = box
        warped = warp_crop(image, map_x, map_y).astype(np.float32)
        lip_colour = _mean_colour(image[y0:y1, x0:x1], _lip_mask(points, box))
        local = moved - (x0, y0)
        if closed and inner_opening_px(points) > 0.02 * s:  # lips pressed over a visible gap
            warped = paint_closed_lips(warped, local, lip_colour)
        else:
            warped = paint_textured_interior(warped, local, lip_colour, self.grain, rounding=float(target[2]),
                                             teeth_colour=teeth_colour, source=image[y0:y1, x0:x1],
                                             source_points=points - (x0, y0))
        mask = feathered_mask(polygon, box, feather=0.12 * s)
        return blend(image, warped, mask, box), mesh


def _polygon_mask(points: np.ndarray, box) -> np.ndarray:
    """uint8 mask over `box` (x0, y0, x1, y1): 1 inside the polygon `points`."""
    x0, y0, x1, y1 = box
    m = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.fillPoly(m, [np.round(points - (x0, y0)).astype(np.int32)], 1)
    return m


def _lip_mask(points: np.ndarray, box) -> np.ndarray:
    """The lips themselves: inside the outer contour, outside the inner one."""
    m = _polygon_mask(points[LIPS_OUTER], box)
    x0, y0 = box[:2]
    cv2.fillPoly(m, [np.round(points[LIPS_INNER] - (x0, y0)).astype(np.int32)], 0)  # the inner one cut out
    return m.view(bool)


def _mean_colour(crop: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean RGB (float64, 3) of a uint8 crop (H x W x 3) where the bool `mask` (H x W) is set;
    a lip red (150, 80, 80) when it is set nowhere.

    The same numbers as numpy's mean of the masked pixels (their sums are integers, exact in
    float64 in any order, divided by the count) at a quarter of the cost (82 -> 22 us for the
    synthetic clip's boxes): OpenCV's masked mean returns sum x (1 / count), whose rounding
    error is far under 0.5 x count, so rounding it back times the count gives the exact sum."""
    m8 = mask.view(np.uint8)
    count = cv2.countNonZero(m8)
    if not count:
        return np.array([150, 80, 80], np.float32)
    return np.round(np.array(cv2.mean(crop, m8)[:3]) * count) / count


def own_teeth(image: np.ndarray, points: np.ndarray) -> np.ndarray | None:
    """The colour of the teeth a frame shows between the lips (its brightest, least saturated
    pixels there: value at or above its 75th percentile, spread at or below its median), as
    float32 RGB, or None when it shows too few to judge."""
    h, w = image.shape[:2]
    inner = points[LIPS_INNER]
    # (plain ints: numpy's clip of two numbers costs more than the rest of this line)
    lo, hi = np.floor(inner.min(0)), np.ceil(inner.max(0))
    x0, y0 = min(max(int(lo[0]), 0), w), min(max(int(lo[1]), 0), h)
    x1, y1 = min(max(int(hi[0]) + 1, 0), w), min(max(int(hi[1]) + 1, 0), h)
    if x1 - x0 < 3 or y1 - y0 < 3:
        return None
    box = (x0, y0, x1, y1)
    inside = pixels_where(image[y0:y1, x0:x1], _polygon_mask(inner, box).view(bool))  # (n, 3) uint8
    if len(inside) < 40:
        return None
    # channel by channel: numpy reduces a short last axis slowly
    r, g, b = inside[:, 0], inside[:, 1], inside[:, 2]
    value = np.maximum(np.maximum(r, g), b)
    spread = value - np.minimum(np.minimum(r, g), b)
    teeth = pixels_where(inside, (value >= _percentile_u8(value, 0.75)) & (spread <= _percentile_u8(spread, 0.5)))
    # (mean < 120 as integers: the sum is exact, so the same test as numpy's float mean, 5x faster)
    if len(teeth) < 10 or int(teeth.sum()) < 120 * teeth.size:  # a dark mouth: no teeth in sight
        return None
    return np.array([_percentile_u8(teeth[:, c], 0.5) for c in range(3)], np.float32)


def _percentile_u8(values: np.ndarray, q: float) -> float:
    """`np.percentile(values, 100 * q)` (linear interpolation between order statistics) of
    uint8 values, read off their histogram: a fifth of the time of a sort on a mouth's few
    thousand pixels, the same numbers (the interpolation weights are exact in binary)."""
    n = len(values)
    cum = np.cumsum(np.bincount(values, minlength=256))
    pos = (n - 1) * q
    lo = int(pos)
    a, b = np.searchsorted(cum, [lo, min(lo + 1, n - 1)], side="right")
    return float(a) + (float(b) - float(a)) * (pos - lo)
