"""Piecewise-affine mesh warp on a crop (pure, on arrays)."""

from __future__ import annotations

import cv2
import numpy as np
from scipy.spatial import Delaunay


def ring_points(box: tuple[int, int, int, int], per_side: int = 4) -> np.ndarray:
    """Points along the border of a box (x0, y0, x1, y1): anchors that keep the warp
    the identity at the crop's edge."""
    x0, y0, x1, y1 = box
    xs = np.linspace(x0, x1 - 1, per_side + 1)
    ys = np.linspace(y0, y1 - 1, per_side + 1)
    pts = [(x, y0) for x in xs] + [(x, y1 - 1) for x in xs] + \
          [(x0, y) for y in ys[1:-1]] + [(x1 - 1, y) for y in ys[1:-1]]
    return np.array(pts, np.float32)


def triangle_affines(src: np.ndarray, dst: np.ndarray, simplices: np.ndarray) -> np.ndarray:
    """(T, 2, 3) affine per triangle mapping dst coordinates to src coordinates."""
    d = dst[simplices].astype(np.float64)  # T, 3, 2
    s = src[simplices].astype(np.float64)
    ones = np.ones((len(simplices), 3, 1))
    a = np.concatenate([d, ones], axis=2)  # T, 3, 3
    # Degenerate (flat) triangles get the identity-ish least squares answer.
    sol = np.linalg.pinv(a) @ s  # T, 3, 2
    return np.transpose(sol, (0, 2, 1))


def mesh_maps(src: np.ndarray, dst: np.ndarray, box: tuple[int, int, int, int],
              post: np.ndarray | None = None, simplices: np.ndarray | None = None,
              step: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """cv2.remap maps for the crop `box` of the destination: pixel (x, y) of the crop is
    taken from src-space point A_t(x, y) of the triangle t (of `dst`) it lies in, then
    through the affine `post` (2x3) if given. Pixels outside every triangle map by the
    identity (then `post`). The maps are smooth, so they are computed every `step` pixels
    and interpolated."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    if simplices is None:
        simplices = Delaunay(dst).simplices
    aff = triangle_affines(src, dst, simplices)
    # Identity for pixels outside the mesh, at index len(simplices).
    ident = np.array([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
    aff = np.concatenate([aff, ident])
    if post is not None:
        p = np.vstack([post, [0.0, 0.0, 1.0]])
        aff = np.einsum("ij,tjk->tik", p[:2], np.concatenate(
            [aff, np.tile([[[0.0, 0.0, 1.0]]], (len(aff), 1, 1))], axis=1))
    gw, gh = (w + step - 1) // step + 1, (h + step - 1) // step + 1
    ids = np.full((gh, gw), len(simplices), np.int32)
    local = np.round((dst - (x0, y0)) * (16.0 / step)).astype(np.int32)
    for t, tri in enumerate(simplices):
        cv2.fillConvexPoly(ids, local[tri], int(t), lineType=cv2.LINE_8, shift=4)
    ys, xs = np.mgrid[0:gh, 0:gw].astype(np.float32)
    xs = xs * step + x0
    ys = ys * step + y0
    a = aff.astype(np.float32)[ids]  # gh, gw, 2, 3
    map_x = a[..., 0, 0] * xs + a[..., 0, 1] * ys + a[..., 0, 2]
    map_y = a[..., 1, 0] * xs + a[..., 1, 1] * ys + a[..., 1, 2]
    if step > 1:
        # Grid point j sits at pixel j * step: pixel i reads the grid at i / step exactly.
        m = np.array([[1.0 / step, 0.0, 0.0], [0.0, 1.0 / step, 0.0]])
        flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
        map_x = cv2.warpAffine(map_x, m, (w, h), flags=flags, borderMode=cv2.BORDER_REPLICATE)
        map_y = cv2.warpAffine(map_y, m, (w, h), flags=flags, borderMode=cv2.BORDER_REPLICATE)
    else:
        map_x, map_y = map_x[:h, :w], map_y[:h, :w]
    return map_x, map_y


def warp_crop(source: np.ndarray, map_x: np.ndarray, map_y: np.ndarray) -> np.ndarray:
    return cv2.remap(source, map_x, map_y, interpolation=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
