"""Face regions from 68 landmarks, and what the mouth is doing (pure, on arrays).

Every size is relative to the face (the distance between the eye centres), so a measure
means the same on a 300 px face as on a 900 px one.
"""

from __future__ import annotations

import cv2
import numpy as np

from pipeline.evaluate.tracker import INNER_LIP_PAIRS, JAW, LEFT_EYE, NOSE_BOTTOM, OUTER_LIPS, RIGHT_EYE


def eye_distance(landmarks: np.ndarray) -> float:
    """Distance between the eye centres, in pixels."""
    return float(np.linalg.norm(landmarks[LEFT_EYE].mean(axis=0) - landmarks[RIGHT_EYE].mean(axis=0)))


def inner_lip_opening(landmarks: np.ndarray) -> float:
    """Inner-lip opening divided by the eye distance (0 closed, about 0.3-0.5 wide open)."""
    gaps = [np.linalg.norm(landmarks[a] - landmarks[b]) for a, b in INNER_LIP_PAIRS]
    return float(np.mean(gaps)) / max(eye_distance(landmarks), 1e-6)


def _clip_box(x0: float, y0: float, x1: float, y1: float, shape) -> tuple[int, int, int, int]:
    h, w = shape[:2]
    x0, x1 = int(np.clip(np.floor(x0), 0, w)), int(np.clip(np.ceil(x1), 0, w))
    y0, y1 = int(np.clip(np.floor(y0), 0, h)), int(np.clip(np.ceil(y1), 0, h))
    return x0, y0, x1, y1


def mouth_box(landmarks: np.ndarray, shape, margin: float = 0.25) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) around the outer lips, grown by `margin` x the eye distance."""
    lips = landmarks[OUTER_LIPS]
    m = margin * eye_distance(landmarks)
    (x0, y0), (x1, y1) = lips.min(axis=0) - m, lips.max(axis=0) + m
    return _clip_box(x0, y0, x1, y1, shape)


def upper_face_mask(landmarks: np.ndarray, shape) -> np.ndarray:
    """The face above the nose: between the outer jaw points, from above the brows down to
    the middle of the nose bridge (point 29). Eyes, brows, forehead: a lower-face blend must
    leave all of it as it was."""
    s = eye_distance(landmarks)
    bottom = landmarks[29, 1]
    top = landmarks[17:27, 1].min() - 0.3 * s
    x0, x1 = landmarks[0, 0], landmarks[16, 0]
    mask = np.zeros(shape[:2], dtype=bool)
    bx0, by0, bx1, by1 = _clip_box(x0, top, x1, bottom, shape)
    mask[by0:by1, bx0:bx1] = True
    return mask


def below_jaw_mask(landmarks: np.ndarray, shape, drop: float = 0.8, grow: float = 0.1) -> np.ndarray:
    """What a renderer that moves the chin may change below the face: the band between the
    jaw line from below the mouth corners round the chin (points 3-13) and the same line
    `drop` x eye distance lower (chin, neck, collar), grown `grow` x eye distance every way
    (the jaw line itself moves with the chin, and the blend fades over it)."""
    s = eye_distance(landmarks)
    jaw = landmarks[3:14].astype(np.float64)
    band = np.concatenate([jaw, (jaw + (0.0, drop * s))[::-1]])
    mask = np.zeros(shape[:2], dtype=np.uint8)
    cv2.fillPoly(mask, [np.round(band).astype(np.int32)], 1)
    k = 2 * int(np.ceil(grow * s)) + 1
    return cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))).astype(bool)


def side_band_mask(landmarks: np.ndarray, shape, gap: float = 0.25, width: float = 0.5) -> np.ndarray:
    """Strips beside the face at mouth height (left and right of the jaw line, starting
    `gap` x eye distance out, `width` x eye distance wide): ears, hair, background. A mask
    that spills past the face ghosts them. What lies below the jaw (`below_jaw_mask`) is left
    out: a renderer may move the chin and the neck under it, never what is beside the face."""
    s = eye_distance(landmarks)
    lips = landmarks[OUTER_LIPS]
    y0, y1 = lips[:, 1].min() - 0.2 * s, lips[:, 1].max() + 0.2 * s
    rows = (landmarks[JAW][:, 1] >= y0 - 0.3 * s) & (landmarks[JAW][:, 1] <= y1 + 0.3 * s)
    jaw = landmarks[JAW][rows] if rows.any() else landmarks[JAW]
    mask = np.zeros(shape[:2], dtype=bool)
    left, right = jaw[:, 0].min() - gap * s, jaw[:, 0].max() + gap * s
    for a, b in ((left - width * s, left), (right, right + width * s)):
        bx0, by0, bx1, by1 = _clip_box(a, y0, b, y1, shape)
        mask[by0:by1, bx0:bx1] = True
    return mask & ~below_jaw_mask(landmarks, shape)


def lower_face_search_mask(landmarks: np.ndarray, shape, outward: float = 0.2) -> np.ndarray:
    """Where a lower-face blend boundary can lie: the hull of the jaw (points 2-14) and the
    bottom of the nose, grown `outward` x eye distance past the jaw line."""
    s = eye_distance(landmarks)
    centre = landmarks[OUTER_LIPS].mean(axis=0)
    pts = np.concatenate([landmarks[2:15], landmarks[NOSE_BOTTOM]])
    vec = pts - centre
    norm = np.linalg.norm(vec, axis=1, keepdims=True)
    grown = pts + vec / np.maximum(norm, 1e-6) * outward * s
    mask = np.zeros(shape[:2], dtype=np.uint8)
    cv2.fillConvexPoly(mask, cv2.convexHull(np.round(grown).astype(np.int32)), 1)
    return mask.astype(bool)
