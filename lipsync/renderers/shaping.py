"""Moving lip landmarks to a target mouth shape, and painting lips pressed together (pure, on arrays).

Shared by the warp renderer (which opens the presenter's own mouth) and the exemplar renderer
(which fine-tunes an exemplar's lips to the exact target opening). The open mouth's interior is
`lipsync.renderers.interior`'s.
"""

from __future__ import annotations

import cv2
import numpy as np

from lipsync.composite import per_channel
from lipsync.landmarks import LIPS_INNER, LIPS_OUTER, LOWER_INNER_MID, MOUTH_CORNERS, UPPER_INNER_MID, face_scale

#: nine points along each lip line, left to right (MediaPipe face mesh indices)
UPPER_INNER_LIP = np.array([191, 80, 81, 82, 13, 312, 311, 310, 415])
LOWER_INNER_LIP = np.array([95, 88, 178, 87, 14, 317, 402, 318, 324])
UPPER_OUTER_LIP = np.array([185, 40, 39, 37, 0, 267, 269, 270, 409])
LOWER_OUTER_LIP = np.array([146, 91, 181, 84, 17, 314, 405, 321, 375])
CORNERS = np.array([61, 291, 78, 308])
#: midline and beside it, between the lower lip and the chin: follow the jaw as it drops
UNDER_LIP = np.array([18, 200, 199, 175, 83, 313, 201, 421])
UNDER_LIP_FOLLOW = np.array([0.8, 0.65, 0.5, 0.35, 0.6, 0.6, 0.4, 0.4])
LIP_POINTS = np.concatenate([UPPER_INNER_LIP, LOWER_INNER_LIP, UPPER_OUTER_LIP, LOWER_OUTER_LIP, CORNERS])
# which of LIP_POINTS are lower lip, upper lip, outer contour (fixed: computed once, not per frame)
_IS_LOWER = np.isin(LIP_POINTS, np.concatenate([LOWER_INNER_LIP, LOWER_OUTER_LIP]))
_IS_UPPER = np.isin(LIP_POINTS, np.concatenate([UPPER_INNER_LIP, UPPER_OUTER_LIP]))
_IS_OUTER = np.isin(LIP_POINTS, np.concatenate([UPPER_OUTER_LIP, LOWER_OUTER_LIP]))
_ALL_LIPS = np.concatenate([LIPS_INNER, LIPS_OUTER])


def mouth_axes(points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """(centre, u along the mouth, v down the face, half width) of the mouth."""
    left, right = points[MOUTH_CORNERS[0]], points[MOUTH_CORNERS[1]]
    u = (right - left).astype(np.float64)
    half = float(np.linalg.norm(u)) / 2
    u /= max(2 * half, 1e-6)
    v = np.array([-u[1], u[0]])
    if v[1] < 0:
        v = -v
    centre = points[_ALL_LIPS].mean(0).astype(np.float64)
    return centre, u, v, half


def inner_opening_px(points: np.ndarray) -> float:
    return float(np.linalg.norm(points[LOWER_INNER_MID] - points[UPPER_INNER_MID]))


def reshape_mouth(points: np.ndarray, opening_px: float, width_rel: float, rounding: float,
                  close: bool = False) -> np.ndarray:
    """Landmarks with the lips moved so the inner opening at the centre is `opening_px`.

    The lower lip and the chin take most of the motion, the upper lip a little; the corners
    move in for rounded shapes and out for spread ones (width_rel -1..1, rounding 0..1)."""
    out = points.astype(np.float64).copy()
    s = face_scale(points)
    centre, u, v, half = mouth_axes(points)
    delta = (0.0 if close else opening_px) - inner_opening_px(points)
    # Width: spread widens, rounding narrows (share of the half width).
    dw = half * (0.12 * width_rel - ROUND_NARROWING * rounding)
    idx = LIP_POINTS
    rel = out[idx] - centre
    a = (rel @ u / max(half, 1e-6)).clip(-1.2, 1.2)
    # How the opening spreads along the mouth: rounded lips open in the middle, pinched at
    # the corners (an "o"), flat ones along most of their width.
    profile = np.cos(a.clip(-1, 1) * np.pi / 2).clip(0, 1) ** (0.7 + 1.0 * rounding)
    lower, upper = _IS_LOWER, _IS_UPPER
    move = np.zeros((len(idx), 2))
    # (outer products as column x row: np.outer's own checks cost more than the product)
    move += (np.where(lower, 0.8, 0.0) * delta * profile)[:, None] * v
    move -= (np.where(upper, 0.2, 0.0) * delta * profile)[:, None] * v
    move += (a * dw)[:, None] * u
    # Rounded lips push forward and look taller.
    outer_lips = _IS_OUTER
    push = np.where(outer_lips, 0.04 * s * rounding, 0.0) * profile * np.sign(rel @ v)
    move += push[:, None] * v
    out[idx] += move
    out[UNDER_LIP] += (UNDER_LIP_FOLLOW * 0.8 * delta)[:, None] * v
    if rounding > 0 and not close:
        _purse(out, opening_px, float(min(rounding, 1.0)), centre, u, v, half + dw)
    if close:
        # Lips meet: the inner contours join at their middle line.
        mid = (out[UPPER_INNER_LIP] + out[LOWER_INNER_LIP[::-1][::-1]]) / 2
        out[UPPER_INNER_LIP] = mid
        out[LOWER_INNER_LIP] = mid
    return out.astype(np.float32)


#: How much full rounding narrows the mouth, share of its half width each side (tuned by eye).
ROUND_NARROWING = 0.3
#: Rounded lips (u, o, w) leave an opening this share of the mouth's half width either side of
#: the centre at full rounding: a pout's small round hole, tuned by eye on the README stills.
PURSE_WIDTH = 0.35


def purse_width(rounding: float) -> float:
    """Half width of a rounded mouth's opening, share of the mouth's half width: 1 (the whole
    mouth) unrounded, `PURSE_WIDTH` at full rounding (rounding 0..1)."""
    return 1.0 - (1.0 - PURSE_WIDTH) * min(max(float(rounding), 0.0), 1.0)


def _purse(out: np.ndarray, opening_px: float, rounding: float, centre: np.ndarray, u: np.ndarray, v: np.ndarray,
           half: float) -> None:
    """Close the inner lips in from the corners for a rounded shape, in place: each upper/lower
    inner-lip pair keeps its middle and takes the gap of an ellipse `opening_px` tall and
    `purse_width(rounding)` x the half width wide (mixed with its own gap by 2 x `rounding`, at
    most 1), so a smiling photo's wide gap becomes a pout's small hole, lips closed at the sides.
    `centre`, `u`, `v`: the mouth's axes (`mouth_axes`); `half`: its half width once the corners
    have moved."""
    upper, lower = out[UPPER_INNER_LIP], out[LOWER_INNER_LIP]
    mid = (upper + lower) / 2
    a = (mid - centre) @ u / max(half, 1e-6)
    gap = (lower - upper) @ v
    x = (a / purse_width(rounding)).clip(-1.0, 1.0)
    want = opening_px * np.sqrt(1.0 - x * x)
    mix = min(1.0, 2.0 * rounding)  # a clear rounding (o, u) closes the sides fully
    new_gap = (1 - mix) * gap + mix * want
    out[UPPER_INNER_LIP] = mid - (new_gap / 2)[:, None] * v
    out[LOWER_INNER_LIP] = mid + (new_gap / 2)[:, None] * v


def paint_closed_lips(crop: np.ndarray, points_local: np.ndarray, lip_colour: np.ndarray) -> np.ndarray:
    """Paint lips that meet (p, b, m) into a float32 crop along the line where the moved inner
    contours of `points_local` join: a band of lip colour hides the teeth the warp squeezed
    into the seam, and a soft dark line marks where the lips press together."""
    line = points_local[np.concatenate([[78], UPPER_INNER_LIP, [308]])].astype(np.float64)
    return _paint_lip_band(crop, line, np.ones(len(line)), face_scale(points_local), lip_colour)


def paint_pursed_sides(crop: np.ndarray, points_local: np.ndarray, lip_colour: np.ndarray,
                       rounding: float) -> np.ndarray:
    """For a rounded shape (`reshape_mouth` with rounding > 0): paint the lips that meet on
    either side of the pout's hole, as `paint_closed_lips` does for a whole closed mouth, so the
    teeth a smiling photo showed there, squeezed by the warp, do not peep through. Weighted by
    `rounding` (0..1, full from 0.5), fading in from 0.6 to 1.0 x `purse_width`, and only where
    the inner lips are within 2 px of each other."""
    centre, u, v, half = mouth_axes(points_local)
    upper, lower = points_local[UPPER_INNER_LIP], points_local[LOWER_INNER_LIP]
    # Only where the lips now meet (within 2 px): an open mouth's sides are the interior's.
    met = (1.0 - ((lower - upper) @ v) / 2.0).clip(0, 1)
    if not met.any():  # an open mouth: nothing to paint (the weights below are all 0)
        return crop
    met = np.concatenate([met[:1], met, met[-1:]])  # the corners as their neighbours
    line = np.vstack([points_local[[78]], (upper + lower) / 2, points_local[[308]]]).astype(np.float64)
    a = np.abs((line - centre) @ u) / max(half, 1e-6)
    width = purse_width(rounding)
    weights = min(1.0, 2.0 * min(max(float(rounding), 0.0), 1.0)) * ((a - 0.6 * width) / (0.4 * width)).clip(0, 1) * met
    if not weights.any():
        return crop
    return _paint_lip_band(crop, line, weights, face_scale(points_local), lip_colour, band_share=0.08, seam_dark=0.25)


def _paint_lip_band(crop: np.ndarray, line: np.ndarray, weights: np.ndarray, s: float,
                    lip_colour: np.ndarray, band_share: float = 0.045, seam_dark: float = 0.45) -> np.ndarray:
    """A band of lip colour and a soft dark seam along `line` (N x 2, crop pixels, running across
    the mouth), weighted by `weights` (0..1, one per point, interpolated across the columns);
    in place on the float32 crop."""
    h, w = crop.shape[:2]
    order = np.argsort(line[:, 0])
    line, weights = line[order], weights[order]
    band = max(2.0, band_share * s)
    x0, y0 = np.floor(line.min(0) - 2 * band).astype(int)
    x1, y1 = np.ceil(line.max(0) + 2 * band).astype(int)
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return crop
    pts = np.round((line - (x0, y0)) * 8).astype(np.int32)
    fill = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.polylines(fill, [pts], False, 255, thickness=max(1, int(round(band))), lineType=cv2.LINE_AA, shift=3)
    fill = cv2.GaussianBlur(fill.astype(np.float32) / 255.0, (0, 0), max(0.6, band / 4))
    seam = np.zeros_like(fill, np.uint8)
    cv2.polylines(seam, [pts], False, 255, thickness=1, lineType=cv2.LINE_AA, shift=3)
    seam = cv2.GaussianBlur(seam.astype(np.float32) / 255.0, (0, 0), 0.8)
    if weights.min() < 1:  # weighted along the line: by column (the line runs across the mouth)
        columns = np.interp(np.arange(x0, x1, dtype=np.float32), line[:, 0], weights).astype(np.float32)
        fill *= columns
        seam *= columns
    lip = np.asarray(lip_colour, np.float32)
    region = crop[y0:y1, x0:x1]
    region += (lip - region) * per_channel(fill)
    region *= per_channel(1.0 - seam_dark * (seam * 1.5).clip(0, 1))
    return crop
