"""Image measures between a render and its source (pure, on arrays)."""

from __future__ import annotations

import math

import cv2
import numpy as np

#: Below this (grey levels, after a light blur) a pixel counts as unchanged: CRF 18
#: re-encoding moves pixels by about 1-2 levels.
CHANGE_THRESHOLD = 6.0


def gray(frame: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(np.ascontiguousarray(frame), cv2.COLOR_RGB2GRAY) if frame.ndim == 3 else frame


def squared_error(a: np.ndarray, b: np.ndarray, mask: np.ndarray | None = None) -> tuple[float, int]:
    """(sum of squared differences, number of values) over the masked pixels, all channels."""
    d = a.astype(np.float64) - b.astype(np.float64)
    if mask is not None:
        d = d[mask]
    return float(np.sum(d * d)), int(d.size)


def psnr_from(sse: float, count: int, peak: float = 255.0) -> float:
    """PSNR in dB from pooled squared error; inf when identical, NaN when nothing counted."""
    if count == 0:
        return math.nan
    mse = sse / count
    return math.inf if mse == 0 else 10.0 * math.log10(peak * peak / mse)


def psnr(a: np.ndarray, b: np.ndarray, mask: np.ndarray | None = None) -> float:
    return psnr_from(*squared_error(a, b, mask))


def region_change(previous: np.ndarray, current: np.ndarray, box: tuple[int, int, int, int]) -> float:
    """Mean absolute grey-level change inside `box` from one frame to the next."""
    x0, y0, x1, y1 = box
    if x1 <= x0 or y1 <= y0:
        return math.nan
    a = gray(previous)[y0:y1, x0:x1].astype(np.float32)
    b = gray(current)[y0:y1, x0:x1].astype(np.float32)
    return float(np.mean(np.abs(a - b)))


def gradient_magnitude(image: np.ndarray) -> np.ndarray:
    """Sobel gradient magnitude of the grey image (no smoothing: a seam is one pixel wide)."""
    g = gray(image).astype(np.float32)
    gx = cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3)
    return np.sqrt(gx * gx + gy * gy)


def change_boundary(render: np.ndarray, reference: np.ndarray, search: np.ndarray,
                    threshold: float = CHANGE_THRESHOLD) -> np.ndarray:
    """The edge of the region the render changed, inside `search` (not on its rim).

    The blend mask is unknown, but where the render differs from the source it was pasted:
    the rim of that region is where a seam would be.
    """
    # A light blur keeps the rim within a pixel of a hard edge while calming encoder noise.
    diff = cv2.GaussianBlur(np.abs(gray(render).astype(np.float32) - gray(reference).astype(np.float32)), (0, 0), 1.0)
    changed = ((diff > threshold) & search).astype(np.uint8)
    changed = cv2.morphologyEx(changed, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5)))
    changed = cv2.morphologyEx(changed, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))  # drop specks of noise
    rim = cv2.morphologyEx(changed, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8)).astype(bool)
    inner_search = cv2.erode(search.astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool)
    return rim & inner_search


def seam_sums(render: np.ndarray, reference: np.ndarray, search: np.ndarray) -> tuple[float, float, int]:
    """(gradient sum in the render, gradient sum in the source, pixels) along the boundary of
    the changed region. A hard paste adds an edge there; a feathered blend does not."""
    ys, xs = np.nonzero(search)
    if len(ys) == 0:
        return 0.0, 0.0, 0
    # Work on the search area's bounding box only (the rest of the frame cannot hold the seam).
    y0, y1 = max(ys.min() - 4, 0), ys.max() + 5
    x0, x1 = max(xs.min() - 4, 0), xs.max() + 5
    render, reference, search = render[y0:y1, x0:x1], reference[y0:y1, x0:x1], search[y0:y1, x0:x1]
    boundary = change_boundary(render, reference, search)
    n = int(boundary.sum())
    if n == 0:
        return 0.0, 0.0, 0
    return float(gradient_magnitude(render)[boundary].sum()), float(gradient_magnitude(reference)[boundary].sum()), n


def seam_step(render: np.ndarray, reference: np.ndarray, search: np.ndarray) -> float:
    """Gradient along the blend boundary in the render over the same line in the source:
    about 1 when the seam does not show; NaN when nothing changed."""
    r, s, n = seam_sums(render, reference, search)
    return r / s if n and s > 0 else math.nan
