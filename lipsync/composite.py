"""Compositing a new lower face into a frame (pure, on arrays).

Beside the mouth the mask is kept inside the jaw line with a margin: a hull of the whole face
oval spills past the silhouette and ghosts ears, hair and background. A renderer that moves
the chin (`jaw_following_polygon`) may also change what lies below the jaw (chin, neck,
collar), never what lies beside the face. Feathering happens inside the polygon, so nothing
outside it ever changes.
"""

from __future__ import annotations

import cv2
import numpy as np

from lipsync.landmarks import JAW, LIPS_OUTER, NOSTRILS, SUBNASALE, face_scale

#: jaw points used for the mask: the oval below the cheekbones, round the chin
_MASK_JAW = JAW[2:-2]
#: cheek points beside the nostrils, the upper corners of the mask
_MASK_CHEEKS = (205, 425)
_MASK_CHEEK_POINTS = np.array(_MASK_CHEEKS)
#: the nose's lower edge, right nostril to left, the mask's top
_MASK_NOSE = np.array([NOSTRILS[1], SUBNASALE, NOSTRILS[0]])


def lower_face_polygon(points: np.ndarray, margin: float = 0.1) -> np.ndarray:
    """Polygon of the region a renderer may change: under the nose, inside the jaw line
    pulled in by `margin` x face size."""
    s = face_scale(points)
    # (numpy's mean and norm spelt out: the same sums without their Python wrappers, and the
    # points gathered with index arrays made once: 2 calls a frame)
    lips = points[LIPS_OUTER]
    centre = np.add.reduce(lips, axis=0) / len(lips)
    jaw = points[_MASK_JAW].astype(np.float64)
    vec = jaw - centre
    dist = np.sqrt(np.add.reduce(vec * vec, axis=1, keepdims=True))
    jaw = centre + vec * np.maximum(dist - margin * s, 0.3 * dist) / np.maximum(dist, 1e-6)
    nose = points[_MASK_NOSE].astype(np.float64)
    nose[:, 1] += 0.04 * s  # start just under the nostrils
    cheeks = points[_MASK_CHEEK_POINTS].astype(np.float64)
    cheeks = centre + (cheeks - centre) * 0.85
    poly = np.vstack([jaw, cheeks[1:], nose, cheeks[:1]])
    hull = cv2.convexHull(poly.astype(np.float32))
    return hull.reshape(-1, 2)


def jaw_following_polygon(points: np.ndarray, jaw: np.ndarray, follow: np.ndarray, margin: float = 0.1,
                          below: float = 0.25) -> np.ndarray:
    """Polygon of the region a renderer that moves the jaw may change (float, pixels, hull).

    `points` are the frame's landmarks (478 x 2, pixels); `jaw` the new position of the `JAW`
    points (19 x 2) and `follow` (19,) how far each follows the new jaw (0 at the cheeks, 1 at
    the chin). Each jaw point, old and new, is pulled in by `margin` x face size where it stays
    (beside the mouth: the silhouette and the band beside the face stay the source's) and
    pushed straight down by `below` x face size where it follows (the chin, neck and collar
    under it may change, so a raised chin uncovers the new frame's neck, not a ghost of the
    old chin). Nose and cheek corners as in `lower_face_polygon`.
    """
    s = face_scale(points)
    centre = points[LIPS_OUTER].mean(0)
    w = np.asarray(follow, np.float64)[2:-2, None]
    parts = [lower_face_polygon(points, margin)]
    for pts in (points[JAW], np.asarray(jaw)):
        p = np.asarray(pts, np.float64)[2:-2]
        vec = p - centre
        dist = np.linalg.norm(vec, axis=1, keepdims=True)
        pulled = centre + vec * np.maximum(dist - margin * s, 0.3 * dist) / np.maximum(dist, 1e-6)
        parts.append((1 - w) * pulled + w * (p + (0.0, below * s)))
    hull = cv2.convexHull(np.vstack(parts).astype(np.float32))
    return hull.reshape(-1, 2)


def polygon_box(polygon: np.ndarray, width: int, height: int, pad: int = 2) -> tuple[int, int, int, int]:
    """The box (x0, y0, x1, y1) around a polygon, clipped to the frame: the only pixels a
    blend inside that polygon can change."""
    lo = np.floor(polygon.min(0)).astype(int) - pad
    hi = np.ceil(polygon.max(0)).astype(int) + pad + 1
    return (int(max(lo[0], 0)), int(max(lo[1], 0)), int(min(hi[0], width)), int(min(hi[1], height)))


def feathered_mask(polygon: np.ndarray, box: tuple[int, int, int, int], feather: float) -> np.ndarray:
    """Float32 mask in the crop `box`: 1 well inside the polygon, easing to 0 at its edge
    over about `feather` pixels (the fade lies inside the polygon)."""
    x0, y0, x1, y1 = box
    h, w = y1 - y0, x1 - x0
    mask = np.zeros((h, w), np.uint8)
    local = np.round((polygon - (x0, y0)) * 16).astype(np.int32)
    cv2.fillPoly(mask, [local], 255, lineType=cv2.LINE_AA, shift=4)
    # The fade is smooth: shape it at half size (a quarter of the work), then scale up.
    step = 2 if min(h, w) >= 64 else 1
    small = mask if step == 1 else cv2.resize(mask, ((w + 1) // 2, (h + 1) // 2), interpolation=cv2.INTER_AREA)
    sigma = max(0.5, feather / 4 / step)
    k = int(np.ceil(2.5 * sigma))
    inner = cv2.erode(small, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * k + 1, 2 * k + 1)))
    m = cv2.GaussianBlur(inner, (0, 0), sigma)
    if step != 1:
        m = cv2.resize(m, (w, h), interpolation=cv2.INTER_LINEAR)
    m = m.astype(np.float32) * (1.0 / 255.0)
    # The Gaussian's far tail would reach past the polygon: cut it there.
    m *= mask.astype(np.float32) * (1.0 / 255.0)
    return m


def match_colour(patch: np.ndarray, frame_crop: np.ndarray, mask: np.ndarray, lo: float = 0.02,
                 hi: float = 0.7, exclude: np.ndarray | None = None) -> np.ndarray:
    """Shift `patch` so its mean colour over the mask's fade ring (skin near the seam)
    equals the frame's there; returns float32."""
    ring = (mask > lo) & (mask < hi)
    if exclude is not None:
        ring &= ~exclude
    p = patch.astype(np.float32)
    if np.count_nonzero(ring) < 16:
        return p
    diff = pixels_where(frame_crop, ring).astype(np.float32).mean(0) - pixels_where(p, ring).mean(0)
    # OpenCV adds a float32 scalar per channel in float32 (the same sums as numpy's broadcast
    # of `diff`, which walks the 3-long channel axis three elements at a time: 131 -> 13 us)
    return cv2.add(p, tuple(float(c) for c in diff), dst=p)


def pixels_where(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """`image[mask]`, the same array (n x C, row-major order, `image`'s dtype), for an image
    (H x W x C, or n x C) and a bool `mask` of its leading shape: each pixel is copied as one
    item of C channels' bytes, where numpy's boolean indexing copies C items (3-4x slower:
    30 -> 8 us for a 40 x 80 RGB mouth box)."""
    pixels = np.ascontiguousarray(image)
    channels = pixels.shape[-1]
    items = pixels.view(f"V{channels * pixels.itemsize}")[..., 0]
    return items[mask].view(pixels.dtype).reshape(-1, channels)


def per_channel(weights: np.ndarray) -> np.ndarray:
    """(h, w) weights as (h, w, 3), the same weight in each channel (C-contiguous, same dtype).

    An (h, w, 3) array times this gives the same numbers as times `weights[..., None]` in a
    seventh of the time: numpy walks a broadcast length-1 channel axis three elements at a
    time (a 178 x 111 crop: 54 against 4.5 us for the product itself; issue 14)."""
    return cv2.merge((weights, weights, weights))


def tint(scale: np.ndarray, colour: np.ndarray) -> np.ndarray:
    """`colour` (3,) scaled by `scale` (h, w) per pixel: (h, w, 3), the numbers of
    `colour[None, None, :] * scale[..., None]` at a tenth of the time (see `per_channel`)."""
    return cv2.merge([scale * c for c in colour])


def blend(frame: np.ndarray, patch: np.ndarray, mask: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """A copy of `frame` with `patch` (crop-sized, float or uint8) blended into `box`."""
    x0, y0, x1, y1 = box
    out = frame.copy()
    region = out[y0:y1, x0:x1].astype(np.float32)
    change = np.asarray(patch, np.float32) - region  # (a float32 patch is not copied)
    region += change * per_channel(mask)
    region += 0.5
    out[y0:y1, x0:x1] = np.clip(region, 0, 255, out=region).astype(np.uint8)
    return out


def mouth_polygon_mask(points: np.ndarray, box: tuple[int, int, int, int], indices=LIPS_OUTER,
                       grow: float = 0.0) -> np.ndarray:
    """Bool mask of a lip polygon in the crop (used to keep the mouth out of colour stats)."""
    x0, y0, x1, y1 = box
    m = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.fillPoly(m, [np.round(points[indices] - (x0, y0)).astype(np.int32)], 1)
    if grow > 0:
        k = int(grow) * 2 + 1
        m = cv2.dilate(m, np.ones((k, k), np.uint8))
    return m.astype(bool)
