"""MediaPipe face-mesh landmark indices and the geometry derived from them (pure, on arrays).

Indices follow MediaPipe's 468-point canonical face mesh (478 with the irises).
"""

from __future__ import annotations

import numpy as np

N_LANDMARKS = 478

#: outer lip contour, clockwise from the left mouth corner (image left)
LIPS_OUTER = np.array([61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291,
                       375, 321, 405, 314, 17, 84, 181, 91, 146])
#: inner lip contour, same order
LIPS_INNER = np.array([78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308,
                       324, 318, 402, 317, 14, 87, 178, 88, 95])
#: upper and lower inner-lip points facing each other (left, centre, right)
INNER_GAP_PAIRS = np.array([[81, 178], [82, 87], [13, 14], [312, 317], [311, 402]])
MOUTH_CORNERS = (61, 291)
UPPER_LIP_TOP, LOWER_LIP_BOTTOM = 0, 17
#: the midline points of the upper and lower inner lip
UPPER_INNER_MID, LOWER_INNER_MID = 13, 14
#: lower half of the face oval, from the left cheek (level with the nose) round the chin
JAW = np.array([93, 132, 58, 172, 136, 150, 149, 176, 148, 152,
                377, 400, 378, 379, 365, 397, 288, 361, 323])
CHIN = 152
NOSE_TIP, SUBNASALE = 4, 2
NOSTRILS = (98, 327)
#: the face oval's outermost points left and right (level with the cheekbones): "jaw to jaw"
FACE_SIDES = (234, 454)
#: outer and inner eye corners: left eye 33/133, right eye 362/263 (image left to right)
EYE_OUTER = (33, 263)
#: points that do not move when the mouth moves: eye corners and nose bridge
STABLE = np.array([33, 133, 362, 263, 168, 6, 197, 195, 5])
#: band under the nose where the lower-face mask starts
UNDER_NOSE = np.array([206, 203, 98, 97, 2, 326, 327, 423, 426])


def face_scale(points: np.ndarray) -> float:
    """Face size in pixels: distance between the outer eye corners."""
    a, b = EYE_OUTER
    return float(np.hypot(*(points[a] - points[b])))


def face_width(points: np.ndarray) -> float:
    """Face width in pixels, jaw to jaw (the face oval's outermost points, `FACE_SIDES`)."""
    a, b = FACE_SIDES
    return float(np.hypot(*(points[a] - points[b])))


def mouth_shape(points: np.ndarray, scale: float | None = None) -> np.ndarray:
    """(opening, width, rounding) of the mouth, normalised by the face size.

    opening: mean gap between the inner lips; width: corner to corner; rounding: outer lip
    height over outer lip width (larger when the lips pucker).
    """
    scale = scale or face_scale(points)
    gaps = points[INNER_GAP_PAIRS[:, 1]] - points[INNER_GAP_PAIRS[:, 0]]
    opening = float(np.mean(np.hypot(gaps[:, 0], gaps[:, 1])))
    left, right = MOUTH_CORNERS
    width = float(np.hypot(*(points[right] - points[left])))
    height = float(np.hypot(*(points[LOWER_LIP_BOTTOM] - points[UPPER_LIP_TOP])))
    return np.array([opening / scale, width / scale, height / max(width, 1e-6)], np.float32)


def pose_from_matrix(matrix: np.ndarray) -> np.ndarray:
    """(yaw, pitch, roll) in degrees from MediaPipe's facial transformation matrix."""
    r = np.asarray(matrix, np.float64)[:3, :3]
    yaw = np.degrees(np.arctan2(r[0, 2], r[2, 2]))
    pitch = np.degrees(np.arctan2(-r[1, 2], np.hypot(r[0, 2], r[2, 2])))
    roll = np.degrees(np.arctan2(r[1, 0], r[0, 0]))
    return np.array([yaw, pitch, roll], np.float32)


def similarity(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """2x3 similarity transform (rotation, uniform scale, shift) taking src points onto dst,
    least squares (Umeyama)."""
    src = np.asarray(src, np.float64)
    dst = np.asarray(dst, np.float64)
    mu_s, mu_d = src.mean(0), dst.mean(0)
    s, d = src - mu_s, dst - mu_d
    cov = d.T @ s / len(src)
    u, sig, vt = np.linalg.svd(cov)
    sign = np.sign(np.linalg.det(u @ vt)) or 1.0
    e = np.diag([1.0, sign])
    rot = u @ e @ vt
    var = (s ** 2).sum() / len(src)
    c = float(np.trace(np.diag(sig) @ e) / max(var, 1e-12))
    m = np.zeros((2, 3))
    m[:, :2] = c * rot
    m[:, 2] = mu_d - c * rot @ mu_s
    return m


def apply_affine(m: np.ndarray, points: np.ndarray) -> np.ndarray:
    return (np.asarray(points, np.float64) @ m[:, :2].T + m[:, 2]).astype(np.float32)


def invert_affine(m: np.ndarray) -> np.ndarray:
    a = np.vstack([m, [0.0, 0.0, 1.0]])
    return np.linalg.inv(a)[:2]
